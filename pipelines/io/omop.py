"""OMOP CDM NOTE table from a database file: DuckDB, or SQLite through Python's sqlite3.

SQLite files are recognised by their header, so the extension (.db, .sqlite, .duckdb) does
not matter. Columns map person_id -> patient_id, note_text -> text, note_type_concept_id
-> note_type; note_date falls back to note_datetime when NULL. The connection is read-only.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_QUERY = "SELECT * FROM note"
OMOP_COLUMNS = {"patient_id": "person_id", "text": "note_text", "note_type": "note_type_concept_id"}


def _is_sqlite(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


def read_omop(path: str, query: str | None = None) -> pd.DataFrame:
    """Raw rows of the OMOP NOTE table, or of `query` (SQL) when given. Map with OMOP_COLUMNS."""
    sql = query or DEFAULT_QUERY
    try:
        if _is_sqlite(path):
            with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as con:
                raw = pd.read_sql_query(sql, con)
        else:
            with duckdb.connect(path, read_only=True) as con:
                raw = con.execute(sql).df()
    except (sqlite3.Error, duckdb.Error, pd.errors.DatabaseError) as err:
        raise ValueError(f"{path}: OMOP query failed: {str(err).splitlines()[0]}") from None
    if "note_datetime" in raw.columns:
        fallback = raw["note_datetime"].astype(object)
        raw["note_date"] = raw["note_date"].astype(object).where(raw["note_date"].notna(), fallback) if "note_date" in raw.columns else fallback
    return raw
