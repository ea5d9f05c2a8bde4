"""nerveflag NLP: find nerve-injury red flags in clinical notes.

- `build_pipeline()` -> spaCy Language whose `doc.ents` are mentions with ConText
  attributes (`is_negated` ...) and `grade`, `side`, `site`, `cues`; section via
  medspaCy's `span._.section` / `nlp.sections.span_section`.
- `extract_mentions(notes)` -> the MENTIONS table for a NOTES table.
- `assert_spans(text, spans)` -> the five attributes for spans found by another tool.
"""
from nlp.assertion import assert_spans
from nlp.extract import extract_mentions
from nlp.pipeline import build_pipeline

__all__ = ["assert_spans", "build_pipeline", "extract_mentions"]
