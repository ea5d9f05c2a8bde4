"""OMOP CDM NOTE table from a database file: DuckDB, or SQLite through Python's sqlite3.

SQLite files are recognised by their header, so the extension (.db, .sqlite, .duckdb) does
not matter. Columns map person_id -> patient_id, note_text -> text, note_type_concept_id
-> note_type; note_date falls back to note_datetime when NULL. The connection is read-only.
Rows are fetched in chunks (DuckDB data chunks of 2,048 rows, SQLite cursor batches).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_QUERY = "SELECT * FROM note"
OMOP_COLUMNS = {"patient_id": "person_id", "text": "note_text", "note_type": "note_type_concept_id"}
DUCKDB_VECTOR = 2048  # rows in a DuckDB data chunk (fetch_df_chunk's unit)


def _is_sqlite(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


def _sqlite_frames(path: str, sql: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as con:
        yield from pd.read_sql_query(sql, con, chunksize=chunk_rows)


def _duckdb_frames(path: str, sql: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    with duckdb.connect(path, read_only=True) as con:
        result, first = con.execute(sql), True
        while len(frame := result.fetch_df_chunk(max(1, chunk_rows // DUCKDB_VECTOR))) or first:
            first = False
            for start in range(0, max(len(frame), 1), chunk_rows):
                yield frame.iloc[start:start + chunk_rows].reset_index(drop=True)


def _with_date_fallback(raw: pd.DataFrame) -> pd.DataFrame:
    """note_date, or note_datetime where note_date is NULL."""
    if "note_datetime" in raw.columns:
        fallback = raw["note_datetime"].astype(object)
        raw["note_date"] = raw["note_date"].astype(object).where(raw["note_date"].notna(), fallback) if "note_date" in raw.columns else fallback
    return raw


def iter_omop(path: str, chunk_rows: int, query: str | None = None) -> Iterator[pd.DataFrame]:
    """Raw rows of the OMOP NOTE table, or of `query` (SQL) when given, at most `chunk_rows` a frame. Map with OMOP_COLUMNS."""
    frames = (_sqlite_frames if _is_sqlite(path) else _duckdb_frames)(path, query or DEFAULT_QUERY, chunk_rows)
    try:
        yield from (_with_date_fallback(raw) for raw in frames)
    except (sqlite3.Error, duckdb.Error, pd.errors.DatabaseError) as err:
        raise ValueError(f"{path}: OMOP query failed: {str(err).splitlines()[0]}") from None
