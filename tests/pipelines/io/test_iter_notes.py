"""Chunked reading: every reader in chunks, `_row` across chunks, duplicates across chunks and files,
errors at the first chunk, and read_notes == the chunks of iter_notes == validating everything at once."""
from __future__ import annotations

import json
import sqlite3

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.io import iter_notes, read_notes
from pipelines.io.validate import FIELDS, REASON, ROW, SOURCE, parse_dates, standardize
from pipelines.schemas import NOTES, QUARANTINE, conform
from tests.pipelines.io.notes_data import ROWS
from tests.pipelines.io.test_fhir import resource, write_ndjson

CONFLICT = "duplicate note_id with different content (first one kept)"


def row(i: int, **overrides) -> dict:
    return {"patient_id": f"p{i % 3}", "note_id": f"n{i}", "note_date": f"2024-01-{1 + i % 28:02d}",
            "text": f"L quad {i % 5}/5, \"numb\",\nnote {i}.", "note_type": "PT", **overrides}


def messy_rows() -> list[dict]:
    """Good rows with exact repeats, conflicting ids (one repeated exactly), bad rows and a date written two ways."""
    rows = [row(i) for i in range(9)]
    rows += [row(1), row(2, text="changed"), row(2, text="changed"), row(3, note_date="2024-01-04 00:00"),
             row(20, note_date="soon"), row(21, text=" "), row(4, patient_id=""), row(5), row(22)]
    return rows


def reference(paths: list[str]) -> dict:
    """What validating every source together gives (the whole-input rule: pandas duplicated over all rows)."""
    frames = [standardize(raw, p, None) for p, raw in ((p, _raw(p)) for p in paths)]
    rows = pd.concat(frames, ignore_index=True)
    for col in ("patient_id", "note_id", "note_type"):
        rows[col] = rows[col].str.strip()
    dates = parse_dates(rows["note_date"])
    reason = pd.Series(np.select([rows[REASON] != "", rows["note_id"] == "", rows["patient_id"] == "", rows["text"].str.strip() == "", dates.isna()],
                                 [rows[REASON], "missing note_id", "missing patient_id", "empty text", "missing or unparseable note_date"], ""), dtype=object)
    good = rows.assign(note_date=dates)[reason == ""]
    exact = good.duplicated(subset=list(FIELDS))
    good = good[~exact]
    conflict = good.duplicated(subset=["note_id"])
    reason[good.index[conflict.to_numpy()]] = CONFLICT
    bad = rows[reason != ""]
    quarantine = pd.DataFrame({"source": bad[SOURCE], "row": bad[ROW], "note_id": bad["note_id"], "patient_id": bad["patient_id"],
                               "reason": reason[reason != ""]})
    return {"notes": conform(good[~conflict], NOTES), "quarantine": conform(quarantine, QUARANTINE), "duplicates_collapsed": int(exact.sum())}


def _raw(path: str) -> pd.DataFrame:
    if path.endswith(".csv"):
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    lines = [json.loads(line) for line in open(path)]
    return pd.DataFrame([{**obj, ROW: i} for i, obj in enumerate(lines)])


def assert_same(result, expected: dict):
    pd.testing.assert_frame_equal(result.notes, expected["notes"])
    pd.testing.assert_frame_equal(result.quarantine, expected["quarantine"])
    assert result.duplicates_collapsed == expected["duplicates_collapsed"]


@pytest.fixture
def two_files(tmp_path):
    """A CSV of messy rows and a JSONL whose rows repeat (exactly or not) the CSV's ids."""
    a, b = tmp_path / "a.csv", tmp_path / "b.jsonl"
    pd.DataFrame(messy_rows()).to_csv(a, index=False)
    b.write_text("".join(json.dumps(r) + "\n" for r in [row(0), row(6, text="other"), row(30), row(6, text="other"), row(31)]))
    return [str(a), str(b)]


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 7, 10_000])
def test_chunked_read_equals_validating_all_sources_together(two_files, chunk_rows):
    result = read_notes(two_files, chunk_rows=chunk_rows)
    assert_same(result, reference(two_files))
    assert result.sources == two_files
    assert result.quarantine["reason"].value_counts()[CONFLICT] == 2  # n2 in the CSV, n6 across files
    assert result.duplicates_collapsed == 6  # n1, n2's exact repeat of its conflict, n3 (same date), n5, n0 and n6 in the JSONL


def test_chunks_are_bounded_and_rows_numbered_across_them(two_files):
    chunks = list(iter_notes(two_files, chunk_rows=4))
    assert [c.n_read for c in chunks] == [4, 4, 4, 4, 2, 4, 1]
    assert [c.sources for c in chunks] == [[two_files[0]]] * 5 + [[two_files[1]]] * 2
    quarantine = pd.concat([c.quarantine for c in chunks])
    assert quarantine[["row", "note_id"]].values.tolist() == [[10, "n2"], [13, "n20"], [14, "n21"], [15, "n4"], [1, "n6"]]


