"""Inline markup: parsing, the inverse, and clear errors for malformed tags."""
import pandas as pd
import pytest

from pipelines.gold.markup import MarkupError, parse_markup, to_markup


def test_parse_one_mention_with_attributes():
    text, mentions = parse_markup('L <WEAKNESS grade="4-" side="left" site="quadriceps">quad 4-/5</WEAKNESS>.')
    assert text == "L quad 4-/5."
    (m,) = mentions
    assert (m["label"], m["start"], m["end"], m["text"]) == ("WEAKNESS", 2, 11, "quad 4-/5")
    assert (m["grade"], m["side"], m["site"]) == ("4-", "left", "quadriceps")
    assert m["negated"] == m["family"] == 0


def test_booleans_and_defaults():
    _, (m,) = parse_markup('Denies <NUMBNESS negated="1" uncertain="0">numbness</NUMBNESS>')
    assert m["negated"] == 1 and m["uncertain"] == 0 and m["historical"] == 0
    assert m["grade"] == m["side"] == m["site"] == ""


def test_nested_tags_and_offsets():
    text, mentions = parse_markup("now <PROGRESSION>new <WEAKNESS>foot drop</WEAKNESS></PROGRESSION> R")
    assert text == "now new foot drop R"
    assert [(m["label"], m["text"]) for m in mentions] == [("PROGRESSION", "new foot drop"), ("WEAKNESS", "foot drop")]
    assert all(text[m["start"]:m["end"]] == m["text"] for m in mentions)


def test_plain_less_than_signs_are_text():
    text, mentions = parse_markup("BP <140/90, <5 min walk, a<b and <p> stays")
    assert text == "BP <140/90, <5 min walk, a<b and <p> stays" and mentions == []


@pytest.mark.parametrize("marked, message", [
    ("<WEAKNESS>weak", "never closed"),
    ("weak</WEAKNESS>", "closes nothing"),
    ("<WEAKNESS><NUMBNESS>x</WEAKNESS></NUMBNESS>", "closes <NUMBNESS>"),
    ("<WEAKNES>weak</WEAKNES>", "unknown label"),
    ('<WEAKNESS color="red">weak</WEAKNESS>', "unknown attribute"),
    ('<WEAKNESS negated="yes">weak</WEAKNESS>', '"0" or "1"'),
    ('<WEAKNESS side="up">weak</WEAKNESS>', "side must be"),
    ('<WEAKNESS grade="5">weak</WEAKNESS>', "grade must be"),
    ('<WEAKNESS side="left" side="right">weak</WEAKNESS>', "repeats"),
    ("<WEAKNESS></WEAKNESS>", "empty"),
    ('x\n  <ATROPHY>a</ATROPHY x="1">', "closing tag"),
])
def test_malformed_markup_is_a_clear_error(marked, message):
    with pytest.raises(MarkupError, match=message):
        parse_markup(marked)


def test_error_names_line_and_column_not_text():
    with pytest.raises(MarkupError) as err:
        parse_markup("secret first line\nsecond <NUMBNESS>tingling")
    assert "line 2, column 8" in str(err.value) and "secret" not in str(err.value) and "tingling" not in str(err.value)


@pytest.mark.parametrize("marked", [
    'Pt reports <NUMBNESS side="right">N/T</NUMBNESS> R foot, <WEAKNESS grade="3+" site="ankle dorsiflexion">3+/5 DF</WEAKNESS>.',
    "<PROGRESSION>new <WEAKNESS>foot drop</WEAKNESS></PROGRESSION> since Monday",
    '<ATROPHY historical="1" family="1">wasting</ATROPHY>',
    "no tags at all",
    "<REFERRAL>EMG</REFERRAL><REFERRAL>MRI</REFERRAL>",
])
def test_to_markup_inverts_parse(marked):
    text, mentions = parse_markup(marked)
    assert to_markup(text, mentions) == marked
    frame = pd.DataFrame(mentions) if mentions else pd.DataFrame(columns=["label", "start", "end"])
    assert to_markup(text, frame) == marked


def test_identical_spans_round_trip():
    marked = "<PROGRESSION><WEAKNESS>weaker</WEAKNESS></PROGRESSION>"
    text, mentions = parse_markup(marked)
    again = parse_markup(to_markup(text, mentions))[1]
    key = lambda m: (m["label"], m["start"], m["end"])  # noqa: E731
    assert sorted(map(key, again)) == sorted(map(key, mentions))


@pytest.mark.parametrize("text, mentions, message", [
    ("abcdef", [{"label": "WEAKNESS", "start": 0, "end": 3}, {"label": "NUMBNESS", "start": 2, "end": 5}], "crosses"),
    ("abc", [{"label": "WEAKNESS", "start": 1, "end": 9}], "outside"),
    ("abc", [{"label": "PAIN", "start": 0, "end": 1}], "unknown label"),
    ("a <WEAKNESS> b", [], "tag-shaped"),
    ("abc", [{"label": "WEAKNESS", "start": 0, "end": 1, "site": 'say "hi"'}], "quotes"),
    ("abc", [{"label": "WEAKNESS", "start": 0, "end": 1, "side": "up"}], "side must be"),
])
def test_to_markup_rejects_what_cannot_round_trip(text, mentions, message):
    with pytest.raises(MarkupError, match=message):
        to_markup(text, mentions)
