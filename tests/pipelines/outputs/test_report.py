"""The HTML report: note text never becomes markup, mentions are highlighted, nothing is fetched."""
from html.parser import HTMLParser

import pandas as pd

from pipelines.outputs.report import render_report
from pipelines.outputs.worklist import build_worklist
from pipelines.schemas import MENTIONS, NOTES, PATIENTS, empty

SUMMARY = {"run_id": "r1", "pipeline_version": "v", "counts": {"read": 5, "processed": 5}, "timings_s": {"extract": 1.25}, "notes_per_s": 4.0}


class Parsed(HTMLParser):
    """Start tags, end tags, text and attributes of a document."""

    def __init__(self, html: str):
        super().__init__()
        self.starts, self.ends, self.text, self.attrs = [], [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.starts.append(tag)
        self.attrs += attrs

    def handle_endtag(self, tag):
        self.ends.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def report(scored) -> str:
    notes, mentions, patients = scored
    return render_report(SUMMARY, patients, build_worklist(patients, mentions), notes, mentions)


def test_note_text_ids_and_types_render_as_text(scored):
    html = report(scored)
    doc = Parsed(html)
    assert not {"script", "img", "b", "i"} & set(doc.starts)
    assert doc.starts.count("style") == 1  # the report's own stylesheet only
    assert doc.starts.count("table") == doc.ends.count("table") and doc.starts.count("td") == doc.ends.count("td")
    text = "".join(doc.text)
    assert "<script>alert('x')</script></table></td><img" in text  # shown to the reader, as text
    assert "<style>body{display:none}</style>" in text and "<i>d</i>" in text and "<b>type</b>" in text
    assert not any(name.startswith("on") for name, _ in doc.attrs)


def test_self_contained(scored):
    html = report(scored)
    doc = Parsed(html)
    assert not {"link", "script", "iframe", "object"} & set(doc.starts)
    assert not any(name in ("src", "srcset") for name, _ in doc.attrs)
    assert all(value.startswith("#") for name, value in doc.attrs if name == "href")
    assert "@import" not in html and "url(" not in html


def test_mentions_highlighted_with_labels_and_grade_trend(scored):
    html = report(scored)
    assert ">quad 3/5</span><small>WEAKNESS</small></mark>" in html
    assert ">quad 2/5</span><small>WEAKNESS</small></mark>" in html
    assert "<polyline" in html and "strength grades of patient a" in html
    doc = Parsed(html)
    assert "p-a" in [v for n, v in doc.attrs if n == "id"] and "#p-a" in [v for n, v in doc.attrs if n == "href"]
    text = "".join(doc.text)
    assert "counts: read" in text and "timings: extract (s)" in text and "1.25" in text


def test_worklist_sections_follow_worklist_order(scored):
    notes, mentions, patients = scored
    wl = build_worklist(patients, mentions)
    html = report(scored)
    positions = [html.index(f"id='p-{p}'") for p in wl["patient_id"] if p.isalnum()]
    assert len(positions) >= 2 and positions == sorted(positions)


def test_empty_cohort_renders():
    html = render_report(SUMMARY, empty(PATIENTS), build_worklist(empty(PATIENTS), empty(MENTIONS)), empty(NOTES), empty(MENTIONS))
    doc = Parsed(html)
    assert "Worklist (0)" in "".join(doc.text) and doc.starts.count("table") == doc.ends.count("table")


def test_one_span_with_two_labels_is_one_mark_naming_both():
    from types import SimpleNamespace

    from pipelines.outputs.report import highlight

    row = dict(start=9, end=23, negated=0, uncertain=0, historical=0, hypothetical=0, family=0)
    both = [SimpleNamespace(label="PROGRESSION", **row), SimpleNamespace(label="WEAKNESS", **row)]
    html = highlight("Arm is a getting weaker <b>", 0, both)
    assert html.count("<mark") == 1 and "<small>PROGRESSION + WEAKNESS</small>" in html and "&lt;b&gt;" in html
