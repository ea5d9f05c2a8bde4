"""CSV: quoting, encodings, malformed records, empty and huge files, column mapping."""
from __future__ import annotations

import pandas as pd
import pytest

from pipelines.io import read_notes
from tests.pipelines.io.notes_data import ROWS, check_good, reasons


def test_quoted_newlines_commas_and_quotes_survive(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    result = read_notes(path)
    check_good(result)
    assert result.quarantine.empty
    assert list(result.notes["note_type"]) == ["PT", "PCP", "ED"]


def test_utf8_bom_and_missing_note_type_column(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame(ROWS).drop(columns="note_type").to_csv(path, index=False, encoding="utf-8-sig")
    result = read_notes(path)
    check_good(result)
    assert (result.notes["note_type"] == "").all()


def test_invalid_utf8_row_is_quarantined_and_the_rest_kept(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    with open(path, "ab") as fh:
        fh.write(b'p4,n7,2024-01-01,"bad \xff\xfe bytes",PT\n')
        fh.write(b'p\xe94,n8,2024-01-01,fine text,PT\n')
    result = read_notes(path)
    check_good(result)
    got = reasons(result)
    assert got["n7"] == got["n8"] == "undecodable bytes (not valid UTF-8)"
    assert result.quarantine.set_index("note_id").loc["n8", "patient_id"] == "p\ufffd4"
    assert list(result.quarantine["row"]) == [3, 4]


def test_malformed_records_are_quarantined_with_their_row_despite_blank_lines(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("patient_id,note_id,note_date,text\np1,n1,2024-01-01,ok\n\np1,n2,2024-01-01\np1,n3,2024-01-01,a,b\np1,n4,2024-01-02,ok\n")
    result = read_notes(path)
    assert list(result.notes["note_id"]) == ["n1", "n4"]
    assert result.quarantine[["row", "note_id"]].values.tolist() == [[1, "n2"], [2, "n3"]]
    assert result.quarantine["reason"].str.startswith("malformed CSV row").all()
    assert result.n_read == 4


def test_header_only_and_zero_byte_files_give_no_notes(tmp_path):
    header_only, zero = tmp_path / "h.csv", tmp_path / "z.csv"
    header_only.write_text("patient_id,note_id,note_date,text\n")
    zero.write_bytes(b"")
    for path in (header_only, zero):
        result = read_notes(path)
        assert result.notes.empty and result.quarantine.empty and result.n_read == 0
        assert list(result.notes.columns) == ["patient_id", "note_id", "note_date", "text", "note_type"]


def test_header_with_wrong_columns_is_one_clear_error_even_when_empty(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("patient_id,note_id,text\n")
    with pytest.raises(ValueError, match=r"missing column\(s\) note_date$"):
        read_notes(path)


def test_one_megabyte_note(tmp_path):
    path = tmp_path / "notes.csv"
    big = ("Quad 4-/5,\n \"weak\". " * 60_000)[:1_000_000]
    pd.DataFrame([{**ROWS[0], "text": big}]).to_csv(path, index=False)
    assert read_notes(path).notes["text"].iloc[0] == big


def test_column_mapping_and_missing_mapped_column(tmp_path):
    path = tmp_path / "export.csv"
    pd.DataFrame(ROWS).rename(columns={"text": "note_text", "patient_id": "person_id"}).to_csv(path, index=False)
    check_good(read_notes(path, columns={"text": "note_text", "patient_id": "person_id"}))
    with pytest.raises(ValueError, match="text \\(mapped to 'body'\\)"):
        read_notes(path, columns={"text": "body", "patient_id": "person_id"})
    with pytest.raises(ValueError, match="missing column\\(s\\) patient_id, text"):
        read_notes(path)
