"""Every input format from a real file of that format, and every kind of bad row."""
from __future__ import annotations

import base64
import json
import sqlite3

import duckdb
import pandas as pd
import pytest

from pipelines.io import detect_format, read_notes, write_table

ROWS = [
    {"patient_id": "p1", "note_id": "n1", "note_date": "2024-03-01", "text": "L quad 4-/5.\nNumbness to knee.", "note_type": "PT"},
    {"patient_id": "p1", "note_id": "n2", "note_date": "2024-03-15", "text": "Denies numbness, weakness.", "note_type": "PCP"},
    {"patient_id": "p2", "note_id": "n3", "note_date": "2024-04-01", "text": "Foot drop R, \"new\".", "note_type": "ED"},
]


def check_good(result, n=3):
    assert list(result.notes["note_id"]) == [r["note_id"] for r in ROWS][:n]
    assert result.notes["text"].iloc[0] == ROWS[0]["text"]
    assert str(result.notes["note_date"].dtype) == "datetime64[ns]"
    assert result.notes["note_date"].iloc[1] == pd.Timestamp("2024-03-15")
    assert result.n_read == len(result.notes) + len(result.quarantine) + result.duplicates_collapsed


def test_csv_with_quoted_newlines(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    result = read_notes(path)
    check_good(result)
    assert result.quarantine.empty


def test_parquet_file_and_directory(tmp_path):
    write_table(pd.DataFrame(ROWS), tmp_path / "notes.parquet")
    check_good(read_notes(tmp_path / "notes.parquet"))
    parts = tmp_path / "parts"
    parts.mkdir()
    pd.DataFrame(ROWS[:2]).to_parquet(parts / "part-0.parquet")
    pd.DataFrame(ROWS[2:]).to_parquet(parts / "part-1.parquet")
    result = read_notes(parts)
    assert sorted(result.notes["note_id"]) == ["n1", "n2", "n3"]


def test_jsonl_with_a_broken_line(tmp_path):
    path = tmp_path / "notes.jsonl"
    lines = [json.dumps(r) for r in ROWS] + ["{not json", "[1, 2]"]
    path.write_text("\n".join(lines) + "\n")
    result = read_notes(path)
    check_good(result)
    assert sorted(result.quarantine["reason"]) == ["JSON line is not an object", "invalid JSON line"]


def fhir_resource(row, **overrides):
    resource = {
        "resourceType": "DocumentReference",
        "id": row["note_id"],
        "subject": {"reference": f"Patient/{row['patient_id']}"},
        "date": row["note_date"] + "T10:00:00Z",
        "type": {"coding": [{"display": row["note_type"]}]},
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "data": base64.b64encode(row["text"].encode()).decode()}}],
    }
    resource.update(overrides)
    return resource


def test_fhir_document_reference_ndjson(tmp_path):
    path = tmp_path / "DocumentReference.ndjson"
    resources = [fhir_resource(r) for r in ROWS]
    del resources[1]["date"]
    resources[1]["context"] = {"period": {"start": "2024-03-15T08:00:00-05:00"}}
    url_only = fhir_resource(ROWS[0], id="n9", content=[{"attachment": {"url": "Binary/1"}}])
    patient = {"resourceType": "Patient", "id": "x"}
    path.write_text("\n".join(json.dumps(r) for r in resources + [url_only, patient]) + "\n")
    assert detect_format(str(path)) == "fhir"
    result = read_notes(path)
    assert list(result.notes["note_id"]) == ["n1", "n2", "n3"]
    assert result.notes["text"].iloc[0] == ROWS[0]["text"]
    assert result.notes["note_type"].iloc[2] == "ED"
    assert result.notes["note_date"].iloc[1] == pd.Timestamp("2024-03-15 13:00:00")
    reasons = " | ".join(result.quarantine["reason"])
    assert "url-only" in reasons and "not a DocumentReference" in reasons


def omop_frame():
    return pd.DataFrame({
        "note_id": [1, 2, 3], "person_id": [10, 10, 20],
        "note_date": ["2024-03-01", "2024-03-15", "2024-04-01"],
        "note_datetime": [None, None, None],
        "note_text": [r["text"] for r in ROWS], "note_type_concept_id": [44814645, 44814645, 44814639],
    })


def test_omop_note_in_duckdb_with_query(tmp_path):
    path = tmp_path / "cdm.duckdb"
    with duckdb.connect(str(path)) as con:
        frame = omop_frame()
        con.execute("CREATE TABLE note AS SELECT * FROM frame")
    result = read_notes(path)
    assert list(result.notes["patient_id"]) == ["10", "10", "20"]
    assert result.notes["note_type"].iloc[2] == "44814639"
    only = read_notes(path, query="SELECT * FROM note WHERE person_id = 20")
    assert list(only.notes["note_id"]) == ["3"]
    with pytest.raises(ValueError, match="query failed"):
        read_notes(path, query="SELECT * FROM nope")


