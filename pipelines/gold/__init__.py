"""Gold annotations: inline markup for writing annotated notes, brat standoff export/import."""
from pipelines.gold.markup import MarkupError, parse_markup, to_markup

__all__ = ["MarkupError", "parse_markup", "to_markup"]
