"""Validation shared by every reader: reasons, duplicates, dates, the counting invariant."""
from __future__ import annotations

import pandas as pd
import pytest

from pipelines.io.validate import cell_text, parse_dates, validate_rows
from pipelines.schemas import NOTES, QUARANTINE, conform
from tests.pipelines.io.notes_data import ROWS, reasons


def test_each_row_problem_gets_its_reason_and_no_note_text():
    rows = ROWS + [
        {"patient_id": "p3", "note_id": "n4", "note_date": "not a date", "text": "weak leg", "note_type": ""},
        {"patient_id": "p3", "note_id": "n5", "note_date": "2024-01-01", "text": " \n\t ", "note_type": ""},
        {"patient_id": " ", "note_id": "n6", "note_date": "2024-01-01", "text": "numb toes", "note_type": ""},
        {"patient_id": "p3", "note_id": "", "note_date": "2024-01-01", "text": "numb toes", "note_type": ""},
        {"patient_id": "p3", "note_id": "n7", "note_date": None, "text": "falls", "note_type": ""},
        {"patient_id": "p3", "note_id": "n8", "note_date": "3000-01-01", "text": "falls", "note_type": ""},
    ]
    result = validate_rows(pd.DataFrame(rows), "x.csv")
    assert list(result.notes["note_id"]) == ["n1", "n2", "n3"]
    assert result.quarantine["reason"].tolist() == [
        "missing or unparseable note_date", "empty text", "missing patient_id", "missing note_id",
        "missing or unparseable note_date", "missing or unparseable note_date"]
    assert result.quarantine["row"].tolist() == [3, 4, 5, 6, 7, 8]
    assert (result.quarantine["source"] == "x.csv").all()
    assert not result.quarantine["reason"].str.contains("weak|numb|falls").any()
    pd.testing.assert_frame_equal(result.notes, conform(result.notes, NOTES))
    pd.testing.assert_frame_equal(result.quarantine, conform(result.quarantine, QUARANTINE))


def test_exact_duplicates_collapse_and_conflicting_ids_quarantine_the_later():
    rows = ROWS + [dict(ROWS[0]), {**ROWS[1], "text": "different"}, dict(ROWS[0])]
    result = validate_rows(pd.DataFrame(rows), "x.csv")
    assert list(result.notes["note_id"]) == ["n1", "n2", "n3"]
    assert result.notes["text"].iloc[1] == ROWS[1]["text"]
    assert result.duplicates_collapsed == 2
    assert reasons(result) == {"n2": "duplicate note_id with different content (first one kept)"}
    assert result.quarantine["row"].tolist() == [4]
    assert result.n_read == 6 == len(result.notes) + len(result.quarantine) + result.duplicates_collapsed


def test_ids_are_trimmed_and_text_kept_verbatim():
    row = {"patient_id": " p1 ", "note_id": "n1\t", "note_date": " 2024-01-01 ", "text": "  Weak.\n", "note_type": " PT "}
    notes = validate_rows(pd.DataFrame([row]), "x").notes
    assert notes.iloc[0][["patient_id", "note_id", "text", "note_type"]].tolist() == ["p1", "n1", "  Weak.\n", "PT"]


def test_dates_keep_wall_clock_time_and_drop_offsets():
    got = parse_dates(pd.Series(["2024-03-15T20:30:00-05:00", "2024-03-15T20:30:00.250Z", "2024-03-15", "03/16/2024",
                                 "03-15-2024", "1500-01-01", "", "soon"]))
    assert str(got.dtype) == "datetime64[ns]"
    assert got.tolist()[:5] == [pd.Timestamp("2024-03-15 20:30"), pd.Timestamp("2024-03-15 20:30:00.250"),
                                pd.Timestamp("2024-03-15"), pd.Timestamp("2024-03-16"), pd.Timestamp("2024-03-15")]
    assert got.iloc[5:].isna().all()


def test_cell_text_normalises_raw_values():
    assert [cell_text(v) for v in (None, float("nan"), pd.NA, pd.NaT, 12.0, 12.5, 7, b"a\xffb", "x")] == [
        "", "", "", "", "12", "12.5", "7", "a\udcffb", "x"]


def test_missing_required_column_names_it():
    with pytest.raises(ValueError, match=r"^x.csv: missing column\(s\) text$"):
        validate_rows(pd.DataFrame(ROWS).drop(columns="text"), "x.csv")
    with pytest.raises(ValueError, match=r"note_id \(mapped to 'id'\)"):
        validate_rows(pd.DataFrame(ROWS), "x.csv", {"note_id": "id"})
