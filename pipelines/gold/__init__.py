"""Gold annotations: inline markup for writing annotated notes, brat standoff export/import."""
from pipelines.gold.brat import read_brat, write_brat
from pipelines.gold.markup import MarkupError, parse_markup, to_markup

__all__ = ["MarkupError", "parse_markup", "read_brat", "to_markup", "write_brat"]
