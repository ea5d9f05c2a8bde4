from nlp.sections import find_sections, section_at


def titles(text):
    return [(s.title, text[s.start:s.body_start].strip()) for s in find_sections(text)]


def test_line_headers_with_colon():
    text = "HPI: knee pain.\nROS: neg.\nPMH: DM2\nFamily History: MS in mother\nPlan: PT\n"
    assert [t for t, _ in titles(text)] == ["hpi", "ros", "past_history", "family_history", "assessment_plan"]


def test_dictated_headers_run_together():
    text = "SUBJECTIVE:,  This 23-year-old white female.,PAST MEDICAL HISTORY: , Asthma.,IMPRESSION: , Sprain."
    assert [t for t, _ in titles(text)] == ["hpi", "past_history", "assessment_plan"]


def test_header_alone_on_its_line():
    text = "ASSESSMENT\nL femoral neuropathy\nRETURN PRECAUTIONS\ncall if worse\n"
    assert [t for t, _ in titles(text)] == ["assessment_plan", "return_precautions"]


def test_words_inside_a_sentence_are_not_headers():
    text = "The plan is to refer. Her exam was normal and history unremarkable."
    assert find_sections(text) == []


def test_short_titles_need_a_colon():
    assert find_sections("A\nB\n") == []
    assert [s.title for s in find_sections("S: pain\nA: sprain\n")] == ["hpi", "assessment_plan"]


def test_section_at_offsets():
    text = "intro text\nROS: negative\nExam: weak"
    sections = find_sections(text)
    assert section_at(sections, 0) == ""
    assert section_at(sections, text.index("negative")) == "ros"
    assert section_at(sections, text.index("weak")) == "exam"


def test_medspacy_sections_mirrored(nlp):
    doc = nlp("HPI: numb foot.\nExam: quad 4/5.")
    assert [s.category for s in doc._.sections] == ["hpi", "exam"]
    token = [t for t in doc if t.text == "quad"][0]
    assert token._.section.category == "exam"


def test_header_at_text_end_and_after_crlf():
    assert [t for t, _ in titles("note text.\r\nASSESSMENT\r\nL femoral neuropathy.\nPLAN")] == ["assessment_plan", "assessment_plan"]
    assert titles("hpi:") == [("hpi", "hpi:")]


def test_a_header_phrase_holding_a_delimiter_is_rejected(monkeypatch):
    import pytest

    from nlp import sections

    monkeypatch.setattr(sections, "load_resource", lambda name: {"sections": {"hpi": ["h.p.i"]}})
    sections._header_regex.cache_clear()
    try:
        with pytest.raises(ValueError, match="may not contain"):
            sections.find_sections("h.p.i: knee")
    finally:
        sections._header_regex.cache_clear()


def test_long_runs_of_spaces_and_stars_are_scanned_once():
    # Three adjacent runs in the header regex once made a run of 16,000 spaces take 55 s.
    pad = " " * 200_000
    assert find_sections("Weak." + pad + "B") == []
    text = "Weak." + pad + "**" + pad + "HPI:" + pad + "numb"
    assert [(s.title, text[s.start:s.body_start].strip()) for s in find_sections(text)] == [("hpi", "HPI:")]
