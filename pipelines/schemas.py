"""Table schemas at every stage boundary: column names and pandas dtypes.

Data flows one way: NOTES -> MENTIONS -> TIMELINE -> PATIENTS -> worklist / report / store.
Each stage is a plain function over DataFrames with these columns; `conform` checks a
frame against a schema and casts it, so a stage fails loudly on a missing column.
"""
from __future__ import annotations

import pandas as pd

#: Notes as read from any export (one row per note/visit).
NOTES = {
    "patient_id": "string",
    "note_id": "string",
    "note_date": "datetime64[ns]",
    "text": "string",
    "note_type": "string",  # optional in input; empty string when absent
}

#: One row per extracted (or gold) mention. Booleans are 0/1; `text == note_text[start:end]`.
MENTIONS = {
    "note_id": "string",
    "patient_id": "string",
    "note_date": "datetime64[ns]",
    "label": "string",  # ATROPHY WEAKNESS NUMBNESS PROGRESSION FUNCTIONAL_DECLINE REFERRAL
    "start": "int64",  # character offset in the note text
    "end": "int64",
    "text": "string",
    "section": "string",  # normalised section title, "" when none
    "negated": "int8",
    "uncertain": "int8",
    "historical": "int8",
    "hypothetical": "int8",
    "family": "int8",
    "grade": "string",  # MRC grade below 5 ("4-", "2") for WEAKNESS, else ""
    "side": "string",  # left / right / bilateral / ""
    "site": "string",  # normalised body site ("quadriceps"), else ""
    "cues": "string",  # "negated: 'denies' (ros); section: ros" -- why each attribute is set
}

LABELS = ("ATROPHY", "WEAKNESS", "NUMBNESS", "PROGRESSION", "FUNCTIONAL_DECLINE", "REFERRAL")
ATTRIBUTES = ("negated", "uncertain", "historical", "hypothetical", "family")

#: One row per patient: the answer users want.
PATIENTS = {
    "patient_id": "string",
    "needs_referral": "int8",
    "rule_flag": "int8",
    "risk": "float64",
    "reasons": "string",
    "first_red_flag_date": "datetime64[ns]",
    "first_referral_date": "datetime64[ns]",
    "delay_days": "float64",  # NaN when no red flag
    "delay_censored": "int8",
    "n_notes": "int64",
    "first_note_date": "datetime64[ns]",
    "last_note_date": "datetime64[ns]",
}

#: Rows that could not be processed, with the reason; never silently dropped.
QUARANTINE = {
    "source": "string",  # file name
    "row": "int64",  # 0-based row (or line) number in the source
    "note_id": "string",
    "patient_id": "string",
    "reason": "string",
}


def empty(schema: dict) -> pd.DataFrame:
    """An empty frame with the schema's columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in schema.items()})


def conform(df: pd.DataFrame, schema: dict, name: str = "table") -> pd.DataFrame:
    """Return `df` with exactly the schema's columns, cast to its dtypes.

    Raises ValueError naming the missing columns.
    """
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
    out = df.loc[:, list(schema)].copy()
    for col, dtype in schema.items():
        if dtype.startswith("datetime"):
            out[col] = pd.to_datetime(out[col], errors="coerce").astype(dtype)
        elif dtype == "string":
            out[col] = out[col].astype("string").fillna("")
        else:
            out[col] = out[col].astype(dtype)
    return out.reset_index(drop=True)
