"""Regression cases written as data (cases.json, inline markup): what must be found, with which attributes."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

CASES = json.loads((Path(__file__).with_name("cases.json")).read_text())["cases"]
TAG = re.compile(r'<(?P<close>/)?(?P<label>[A-Z_]+)(?P<attrs>(?:\s+\w+="[^"]*")*)\s*>')
ATTR = re.compile(r'(\w+)="([^"]*)"')
FLAGS = ("negated", "uncertain", "historical", "hypothetical", "family")


def parse(marked: str) -> tuple[str, list[dict]]:
    """Plain text and the marked mentions (non-nested tags)."""
    text, mentions, open_tag = "", [], None
    pos = 0
    for m in TAG.finditer(marked):
        text += marked[pos:m.start()]
        pos = m.end()
        if m.group("close"):
            assert open_tag and open_tag["label"] == m.group("label"), f"unbalanced tag in {marked!r}"
            open_tag["end"] = len(text)
            mentions.append(open_tag)
            open_tag = None
        else:
            open_tag = {"label": m.group("label"), "start": len(text), **dict(ATTR.findall(m.group("attrs")))}
    return text + marked[pos:], mentions


def overlaps(a, b):
    return a["start"] < b["end"] and b["start"] < a["end"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(nlp, case):
    from nlp.mentions import doc_mentions

    text, gold = parse(case["text"])
    found = doc_mentions(nlp(text))
    for g in gold:
        match = [f for f in found if f["label"] == g["label"] and overlaps(f, g)]
        assert match, f"missed {g['label']} {text[g['start']:g['end']]!r}; found {[(f['label'], f['text']) for f in found]}"
        f = match[0]
        for flag in FLAGS:
            assert f[flag] == int(g.get(flag, "0")), f"{flag} of {f['text']!r}: cues {f['cues']!r}"
        for attr in ("grade", "side", "site"):
            if attr in g:
                assert f[attr] == g[attr], f"{attr} of {f['text']!r}"
    allowed = set(case.get("allow_extra_labels", []))
    for f in found:
        present = not any(f[flag] for flag in FLAGS)
        if present and f["label"] not in allowed:
            assert any(overlaps(f, g) for g in gold), f"unexpected present {f['label']} {f['text']!r}"
