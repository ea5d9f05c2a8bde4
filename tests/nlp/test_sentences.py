import pytest

from nlp.sections import find_sections
from nlp.sentences import sentence_spans


def sentences(text):
    return [text[s:e].strip() for s, e in sentence_spans(text, find_sections(text))]


def test_periods_and_lines():
    assert sentences("Denies numbness. Quad 4/5.\nPlan: PT") == ["Denies numbness.", "Quad 4/5.", "Plan: PT"]


def test_abbreviations_do_not_split():
    assert sentences("Seen by Dr. Smith vs. Dr. Jones today.") == ["Seen by Dr. Smith vs. Dr. Jones today."]


def test_wrapped_line_continues_in_lower_case():
    assert sentences("Patient denies\nnumbness or weakness.") == ["Patient denies\nnumbness or weakness."]


def test_decimal_and_grades_do_not_split():
    assert sentences("Girth 48.5 cm, quad 4-/5.") == ["Girth 48.5 cm, quad 4-/5."]


def test_question_mark_starts_a_sentence():
    assert sentences("Return if worse. ? early atrophy") == ["Return if worse.", "? early atrophy"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "no punctuation at all", "x" * 1000])
def test_spans_cover_text_exactly(text):
    spans = sentence_spans(text, find_sections(text))
    assert "".join(text[s:e] for s, e in spans) == text


def test_boundaries_fall_on_whitespace_even_inside_run_together_headers():
    text = "Atrophy is noted.,IMPRESSION: , Overactive bladder."
    for start, _ in sentence_spans(text, find_sections(text)):
        assert start == 0 or text[start - 1].isspace()


def test_pipeline_sentences_match_scan(nlp):
    text = "HPI: numb foot. Weak quad.\nExam: 4/5 HF."
    doc = nlp(text)
    spans = sentence_spans(text, find_sections(text))
    assert [s.start_char for s in doc.sents] == [s for s, _ in spans]


@pytest.mark.parametrize("text,expected", [
    # lower-case abbreviations hold a sentence together only when lower case follows
    ("Pt. states numbness. Pt. Numb.", ["Pt. states numbness.", "Pt.", "Numb."]),
    ("Seen 2 wks. ago. Wks. Later", ["Seen 2 wks. ago.", "Wks.", "Later"]),
    # the others whatever follows; an initial only before lower case
    ("See e.g. Numbness here.", ["See e.g. Numbness here."]),
    ("J. Smith saw him. x. y", ["J.", "Smith saw him.", "x. y"]),
    # an abbreviation is a whole word: a longer word ending in one is not
    ("Quad 4/5 approx. Weakness", ["Quad 4/5 approx. Weakness"]),
    ("He walked approximately. Numb", ["He walked approximately.", "Numb"]),
    ("Weak. Numb!  Worse? yes. Tingling", ["Weak.", "Numb!", "Worse?", "yes.", "Tingling"]),
    ("ROS:\nneg.\n\nPlan: PT", ["ROS:\nneg.", "Plan: PT"]),
])
def test_punctuation_and_abbreviations(text, expected):
    assert sentences(text) == expected


def test_an_abbreviation_that_is_not_a_word_is_rejected(monkeypatch):
    from nlp import sentences

    monkeypatch.setattr(sentences, "load_resource", lambda name: {"abbreviations": ["dr", "e.g."]})
    with pytest.raises(ValueError, match=r"sentences.json: abbreviations: 'e.g.' must be letters"):
        sentences._abbreviations("abbreviations")


def test_abbreviations_come_from_the_resource_file():
    from nlp import sentences
    from nlp.rules import load_resource

    data = load_resource("sentences.json")
    assert sentences.ABBREVIATIONS == set(data["abbreviations"])
    assert sentences.LOWER_CASE_ABBREVIATIONS == set(data["lower_case_abbreviations"])


def test_sentence_index_gives_span_sent(nlp):
    import random

    from nlp.sentences import SentenceIndex

    rnd = random.Random(0)
    for text in ["Weak quad. Numb thigh.\nPlan: EMG. ? atrophy", "one", "HPI: a b c. D e f.\n\nG h"]:
        doc = nlp(text)
        index = SentenceIndex(doc)
        for _ in range(50):
            a = rnd.randrange(len(doc))
            span = doc[a:rnd.randrange(a + 1, len(doc) + 1)]  # some cross a sentence start
            assert (index.sent(span).start, index.sent(span).end) == (span.sent.start, span.sent.end)