def test_malformed_and_undecodable_rows_in_a_later_chunk(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame([row(i) for i in range(5)]).to_csv(path, index=False)
    with open(path, "ab") as fh:
        fh.write(b"p1,n7,2024-01-01\n\np1,n8,2024-01-01,\"bad \xff\",PT\np1,n9,2024-01-02,ok,PT\n")
    result = read_notes(path, chunk_rows=2)
    assert result.quarantine[["row", "note_id"]].values.tolist() == [[5, "n7"], [6, "n8"]]
    assert result.quarantine["reason"].str[:13].tolist() == ["malformed CSV", "undecodable b"]
    assert result.notes["note_id"].tolist()[-1] == "n9"
    pd.testing.assert_frame_equal(result.quarantine, read_notes(path).quarantine)


def test_missing_column_is_an_error_at_the_first_chunk_and_options_at_the_call(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame([row(i) for i in range(10)]).drop(columns="note_date").to_csv(path, index=False)
    chunks = iter_notes(path, chunk_rows=2)
    with pytest.raises(ValueError, match=r"notes.csv: missing column\(s\) note_date$"):
        next(chunks)
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        iter_notes([path, tmp_path / "absent.csv"])
    with pytest.raises(ValueError, match="chunk rows must be at least 1"):
        iter_notes(path, chunk_rows=0)


def test_json_lines_key_checked_at_the_first_chunk_only(tmp_path):
    path = tmp_path / "notes.jsonl"
    no_text = {k: v for k, v in row(9).items() if k != "text"}
    path.write_text("".join(json.dumps(r) + "\n" for r in [row(0), row(1), no_text, no_text]))
    result = read_notes(path, chunk_rows=2)
    assert result.notes["note_id"].tolist() == ["n0", "n1"]
    assert result.quarantine[["row", "reason"]].values.tolist() == [[2, "empty text"], [3, "empty text"]]
    first_lacks = tmp_path / "first.jsonl"
    first_lacks.write_text("".join(json.dumps(r) + "\n" for r in [no_text, row(0)]))
    with pytest.raises(ValueError, match=r"missing column\(s\) text"):
        read_notes(first_lacks, chunk_rows=1)


def _fhir(tmp_path):
    return write_ndjson(tmp_path / "docs.ndjson", [resource(r) for r in ROWS] + ["{broken", resource(ROWS[0])])


def _parquet_parts(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    pd.DataFrame(ROWS[:2]).to_parquet(parts / "part-0.parquet", row_group_size=1)
    pd.DataFrame(ROWS[2:] + [ROWS[0]]).to_parquet(parts / "part-1.parquet")
    return parts


def _duckdb(tmp_path, n=12):
    path = tmp_path / "cdm.duckdb"
    frame = pd.DataFrame({"note_id": range(n), "person_id": [i % 7 if i % 10 else None for i in range(n)],
                          "note_date": pd.Timestamp("2024-01-01"), "note_text": [f"note {i % (n - 2)}" for i in range(n)]})
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE note AS SELECT * FROM frame")
    return path


def _sqlite(tmp_path):
    path = tmp_path / "cdm.sqlite"
    with sqlite3.connect(path) as con:
        pd.DataFrame({"note_id": [1, 2, 3, 4, 5], "person_id": [1, None, 2, 2, 3], "note_date": ["2024-01-01"] * 5,
                      "note_text": ["a", "b", "", "d", "e"]}).to_sql("note", con, index=False)
    return path


@pytest.mark.parametrize("make", [_fhir, _parquet_parts, _duckdb, _sqlite], ids=["fhir", "parquet", "duckdb", "sqlite"])
@pytest.mark.parametrize("chunk_rows", [1, 3, 100])
def test_every_reader_gives_the_same_in_chunks(tmp_path, make, chunk_rows):
    assert_chunked_equals_whole(make(tmp_path), chunk_rows)


@pytest.mark.parametrize("chunk_rows", [1000, 2048, 3000, 5000])
def test_duckdb_chunks_smaller_and_larger_than_its_vectors(tmp_path, chunk_rows):
    assert_chunked_equals_whole(_duckdb(tmp_path, 4500), chunk_rows)


def assert_chunked_equals_whole(path, chunk_rows: int):
    whole = read_notes(path, chunk_rows=10**7)
    chunks = list(iter_notes(path, chunk_rows=chunk_rows))
    assert all(c.n_read <= chunk_rows for c in chunks)
    chunked = read_notes(path, chunk_rows=chunk_rows)
    pd.testing.assert_frame_equal(chunked.notes, whole.notes)
    pd.testing.assert_frame_equal(chunked.quarantine, whole.quarantine)
    assert chunked.duplicates_collapsed == whole.duplicates_collapsed and chunked.n_read == whole.n_read > 0
    assert whole.quarantine["row"].is_unique


def test_empty_sources_give_one_empty_chunk_each(tmp_path):
    csv_, jsonl = tmp_path / "h.csv", tmp_path / "e.jsonl"
    csv_.write_text("patient_id,note_id,note_date,text\n")
    jsonl.write_text("")
    parquet = tmp_path / "e.parquet"
    pd.DataFrame(columns=list(ROWS[0])).astype(str).to_parquet(parquet)
    chunks = list(iter_notes([csv_, jsonl, parquet], chunk_rows=2))
    assert [c.n_read for c in chunks] == [0, 0, 0]
    assert all(list(c.notes.columns) == list(NOTES) for c in chunks)
