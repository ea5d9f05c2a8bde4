"""Regression cases written as data (cases.json, inline markup): what must be found, with which attributes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.gold.markup import parse_markup

CASES = json.loads((Path(__file__).with_name("cases.json")).read_text())["cases"]
FLAGS = ("negated", "uncertain", "historical", "hypothetical", "family")


def overlaps(a, b):
    return a["start"] < b["end"] and b["start"] < a["end"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(nlp, case):
    from nlp.mentions import doc_mentions

    text, gold = parse_markup(case["text"])  # tags may nest: <PROGRESSION><WEAKNESS>getting weaker</WEAKNESS></PROGRESSION>
    found = doc_mentions(nlp(text))
    for g in gold:
        match = [f for f in found if f["label"] == g["label"] and overlaps(f, g)]
        assert match, f"missed {g['label']} {text[g['start']:g['end']]!r}; found {[(f['label'], f['text']) for f in found]}"
        f = match[0]
        for flag in FLAGS:
            assert f[flag] == g[flag], f"{flag} of {f['text']!r}: cues {f['cues']!r}"
        for attr in ("grade", "side", "site"):
            if g[attr]:  # stated in the case
                assert f[attr] == g[attr], f"{attr} of {f['text']!r}"
    allowed = set(case.get("allow_extra_labels", []))
    for f in found:
        present = not any(f[flag] for flag in FLAGS)
        if present and f["label"] not in allowed:
            assert any(overlaps(f, g) for g in gold), f"unexpected present {f['label']} {f['text']!r}"
