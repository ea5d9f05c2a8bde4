"""ConText rule regression cases written as data (context_rules_cases.json), checked through assert_spans."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nlp import assert_spans

DATA = json.loads(Path(__file__).with_name("context_rules_cases.json").read_text())
CASES = DATA["cases"]
ATTRIBUTES = ("negated", "uncertain", "historical", "hypothetical", "family")
MARK = re.compile(r"\[(.+?)\]")


def marked(sentence: str) -> tuple[str, int, int]:
    """The sentence without brackets, and the offsets of the bracketed finding."""
    m = MARK.search(sentence)
    assert m and not MARK.search(sentence, m.end()), f"one [finding] per case: {sentence!r}"
    return sentence[:m.start()] + m.group(1) + sentence[m.end():], m.start(), m.end() - 2


def test_cases_are_well_formed():
    assert len({c["id"] for c in CASES}) == len(CASES)
    for case in CASES:
        marked(case["sentence"])
        assert set(case["expect"]) <= set(ATTRIBUTES), case["id"]
    families = {c["family"] for c in CASES}
    assert {"negation", "template", "pseudo", "scope", "uncertain", "historical", "hypothetical", "family", "section"} <= families


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(nlp, case):
    text, start, end = marked(case["sentence"])
    result = assert_spans(text, [(start, end, "FINDING")], nlp=nlp)[0]
    cues = [c.strip() for c in result["cues"].split(";") if c.strip()]
    for attr in ATTRIBUTES:
        expected = attr in case["expect"]
        assert result[attr] == int(expected), f"{attr}: cues {result['cues']!r}"
        if expected:
            own = [c.lower() for c in cues if c.startswith(f"{attr}:")]
            assert any(case["expect"][attr].lower() in c for c in own), f"{attr} cue {case['expect'][attr]!r} not in {own}"


def test_every_attribute_set_records_its_cue(nlp):
    for case in CASES:
        text, start, end = marked(case["sentence"])
        result = assert_spans(text, [(start, end, "FINDING")], nlp=nlp)[0]
        named = {c.split(":", 1)[0].strip() for c in result["cues"].split(";") if c.strip()}
        assert {a for a in ATTRIBUTES if result[a]} <= named, case["id"]
