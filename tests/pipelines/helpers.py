"""Small hand-made tables for patient-stage tests."""
from __future__ import annotations

import pandas as pd

from pipelines.schemas import MENTIONS, NOTES, conform, empty


def notes(*rows) -> pd.DataFrame:
    """rows: (patient_id, note_id, date[, note_type])."""
    data = [{"patient_id": r[0], "note_id": r[1], "note_date": r[2], "text": "x" * 50, "note_type": r[3] if len(r) > 3 else "PT"} for r in rows]
    return conform(pd.DataFrame(data), NOTES)


def mentions(*rows) -> pd.DataFrame:
    """rows: (note_id, label[, {attr: value}]); patient taken from the note id prefix before '-'."""
    if not rows:
        return empty(MENTIONS)
    data = []
    for i, r in enumerate(rows):
        extra = r[2] if len(r) > 2 else {}
        data.append({"note_id": r[0], "patient_id": r[0].split("-")[0], "note_date": "2024-01-01", "label": r[1],
                     "start": i, "end": i + 1, "text": r[1].lower(), "section": "", "negated": 0, "uncertain": 0,
                     "historical": 0, "hypothetical": 0, "family": 0, "grade": "", "side": "", "site": "", "cues": "", **extra})
    return conform(pd.DataFrame(data), MENTIONS)
