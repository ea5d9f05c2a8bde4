"""JSON Lines: plain rows, broken lines with their line numbers, empty files."""
from __future__ import annotations

import json

import pytest

from pipelines.io import detect_format, read_notes
from tests.pipelines.io.notes_data import ROWS, check_good


def test_rows_and_broken_lines_are_quarantined_by_line_number(tmp_path):
    path = tmp_path / "notes.jsonl"
    lines = [json.dumps(ROWS[0]), "", json.dumps(ROWS[1]), "{not json", "[1, 2]", json.dumps(ROWS[2])]
    path.write_text("\n".join(lines) + "\n")
    assert detect_format(path) == "jsonl"
    result = read_notes(path)
    check_good(result)
    assert result.quarantine[["row", "reason"]].values.tolist() == [[3, "invalid JSON line"], [4, "JSON line is not an object"]]
    assert result.n_read == 5


def test_numbers_missing_keys_and_invalid_utf8(tmp_path):
    path = tmp_path / "notes.ndjson"
    rows = [
        {"patient_id": 7, "note_id": 1, "note_date": "2024-01-01", "text": "Weak."},
        {"patient_id": 7, "note_id": 2, "note_date": "2024-01-02"},
    ]
    with open(path, "wb") as fh:
        fh.write(b"".join(json.dumps(r).encode() + b"\n" for r in rows))
        fh.write(b'{"patient_id": "7", "note_id": "3", "note_date": "2024-01-03", "text": "bad \xff"}\n')
    result = read_notes(path)
    assert result.notes[["patient_id", "note_id"]].values.tolist() == [["7", "1"]]
    assert result.quarantine["reason"].tolist() == ["empty text", "undecodable bytes (not valid UTF-8)"]


def test_empty_file_and_file_of_only_broken_lines(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert read_notes(empty).n_read == 0
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{oops\n\"text\"\n")
    result = read_notes(broken)
    assert result.notes.empty and result.quarantine["row"].tolist() == [0, 1]


def test_rows_without_a_required_key_anywhere_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text(json.dumps({k: v for k, v in ROWS[0].items() if k != "note_date"}) + "\n")
    with pytest.raises(ValueError, match=r"missing column\(s\) note_date"):
        read_notes(path)
