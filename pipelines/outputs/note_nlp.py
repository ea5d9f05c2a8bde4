"""OMOP CDM v5.4 NOTE_NLP rows for mentions, so research databases can load them.

One row per mention, note_nlp_id 1..n in (note_id, offset) order:

- snippet: the mention's sentence when it fits NOTE_NLP's 250 characters, else the
  mention with up to 60 characters either side; offset: the mention's start character
  in the note (as text, like the CDM's varchar column); lexical_variant: the mention text.
- note_id: integers when every id is an integer (ids read from an OMOP NOTE table),
  else the source's ids as text (map them to NOTE.note_id before loading).
- term_exists: "N" when the mention is negated, uncertain, hypothetical or about family,
  else "Y"; term_temporal: "past" when historical, else "present"; term_modifiers:
  "negated=false,uncertain=false,historical=false,hypothetical=false,family=false,
  grade=4-,side=left,site=quadriceps,section=exam,label=WEAKNESS" (empty ones left out).
- section_concept_id, note_nlp_concept_id, note_nlp_source_concept_id: 0 (unmapped; the
  label is in term_modifiers, so a site can map labels to its own concepts).
- nlp_system: "nerveflag <pipeline version>"; nlp_date / nlp_datetime: when the note was
  processed.
"""
from __future__ import annotations

import pandas as pd

from pipelines.outputs.rows import records
from pipelines.schemas import ATTRIBUTES

NLP_SYSTEM = "nerveflag"
SNIPPET_MAX = 250
WINDOW = 60
COLUMNS = ["note_nlp_id", "note_id", "section_concept_id", "snippet", "offset", "lexical_variant", "note_nlp_concept_id",
           "note_nlp_source_concept_id", "nlp_system", "nlp_date", "nlp_datetime", "term_exists", "term_temporal", "term_modifiers"]
ABSENT = ("negated", "uncertain", "hypothetical", "family")


def _snippet(m) -> str:
    """The stored evidence sentence if short enough, else a ±WINDOW window around the mention inside it."""
    sentence = str(m.snippet) if getattr(m, "snippet", "") else str(m.text)
    if len(sentence) <= SNIPPET_MAX:
        return sentence
    s = max(0, int(m.start) - int(m.snippet_start))
    e = s + int(m.end) - int(m.start)
    return sentence[max(0, s - WINDOW):e + WINDOW].strip()[:SNIPPET_MAX]


def _modifiers(m) -> str:
    flags = [f"{a}={'true' if int(getattr(m, a)) else 'false'}" for a in ATTRIBUTES]
    extra = [f"{k}={_clean(getattr(m, k))}" for k in ("grade", "side", "site", "section") if getattr(m, k)]
    return ",".join(flags + extra + [f"label={m.label}"])


def _clean(value) -> str:
    return str(value).replace(",", " ").replace("=", " ")


def _note_ids(ids: pd.Series) -> pd.Series:
    ids = ids.astype(str)
    return ids.astype("int64") if len(ids) and ids.str.fullmatch(r"\d{1,18}").all() else ids


def note_nlp_rows(mentions: pd.DataFrame, version: str, processed_at: pd.Series) -> pd.DataFrame:
    """NOTE_NLP rows for `mentions` (stored mentions: MENTIONS + snippet, snippet_start).

    `processed_at` maps note_id -> when the note was processed (nlp_date, nlp_datetime).
    """
    m = mentions.sort_values(["note_id", "start", "end", "label"]).reset_index(drop=True)
    rows = records(m)
    when = pd.Series(pd.to_datetime(processed_at.reindex(m["note_id"].astype(str)).to_numpy()), dtype="datetime64[us]")
    return pd.DataFrame({
        "note_nlp_id": pd.Series(range(1, len(m) + 1), dtype="int64"),
        "note_id": _note_ids(m["note_id"]),
        "section_concept_id": 0,
        "snippet": [_snippet(r) for r in rows],
        "offset": m["start"].astype(str),
        "lexical_variant": m["text"].astype(str),
        "note_nlp_concept_id": 0,
        "note_nlp_source_concept_id": 0,
        "nlp_system": f"{NLP_SYSTEM} {version}",
        "nlp_date": when.dt.date,
        "nlp_datetime": when,
        "term_exists": ["N" if any(int(getattr(r, a)) for a in ABSENT) else "Y" for r in rows],
        "term_temporal": ["past" if int(h) else "present" for h in m["historical"]],
        "term_modifiers": [_modifiers(r) for r in rows],
    }, columns=COLUMNS)
