"""OMOP CDM v5.4 NOTE_NLP rows for mentions, so research databases can load them.

term_exists is "N" when the mention is negated, uncertain, hypothetical or about family;
term_temporal is "past" for historical mentions, else "present"; term_modifiers lists
every attribute plus label, grade, side, site. Concept ids are 0 (unmapped): sites map
labels to their own vocabulary (lexical_variant and term_modifiers carry the label).
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines.schemas import ATTRIBUTES

NLP_SYSTEM = "nerveflag"
COLUMNS = ["note_nlp_id", "note_id", "section_concept_id", "snippet", "offset", "lexical_variant", "note_nlp_concept_id",
           "note_nlp_source_concept_id", "nlp_system", "nlp_date", "nlp_datetime", "term_exists", "term_temporal", "term_modifiers"]


def note_nlp_rows(mentions: pd.DataFrame, version: str, run_date: date) -> pd.DataFrame:
    """NOTE_NLP rows, one per mention, ids 1..n in (note_id, offset) order."""
    m = mentions.sort_values(["note_id", "start", "end", "label"]).reset_index(drop=True)
    absent = m[["negated", "uncertain", "hypothetical", "family"]].astype(int).sum(axis=1) > 0
    modifiers = [
        ",".join([f"{a}={'true' if int(getattr(r, a)) else 'false'}" for a in ATTRIBUTES]
                 + [f"label={r.label}"] + [f"{k}={getattr(r, k)}" for k in ("grade", "side", "site", "section") if getattr(r, k)])
        for r in m.itertuples()
    ]
    return pd.DataFrame({
        "note_nlp_id": range(1, len(m) + 1),
        "note_id": m["note_id"].astype(str),
        "section_concept_id": 0,
        "snippet": m["snippet"] if "snippet" in m else m["text"],
        "offset": m["start"].astype(str),
        "lexical_variant": m["text"],
        "note_nlp_concept_id": 0,
        "note_nlp_source_concept_id": 0,
        "nlp_system": f"{NLP_SYSTEM} {version}",
        "nlp_date": pd.Timestamp(run_date),
        "nlp_datetime": pd.Timestamp(run_date),
        "term_exists": ["N" if a else "Y" for a in absent],
        "term_temporal": ["past" if int(h) else "present" for h in m["historical"]],
        "term_modifiers": modifiers,
    }, columns=COLUMNS)
