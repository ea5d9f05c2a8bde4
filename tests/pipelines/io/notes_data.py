"""Shared rows and checks for the reader tests."""
from __future__ import annotations

import pandas as pd

ROWS = [
    {"patient_id": "p1", "note_id": "n1", "note_date": "2024-03-01", "text": "L quad 4-/5.\nNumbness to knee, \"new\".", "note_type": "PT"},
    {"patient_id": "p1", "note_id": "n2", "note_date": "2024-03-15", "text": "Denies numbness, weakness.", "note_type": "PCP"},
    {"patient_id": "p2", "note_id": "n3", "note_date": "2024-04-01", "text": "Foot drop R.\r\nWorse.", "note_type": "ED"},
]


def check_good(result, ids=("n1", "n2", "n3")):
    """The ROWS came through intact, typed, and the counts tie."""
    notes = result.notes
    assert list(notes["note_id"]) == list(ids)
    by_id = notes.set_index("note_id")
    for row in ROWS:
        if row["note_id"] in by_id.index:
            assert by_id.loc[row["note_id"], "text"] == row["text"]
            assert by_id.loc[row["note_id"], "patient_id"] == row["patient_id"]
    assert str(notes["note_date"].dtype) == "datetime64[ns]"
    assert notes["note_date"].iloc[1].normalize() == pd.Timestamp("2024-03-15")
    assert result.n_read == len(notes) + len(result.quarantine) + result.duplicates_collapsed


def reasons(result) -> dict:
    """{note_id: reason} of the quarantine."""
    return dict(zip(result.quarantine["note_id"], result.quarantine["reason"]))
