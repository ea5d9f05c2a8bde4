"""FHIR R4 DocumentReference NDJSON (Bulk Data export)."""
from __future__ import annotations

import base64
import json

import pandas as pd

from pipelines.io import detect_format, read_notes
from tests.pipelines.io.notes_data import ROWS, check_good, reasons


def b64(text: str, encoding: str = "utf-8") -> str:
    return base64.b64encode(text.encode(encoding)).decode()


def resource(row, **overrides):
    doc = {
        "resourceType": "DocumentReference",
        "id": row["note_id"],
        "status": "current",
        "subject": {"reference": f"Patient/{row['patient_id']}"},
        "date": row["note_date"] + "T10:00:00Z",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3", "display": row["note_type"]}]},
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "data": b64(row["text"])}}],
    }
    doc.update(overrides)
    return doc


def write_ndjson(path, lines):
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def test_document_references_with_base64_text_and_period_start(tmp_path):
    docs = [resource(r) for r in ROWS]
    del docs[1]["date"]
    docs[1]["context"] = {"period": {"start": "2024-03-15T08:00:00-05:00"}}
    docs[2]["type"] = {"text": "Emergency note", "coding": [{"display": "ignored"}]}
    path = write_ndjson(tmp_path / "DocumentReference.ndjson", docs)
    assert detect_format(path) == "fhir"
    result = read_notes(path)
    check_good(result)
    assert result.notes["note_date"].tolist() == [pd.Timestamp("2024-03-01 10:00"), pd.Timestamp("2024-03-15 08:00"), pd.Timestamp("2024-04-01 10:00")]
    assert list(result.notes["note_type"]) == ["PT", "PCP", "Emergency note"]
    assert result.quarantine.empty


def test_charset_text_plain_preference_and_wrapped_base64(tmp_path):
    text = "Paresthesias, quadriceps faible, r\u00e9flexe absent."
    wrapped = "\n".join(b64(text, "latin-1")[i:i + 20] for i in range(0, len(b64(text, "latin-1")), 20))
    doc = resource(ROWS[0], content=[
        {"attachment": {"contentType": "text/html", "data": b64("<p>html version</p>")}},
        {"attachment": {"contentType": "text/plain; charset=ISO-8859-1", "data": wrapped}},
    ])
    result = read_notes(write_ndjson(tmp_path / "docs.ndjson", [doc]))
    assert result.notes["text"].tolist() == [text]


def test_absolute_subject_url_and_missing_content_type(tmp_path):
    doc = resource(ROWS[0], subject={"reference": "https://ehr.example/fhir/Patient/p1/_history/2"})
    doc["content"] = [{"attachment": {"data": b64(ROWS[0]["text"])}}]
    result = read_notes(write_ndjson(tmp_path / "docs.ndjson", [doc]))
    assert result.notes[["patient_id", "text"]].values.tolist() == [["p1", ROWS[0]["text"]]]


def test_unusable_lines_and_resources_are_quarantined_by_line(tmp_path):
    lines = [
        resource(ROWS[0]),
        resource(ROWS[1], id="url", content=[{"attachment": {"contentType": "text/plain", "url": "Binary/1"}}]),
        resource(ROWS[1], id="pdf", content=[{"attachment": {"contentType": "application/pdf", "data": b64("%PDF")}}]),
        resource(ROWS[1], id="b64", content=[{"attachment": {"contentType": "text/plain", "data": "@@not base64@@"}}]),
        resource(ROWS[1], id="bytes", content=[{"attachment": {"contentType": "text/plain", "data": base64.b64encode(b"\xff\xfe weak").decode()}}]),
        resource(ROWS[1], id="err", status="entered-in-error"),
        resource(ROWS[1], id="grp", subject={"reference": "Group/5"}),
        resource(ROWS[1], id="nodate", date=None),
        {"resourceType": "Patient", "id": "pat"},
        "{truncated",
        resource(ROWS[2]),
    ]
    result = read_notes(write_ndjson(tmp_path / "docs.ndjson", lines))
    assert list(result.notes["note_id"]) == ["n1", "n3"]
    got = reasons(result)
    assert "url-only" in got["url"]
    assert got["pdf"] == "no text attachment (content type application/pdf)"
    assert got["b64"] == "attachment data is not valid base64"
    assert got["bytes"].startswith("undecodable bytes")
    assert got["err"] == "status entered-in-error"
    assert got["grp"] == "subject is not a Patient reference"
    assert got["nodate"] == "missing or unparseable note_date"
    assert got["pat"] == "not a DocumentReference (Patient)"
    assert result.quarantine.set_index("reason").loc["invalid JSON line", "row"] == 9
    assert result.n_read == 11
    assert not result.quarantine["reason"].str.contains("weak|Numb|Denies").any()


def test_fmt_fhir_forces_the_reader_for_any_extension(tmp_path):
    path = write_ndjson(tmp_path / "export.json", ["{bad", resource(ROWS[0])])
    assert detect_format(path) == "fhir"
    assert read_notes(path, fmt="fhir").notes["note_id"].tolist() == ["n1"]
