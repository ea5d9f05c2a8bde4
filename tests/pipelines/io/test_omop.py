"""OMOP CDM NOTE table in DuckDB and SQLite files."""
from __future__ import annotations

import sqlite3

import duckdb
import pandas as pd
import pytest

from pipelines.io import read_notes
from tests.pipelines.io.notes_data import ROWS, check_good, reasons


def note_table():
    return pd.DataFrame({
        "note_id": [1, 2, 3, 4],
        "person_id": [10, 10, 20, None],
        "note_date": ["2024-03-01", None, "2024-04-01", "2024-04-02"],
        "note_datetime": [None, "2024-03-15 00:00:00", None, None],
        "note_title": ["PT", "PCP", "ED", "ED"],
        "note_text": [r["text"] for r in ROWS] + ["Orphan note."],
        "note_type_concept_id": [44814645, 44814645, 44814639, 44814639],
    })


def test_note_table_in_duckdb_with_query(tmp_path):
    path = tmp_path / "cdm.duckdb"
    with duckdb.connect(str(path)) as con:
        frame = note_table()
        con.execute("CREATE TABLE note AS SELECT * REPLACE (CAST(note_date AS DATE) AS note_date, CAST(note_datetime AS TIMESTAMP) AS note_datetime) FROM frame")
    result = read_notes(path)
    assert result.notes[["note_id", "patient_id", "note_type"]].values.tolist() == [
        ["1", "10", "44814645"], ["2", "10", "44814645"], ["3", "20", "44814639"]]
    assert result.notes["note_date"].iloc[1] == pd.Timestamp("2024-03-15")
    assert reasons(result) == {"4": "missing patient_id"}
    only = read_notes(path, query="SELECT * FROM note WHERE person_id = 20")
    assert only.notes["note_id"].tolist() == ["3"] and only.n_read == 1
    titled = read_notes(path, columns={"note_type": "note_title"}, query="SELECT * FROM note WHERE person_id IS NOT NULL")
    assert titled.notes["note_type"].tolist() == ["PT", "PCP", "ED"]


def test_note_table_in_sqlite_whatever_the_extension(tmp_path):
    for name in ("cdm.sqlite", "cdm.db"):
        path = tmp_path / name
        with sqlite3.connect(path) as con:
            note_table().to_sql("note", con, index=False)
        result = read_notes(path)
        check_good(result, ids=("1", "2", "3"))
        assert result.notes["patient_id"].tolist() == ["10", "10", "20"]


def test_bad_query_or_missing_table_is_one_line_value_error(tmp_path):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    for query in (None, "SELECT * FROM nope"):
        with pytest.raises(ValueError, match="OMOP query failed") as err:
            read_notes(path, query=query)
        assert "\n" not in str(err.value)
    lite = tmp_path / "cdm.sqlite"
    with sqlite3.connect(lite) as con:
        note_table().to_sql("note", con, index=False)
    with pytest.raises(ValueError, match="OMOP query failed"):
        read_notes(lite, query="SELEC nonsense")


def test_empty_note_table(tmp_path):
    path = tmp_path / "cdm.duckdb"
    with duckdb.connect(str(path)) as con:
        frame = note_table().head(0)
        con.execute("CREATE TABLE note AS SELECT * FROM frame")
    result = read_notes(path)
    assert result.n_read == 0 and result.notes.empty
