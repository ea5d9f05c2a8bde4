"""The extraction stage: NOTES table -> MENTIONS table (schema in pipelines.schemas).

`doc_mentions` turns a processed Doc into mention rows; `extract_mentions` runs a
pipeline over a notes table, on the fast path by default (see nlp.fastpath), with
`processes` worker processes.
"""
from __future__ import annotations

import pandas as pd
from spacy.tokens import Doc

from nlp.sections import span_section
from nlp.targets import span_labels

MENTION_COLUMNS = [
    "note_id", "patient_id", "note_date", "label", "start", "end", "text", "section",
    "negated", "uncertain", "historical", "hypothetical", "family", "grade", "side", "site", "cues",
]
ASSERTIONS = (
    ("negated", "is_negated"),
    ("uncertain", "is_uncertain"),
    ("historical", "is_historical"),
    ("hypothetical", "is_hypothetical"),
    ("family", "is_family"),
)


def doc_mentions(doc: Doc, offset: int = 0) -> list[dict]:
    """Mention rows (without note columns) for the entities of `doc`; offsets shifted by `offset`.

    A span whose rule has `also_labels` gives one row per label, same offsets and attributes.
    """
    rows = []
    for span in doc.ents:
        row = {
            "label": span.label_,
            "start": span.start_char + offset,
            "end": span.end_char + offset,
            "text": span.text,
            "section": span_section(span),
        }
        for column, ext in ASSERTIONS:
            row[column] = int(bool(getattr(span._, ext)))
        row.update(grade=span._.grade, side=span._.side, site=span._.site, cues=span._.cues)
        rows.extend({**row, "label": label} for label in span_labels(span))
    return rows
