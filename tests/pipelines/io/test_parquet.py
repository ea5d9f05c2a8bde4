"""Parquet: one file, a directory of part files, typed and binary columns, unreadable files."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.io import read_notes, write_table
from tests.pipelines.io.notes_data import ROWS, check_good, reasons


def test_parquet_file_and_directory_of_parts(tmp_path):
    write_table(pd.DataFrame(ROWS), tmp_path / "notes.parquet")
    check_good(read_notes(tmp_path / "notes.parquet"))
    parts = tmp_path / "parts"
    parts.mkdir()
    pd.DataFrame(ROWS[:2]).to_parquet(parts / "part-0.parquet")
    pd.DataFrame(ROWS[2:]).to_parquet(parts / "part-1.parquet")
    (parts / "_SUCCESS").write_text("")
    check_good(read_notes(parts))


def test_typed_columns_timestamps_and_nullable_integer_ids(tmp_path):
    path = tmp_path / "typed.parquet"
    frame = pd.DataFrame({
        "person_id": [10.0, float("nan"), 30.0],
        "note_id": [1, 2, 3],
        "note_date": [pd.Timestamp("2024-03-01 09:30"), pd.Timestamp("2024-03-02"), pd.NaT],
        "text": ["Weak quad.", "Numb foot.", "Falls."],
    })
    frame.to_parquet(path)
    result = read_notes(path, columns={"patient_id": "person_id"})
    assert result.notes[["patient_id", "note_id"]].values.tolist() == [["10", "1"]]
    assert result.notes["note_date"].iloc[0] == pd.Timestamp("2024-03-01 09:30")
    assert reasons(result) == {"2": "missing patient_id", "3": "missing or unparseable note_date"}


def test_binary_text_column_with_invalid_utf8_is_quarantined_per_row(tmp_path):
    path = tmp_path / "bytes.parquet"
    table = pa.table({
        "patient_id": ["p1", "p2"], "note_id": ["n1", "n2"], "note_date": ["2024-01-01", "2024-01-02"],
        "text": pa.array([b"Weak quad.", b"bad \xff bytes"], type=pa.binary()),
    })
    pq.write_table(table, path)
    result = read_notes(path)
    assert list(result.notes["text"]) == ["Weak quad."]
    assert reasons(result) == {"n2": "undecodable bytes (not valid UTF-8)"}


def test_unreadable_parquet_is_one_line_value_error(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(ValueError, match="not a readable Parquet file") as err:
        read_notes(path)
    assert "\n" not in str(err.value)
