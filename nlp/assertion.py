"""Assertion only: our ConText on spans that another tool found."""
from __future__ import annotations

from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Span

from nlp.mentions import ASSERTIONS
from nlp.pipeline import build_pipeline


@lru_cache(maxsize=1)
def _pipeline() -> Language:
    return build_pipeline()


def assert_spans(text: str, spans: list[tuple[int, int, str]], nlp: Language | None = None) -> list[dict]:
    """The five attributes (and cues) for each (start, end, label) span of `text`.

    Spans are aligned outward to token boundaries; overlapping spans are assessed one by
    one. Returns one dict per input span, in input order:
    {"start", "end", "label", "negated", "uncertain", "historical", "hypothetical", "family", "cues"}.
    """
    nlp = nlp or _pipeline()
    doc = nlp.make_doc(text)
    for name in ("nerveflag_sections", "nerveflag_sentences"):
        doc = nlp.get_pipe(name)(doc)
    context = nlp.get_pipe("nerveflag_context")
    out = []
    for start, end, label in spans:
        if not 0 <= start < end <= len(text):
            raise ValueError(f"span ({start}, {end}) outside the text (length {len(text)})")
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        doc.ents = [span]
        doc = context(doc)
        result = {"start": start, "end": end, "label": label}
        kept = doc.ents[0] if doc.ents else span
        for column, ext in ASSERTIONS:
            result[column] = int(bool(getattr(kept._, ext)))
        result["cues"] = kept._.cues
        out.append(result)
    return out
