"""Worklist order and evidence, NOTE_NLP columns, and an HTML report that never runs note text."""
from datetime import date
from html.parser import HTMLParser

import pandas as pd

from pipelines.evidence import add_snippets
from pipelines.outputs.note_nlp import COLUMNS, note_nlp_rows
from pipelines.outputs.report import render_report
from pipelines.outputs.worklist import build_worklist
from pipelines.score import score_patients
from pipelines.schemas import NOTES, conform

EVIL = "Pt c/o numbness <script>alert('x')</script></table><img src=x onerror=alert(1)> L quad 3/5. Numbness to knee."


def frames():
    from nlp import extract_mentions

    notes = conform(pd.DataFrame({
        "patient_id": ["a", "a", "b", "c"], "note_id": ["1", "2", "3", "4"],
        "note_date": ["2024-01-01", "2024-01-20", "2024-01-02", "2024-01-03"],
        "text": [EVIL, "quad 2/5, numbness now to the shin.", "L thigh atrophy. Referred to neurology.", "Quad 4/5. Numbness L foot."],
        "note_type": ["PT", "PT", "ortho", "<b>type</b>"]}), NOTES)
    mentions = add_snippets(extract_mentions(notes), notes)
    return notes, mentions, score_patients(notes, mentions)


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def test_worklist_is_ordered_by_risk_with_quoted_evidence():
    _, mentions, patients = frames()
    wl = build_worklist(patients, mentions)
    assert set(wl["patient_id"]) == {"a", "c"}
    assert wl["risk"].is_monotonic_decreasing
    a = wl.set_index("patient_id").loc["a", "evidence"]
    assert "2024-01-01 WEAKNESS 'quad 3/5' (note 1" in a


def test_note_nlp_columns_and_modifiers():
    _, mentions, _ = frames()
    rows = note_nlp_rows(mentions, "0.1.0+rules.x", date(2024, 5, 1))
    assert list(rows.columns) == COLUMNS and rows["note_nlp_id"].tolist() == list(range(1, len(rows) + 1))
    assert set(rows["term_exists"]) <= {"Y", "N"} and set(rows["term_temporal"]) <= {"past", "present"}
    assert rows["term_modifiers"].str.contains("label=").all()
    assert (rows["note_nlp_concept_id"] == 0).all()


def test_report_escapes_note_text_and_highlights_mentions():
    notes, mentions, patients = frames()
    html = render_report({"read": 4}, patients, build_worklist(patients, mentions), notes, mentions)
    parser = Elements()
    parser.feed(html)
    assert "script" not in parser.tags and "img" not in parser.tags and "b" not in parser.tags
    assert "&lt;script&gt;" in html
    assert parser.tags.count("table") >= 3 and "svg" in parser.tags and "mark" in parser.tags
    assert "<mark" in html and "quad 3/5" in html
