"""OMOP CDM NOTE table from a database file (DuckDB, or SQLite via Python's sqlite3).

Columns map note_id -> note_id, person_id -> patient_id, note_date (or note_datetime)
-> note_date, note_text -> text, note_type_concept_id -> note_type.
"""
from __future__ import annotations

import sqlite3

import duckdb
import pandas as pd


DEFAULT_QUERY = "SELECT * FROM note"
OMOP_COLUMNS = {"patient_id": "person_id", "text": "note_text", "note_type": "note_type_concept_id"}


def _is_sqlite(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


def read_omop(path: str, query: str | None = None) -> pd.DataFrame:
    """Raw rows of an OMOP NOTE table; `query` (SQL) may select and filter them. Map with OMOP_COLUMNS."""
    sql = query or DEFAULT_QUERY
    try:
        if _is_sqlite(path):
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
                raw = pd.read_sql_query(sql, con)
        else:
            with duckdb.connect(path, read_only=True) as con:
                raw = con.execute(sql).df()
    except (sqlite3.Error, duckdb.Error) as err:
        raise ValueError(f"{path}: query failed: {str(err).splitlines()[0]}") from None
    if "note_date" not in raw.columns and "note_datetime" in raw.columns:
        raw["note_date"] = raw["note_datetime"]
    elif "note_datetime" in raw.columns:
        raw["note_date"] = raw["note_date"].where(raw["note_date"].notna(), raw["note_datetime"])
    for col in raw.columns:
        if col != "note_date":
            raw[col] = raw[col].astype("string")
    raw["note_date"] = raw["note_date"].astype("string")
    return raw
