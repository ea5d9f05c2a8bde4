"""Notes with hostile text, their extracted mentions (with evidence snippets) and scores."""
from __future__ import annotations

import pandas as pd
import pytest

from pipelines.evidence import add_snippets
from pipelines.schemas import NOTES, conform
from pipelines.score import score_patients

EVIL = ("Pt c/o numbness <script>alert('x')</script></table></td><img src=x onerror=alert(1)> "
        "L quad 3/5. Numbness to knee.")


@pytest.fixture(scope="package")
def scored():
    """(notes, stored mentions, patients) for four small patients, one with HTML in every text field."""
    from nlp import extract_mentions

    notes = conform(pd.DataFrame({
        "patient_id": ["a", "a", "b", "c", "<i>d</i>"], "note_id": ["1", "2", "3", "4", "5<b>"],
        "note_date": ["2024-01-01", "2024-01-20", "2024-01-02", "2024-01-03", "2024-01-04"],
        "text": [EVIL, "quad 2/5, numbness now to the shin.", "L thigh atrophy. Referred to neurology.",
                 "Quad 4/5. Numbness L foot.", "Visible quad atrophy <style>body{display:none}</style>."],
        "note_type": ["PT", "PT", "ortho", "<b>type</b>", "ED"]}), NOTES)
    mentions = add_snippets(extract_mentions(notes), notes)
    return notes, mentions, score_patients(notes, mentions)