def test_omop_note_in_sqlite(tmp_path):
    path = tmp_path / "cdm.sqlite"
    with sqlite3.connect(path) as con:
        omop_frame().to_sql("note", con, index=False)
    assert len(read_notes(path).notes) == 3


def test_column_mapping(tmp_path):
    path = tmp_path / "export.csv"
    pd.DataFrame(ROWS).rename(columns={"text": "body", "patient_id": "mrn"}).to_csv(path, index=False)
    check_good(read_notes(path, columns={"text": "body", "patient_id": "mrn"}))


def test_missing_column_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame(ROWS).drop(columns=["note_date"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match="missing column\\(s\\) note_date"):
        read_notes(path)


def test_unknown_extension_and_missing_file(tmp_path):
    (tmp_path / "notes.xlsx").write_text("x")
    with pytest.raises(ValueError, match="unknown notes format"):
        read_notes(tmp_path / "notes.xlsx")
    with pytest.raises(FileNotFoundError):
        read_notes(tmp_path / "absent.csv")


def test_bad_rows_are_quarantined_with_reasons_never_dropped(tmp_path):
    path = tmp_path / "notes.csv"
    rows = ROWS + [
        {"patient_id": "p3", "note_id": "n4", "note_date": "not a date", "text": "weak", "note_type": ""},
        {"patient_id": "p3", "note_id": "n5", "note_date": "2024-01-01", "text": "   ", "note_type": ""},
        {"patient_id": "", "note_id": "n6", "note_date": "2024-01-01", "text": "numb", "note_type": ""},
        {"patient_id": "p1", "note_id": "n1", "note_date": "2024-03-01", "text": "different text", "note_type": "PT"},
        dict(ROWS[2]),
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    with open(path, "ab") as fh:
        fh.write(b'p4,n7,2024-01-01,"bad \xff\xfe bytes",PT\n')
        fh.write(b"p4,n8,2024-01-01\n")
    result = read_notes(path)
    assert list(result.notes["note_id"]) == ["n1", "n2", "n3"]
    assert result.duplicates_collapsed == 1
    reasons = dict(zip(result.quarantine["note_id"], result.quarantine["reason"]))
    assert reasons["n4"] == "missing or unparseable note_date"
    assert reasons["n5"] == "empty text"
    assert reasons["n6"] == "missing patient_id"
    assert reasons["n1"].startswith("duplicate note_id")
    assert "UTF-8" in reasons["n7"]
    assert reasons["n8"].startswith("malformed CSV row")
    assert result.n_read == 10
    assert not any("weak" in r or "numb" in r for r in result.quarantine["reason"])


def test_header_only_file_gives_no_notes(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("patient_id,note_id,note_date,text\n")
    result = read_notes(path)
    assert result.notes.empty and result.quarantine.empty and result.n_read == 0


def test_one_megabyte_note(tmp_path):
    path = tmp_path / "notes.csv"
    big = ("Quad 4-/5. " * 100_000)[:1_000_000]
    pd.DataFrame([{**ROWS[0], "text": big}]).to_csv(path, index=False)
    assert len(read_notes(path).notes["text"].iloc[0]) == 1_000_000


def test_same_note_in_two_files_is_read_once(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    pd.DataFrame(ROWS).to_csv(a, index=False)
    pd.DataFrame(ROWS[2:] + [{**ROWS[0], "text": "changed"}]).to_csv(b, index=False)
    result = read_notes([a, b])
    assert len(result.notes) == 3
    assert result.duplicates_collapsed == 1
    assert result.quarantine["reason"].str.contains("across input files").all()


def test_write_table_rejects_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match="must end in .csv or .parquet"):
        write_table(pd.DataFrame(ROWS), tmp_path / "out.xlsx")


def test_fixed_date_and_one_column_for_two_fields(tmp_path):
    """MTSamples-style export: no dates, each note its own patient."""
    path = tmp_path / "mt.csv"
    pd.DataFrame({"note_id": ["1", "2", "3"], "transcription": ["Numb foot.", "", "Weak quad."]}).to_csv(path, index=False)
    result = read_notes(path, columns={"text": "transcription", "patient_id": "note_id"}, fixed_date="2024-06-01")
    assert list(result.notes["patient_id"]) == ["1", "3"] == list(result.notes["note_id"])
    assert (result.notes["note_date"] == pd.Timestamp("2024-06-01")).all()
    assert result.quarantine["reason"].tolist() == ["empty text"]
    with pytest.raises(ValueError, match="not a date"):
        read_notes(path, columns={"text": "transcription", "patient_id": "note_id"}, fixed_date="soon")
