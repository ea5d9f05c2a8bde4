"""The fast path gives exactly the full pipeline's mentions: MTSamples, NegEx sentences, dev gold notes,
hard cases, and notes pieced together from them with the perturbations other writers' notes bring."""
from __future__ import annotations

import random
import re

import pandas as pd
import pytest
from medspacy.target_matcher import TargetRule

from nlp.anchors import RuleIndex, Requirement, pattern_regex, rule_requirements, token_requirement, trie_regex
from nlp.fastpath import FastExtractor
from nlp.mentions import doc_mentions
from tests.conftest import REPO

HARD_CASES = [
    "",
    "   \n\t  \n",
    "Nothing of interest today. Follow up in 6 months.",
    "...on 05/12/2007.,HISTORY OF PRESENT ILLNESS:,  The patient reports numbness and,TINGLING:, of the L thigh.",
    "EXAM:,MRI SPINAL CORD CERVICAL WITHOUT CONTRAST,CLINICAL:,Right arm pain, numbness and\ntingling.,FINDINGS:,Normal.",
    "Right arm numbness and\n\nTingling down the leg. Quad 4-/5. Denies weakness.",
    "Pt cannot climb stairs.  He can't rise from a chair; L quad 3/5, R 5/5.",
    "Ünïcödé café: İstanbul ΣΑΣ numbness of the left thigh, quad 4/5 — progressive weakness.",
    "K\u212a numbness\u00a0and weakness\u2028of the R leg. Atrophy of the left quadriceps.",
    "Thigh girth: L 48 cm vs R 52 cm. Referred to neurosurgery for EMG/NCS.",
]


@pytest.fixture(scope="module")
def fast(nlp):
    return FastExtractor(nlp)


def _full(nlp, text):
    return doc_mentions(nlp(text))


@pytest.mark.parametrize("text", HARD_CASES)
def test_hard_cases_identical(nlp, fast, text):
    assert fast(text) == _full(nlp, text)


def test_hard_cases_find_mentions(nlp, fast):
    found = [row["text"].lower() for text in HARD_CASES for row in fast(text)]
    assert "4-/5" in " ".join(found) and any("numbness" in t for t in found)


def test_megabyte_note_identical(nlp, fast):
    # The full pipeline is too slow on 1 MB; each block opens with a header and ends in a blank
    # line, so the full pipeline's mentions of the whole note are those of its blocks, shifted.
    block = "HPI: " + HARD_CASES[5] + " " + HARD_CASES[3] + "\n" + "Routine visit, vitals stable. " * 20 + "\n\n"
    copies = 1_000_000 // len(block) + 1
    in_block = _full(nlp, block)
    expected = [dict(row, start=row["start"] + i * len(block), end=row["end"] + i * len(block)) for i in range(copies) for row in in_block]
    rows = fast(block * copies)
    assert len(rows) == len(expected) > 100
    assert rows == expected


def test_note_without_anchor_is_never_tokenized(fast, monkeypatch):
    monkeypatch.setattr(fast, "process_window", lambda *a, **k: pytest.fail("tokenized a note with no anchor"))
    assert fast("Routine visit. Vitals stable. Return in a year.") == []


def test_mtsamples_sample_identical(nlp, fast, mtsamples):
    for i, text in enumerate(mtsamples[:300]):
        assert fast(text) == _full(nlp, text), f"MTSamples note {i} differs"


def test_dev_gold_notes_identical(nlp, fast):
    path = REPO / "annotations" / "dev" / "notes.csv"
    if not path.is_file():
        pytest.skip("annotations/dev/notes.csv not present")
    notes = pd.read_csv(path, keep_default_na=False)
    for note_id, text in zip(notes["note_id"], notes["text"]):
        assert fast(text) == _full(nlp, text), f"dev note {note_id} differs"


def test_negex_sentences_identical(nlp, fast, shared_dir):
    # Real report sentences in other voices (de-identified discharge summaries, radiology, ...).
    path = shared_dir / "data" / "negex" / "annotations.tsv"
    if not path.is_file():
        pytest.skip("NegEx annotations not present")
    sentences = pd.read_csv(path, sep="\t", keep_default_na=False)["sentence"].drop_duplicates().tolist()
    assert len(sentences) > 2000
    for i, text in enumerate(sentences):
        assert fast(text) == _full(nlp, text), f"NegEx sentence {i} differs"


#: Cues and headers dropped between pieces, so that modifiers and sections land across run edges.
FUZZ_CUES = ["Plan: ", "ROS: ", "Family history: ", "HPI:\n", "Assessment and plan:", "PMH: ", "No ", "denies ",
             "Mother with ", "if ", "? ", "history of ", "possible ", "not ", "without ", "r/o "]
FUZZ_SEPARATORS = [" ", "  ", ". ", "\n", "\n\n", ", ", "; ", "\r\n", "\t", "\n  ", ":\n", " - ", "\n* ", "\n1. "]


def _perturbed(rng: random.Random, text: str) -> str:
    """`text` as another writer or system might give it: case, spaces, dashes, line breaks, slashes, periods."""
    return rng.choice([
        str.upper, str.lower,
        lambda t: t.replace(" ", "\u00a0", rng.randint(1, 5)),
        lambda t: t.replace("-", "\u2013"),
        lambda t: re.sub(" ", lambda m: "\n" if rng.random() < 0.08 else " ", t),
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.replace("/", " / "),
        lambda t: t.replace(".", ""),
    ] + [lambda t: t] * 8)(text)


def test_fuzzed_notes_identical(nlp, fast):
    path = REPO / "annotations" / "dev" / "notes.csv"
    if not path.is_file():
        pytest.skip("annotations/dev/notes.csv not present")
    pieces = [p for text in pd.read_csv(path, keep_default_na=False)["text"] for p in re.split(r"(?<=[.;\n])", text) if p.strip()]
    pieces += HARD_CASES + FUZZ_CUES * 10
    rng = random.Random(5)
    found = 0
    for i in range(400):
        text = "".join(_perturbed(rng, rng.choice(pieces)) + rng.choice(FUZZ_SEPARATORS) for _ in range(rng.choice([1, 2, 3, 5, 8, 13, 21])))
        expected = _full(nlp, text)
        found += len(expected)
        assert fast(text) == expected, f"fuzzed note {i} differs"
    assert found > 800  # the notes hold mentions, so identity is tested on them


def test_token_requirements():
    assert token_requirement({"LOWER": "Weak"}) == Requirement(frozenset({"weak"}))
    assert token_requirement({"LOWER": {"IN": ["A", "b"]}}) == Requirement(frozenset({"a", "b"}))
    assert token_requirement({"LOWER": "x", "OP": "?"}) is None
    assert token_requirement({"IS_ALPHA": True}) is None
    assert token_requirement({"LIKE_NUM": True}) is None
    assert token_requirement({"TEXT": {"REGEX": "^[0-4]/5$"}}) == Requirement(frozenset(), (("[0-4]/5", False),))
    assert token_requirement({"TEXT": {"REGEX": r"(?<!\d)x"}}) is None  # lookbehind: not searchable in a sentence


def test_whole_token_words_and_tokenizer_special_cases(nlp):
    regex = re.compile(trie_regex({"ta", "cm", "not"}, edges=True))
    assert not regex.search("patient") and regex.search("ta.") and regex.search("5cm")

    index = RuleIndex(nlp, [TargetRule("not", "X")])
    assert index.met("he cannot") == [0]  # "cannot" tokenizes as "can" "not"
    assert index.met("he knotted it") == []


def test_rule_requirements_in_order(nlp):
    rule = TargetRule("r", "X", pattern=[{"LOWER": "unable"}, {"LOWER": "to", "OP": "?"}, {"LOWER": "walk"}])
    assert [r.words for r in rule_requirements(nlp, rule)] == [frozenset({"unable"}), frozenset({"walk"})]
    index = RuleIndex(nlp, [rule])
    assert index.met("unable to walk") == [0]
    assert index.met("walk, unable") == []


def test_match_only_skips_the_sentence_words(nlp):
    rule = TargetRule("r", "X", pattern=[{"LOWER": "foot"}, {"LOWER": "drop"}], metadata={"requires_sentence_words": ["left"]})
    index = RuleIndex(nlp, [rule])
    assert not index.meets(0, "foot drop noted")
    assert index.meets(0, "foot drop noted", match_only=True)
    assert not index.meets(0, "drop foot", match_only=True)


def _windows(fast, text):
    """(run text, window text) of each run the fast path processes first."""
    note = fast.scan(text)
    found = []
    for first, last in fast.runs(note.chosen):
        lo, hi = note.spans[first][0], note.spans[last][1]
        start, end = fast.window(note, lo, hi)
        found.append((text[lo:hi], text[start:end]))
    return found


def test_an_edge_no_rule_can_cross_gets_no_chunks(nlp, fast):
    text = "Vitals stable today. Quad 4/5 on the left. Return in a year."
    assert _windows(fast, text) == [("Quad 4/5 on the left. ", "Quad 4/5 on the left. ")]
    assert fast(text) == _full(nlp, text)


def test_a_modifier_that_may_cross_an_edge_keeps_the_chunks_there(nlp, fast):
    """"Family history" and the "Of" after the line break may be one modifier across the sentence start."""
    text = "Vitals stable today. Quad 4/5 on the left. Family history\nOf numbness in the thigh."
    (_, quad), (run, window) = _windows(fast, text)
    assert quad == "Quad 4/5 on the left. "
    assert run == "Of numbness in the thigh." and window.startswith("today. Quad") and window.endswith(run)
    rows = fast(text)
    assert rows == _full(nlp, text)
    assert [(r["text"], r["family"]) for r in rows] == [("Quad 4/5", 0), ("numbness", 1)]


def test_a_progression_cue_alone_picks_no_sentence(nlp, fast):
    # PROGRESSION rules need a finding's label in their sentence; none of them gives one.
    assert not fast.labels_among_needing
    text = "Seen now also for follow up, worse than last time, moved from the chair."
    assert fast.scan(text).chosen == []
    assert fast(text) == _full(nlp, text) == []
    with_finding = "Numbness now also in the L thigh, worse than last time."
    assert fast.scan(with_finding).chosen == [0]
    assert fast(with_finding) == _full(nlp, with_finding) != []


def test_runs_join_consecutive_sentences():
    assert FastExtractor.runs([0, 4, 5, 9]) == [(0, 0), (4, 5), (9, 9)]
    assert FastExtractor.runs([]) == []


def test_window_widens_over_an_exclude_phrase_crossing_a_sentence_start(nlp, fast, monkeypatch):
    """A header inside the chunk "weakness.,HISTORY" starts a sentence inside "generalized weakness"."""
    text = ("Seen today in clinic for a follow up visit. Complains of generalized weakness.,HISTORY OF PRESENT "
            "ILLNESS:, Quad 4/5 on the left and weakness of the leg. Plan: continue PT.")
    calls, process = [], fast.process_window

    def recording(*args):
        doc, crossing = process(*args)
        calls.append((args[1], args[2], crossing))
        return doc, crossing

    monkeypatch.setattr(fast, "process_window", recording)
    assert fast(text) == _full(nlp, text)
    phrase = (text.index("generalized"), text.index("weakness.,") + len("weakness"))
    assert calls[0][2] == [phrase]  # the first window saw the phrase cross its edge
    assert calls[-1][2] == [] and calls[-1][0] < phrase[0]  # the last one holds it whole
    assert [m["text"] for m in fast(text)] == ["Quad 4/5", "weakness"]


def test_anchor_inside_a_longer_anchor_is_still_found(nlp):
    # "p" (a whole token after "/") lies inside the occurrence of "s/p"; both are reported.
    index = RuleIndex(nlp, [TargetRule("s/p", "X"), TargetRule("p", "Y")])
    assert index.met("pt s/p fall") == [0, 1]
    assert sorted(index.hits("s/p")) == [(0, 3, frozenset({0})), (2, 3, frozenset({1}))]
    assert index.met("spine") == []  # "p" inside a word is not a token
    assert index.hits("pp") == [] and index.hits("p-p") == [(0, 1, frozenset({1})), (2, 3, frozenset({1}))]


def test_anchor_prefers_words_to_a_one_character_regex(nlp):
    rule = TargetRule("r", "X", pattern=[{"LOWER": {"IN": ["down", "up"]}}, {"LOWER": "from"}, {"TEXT": {"REGEX": r"^\d"}}])
    requirements = rule_requirements(nlp, rule)
    anchor = max(requirements, key=Requirement.selectivity)
    assert anchor.words == frozenset({"from"}) and not anchor.regexes  # of two common words, the longer
    assert RuleIndex(nlp, [rule]).met("quad strength 5/5 in 2019") == []


def test_requirement_searches_are_memoized(nlp):
    rules = [TargetRule("r1", "X", pattern=[{"LOWER": "weak"}, {"LOWER": "quad"}]),
             TargetRule("r2", "X", pattern=[{"LOWER": "weak"}, {"LOWER": "hip"}])]
    index, searched = RuleIndex(nlp, rules), {}
    assert [index.meets(i, "weak quad", searched) for i in (0, 1)] == [True, False]
    assert len(searched) == 4  # "weak", "quad", "hip", then "weak quad" together: "weak" searched once for both rules


@pytest.mark.parametrize("pattern,literal", [
    ("(?:(?i:(?:[0-4][+-]?|5-)/5))", "/5"),  # inside groups, after a branch
    ("(?i:k/5x)", "/5"),  # letters may have other cases: not used
    ("a|b/5", None),  # not in every branch
    (r"\d+-\d+", None),
])
def test_required_literal(pattern, literal):
    from nlp.anchors import required_literal

    assert required_literal(pattern) == literal


def test_a_regex_anchor_is_not_searched_without_its_literal(nlp):
    index = RuleIndex(nlp, [TargetRule("grade", "WEAKNESS", pattern=[{"TEXT": {"REGEX": r"^[0-4][+-]?/5$"}}])])
    assert [literal for _, _, literal in index.regex_scans] == ["/5"]
    assert index.met("quad 4-/5") == [0] and index.met("quad 4-5") == []


@pytest.mark.parametrize("pattern,covered", [
    ([{"LOWER": "no"}, {"IS_SPACE": True, "OP": "*"}, {"LOWER": "evidence"}], "no  \n evidence"),
    ([{"TEXT": {"REGEX": "^[0-4][+-]?$"}}, {"LOWER": "out", "OP": "?"}, {"LOWER": "of"}, {"TEXT": "5"}], "4- of 5"),
    ([{"LOWER": "a"}, {}, {"LOWER": "b"}], "a\n\nb"),  # a wildcard may take a whitespace token
    ([{"LOWER": "a"}, {"LIKE_NUM": True}, {"LOWER": "b"}], "a 12b"),
])
def test_pattern_regex_covers_what_the_pattern_matches(pattern, covered):
    assert re.search(pattern_regex(TargetRule("x", "X", pattern=pattern)), covered)


@pytest.mark.parametrize("pattern", [
    [{"LOWER": "a"}, {"LOWER": "b", "OP": "!"}, {"LOWER": "c"}],  # negation: not written
    [{"LOWER": "a"}, {"IS_ALPHA": True, "OP": "*"}, {"LOWER": "c"}],  # unbounded unknown tokens
    [{"LOWER": "a"}, {"LOWER": "b", "OP": "?"}],  # one required token: nothing beyond the requirements
])
def test_pattern_regex_declines_what_it_cannot_write_safely(pattern):
    assert pattern_regex(TargetRule("x", "X", pattern=pattern)) is None


def test_pattern_regex_leaves_out_unknown_tokens_at_either_end():
    regex = pattern_regex(TargetRule("x", "X", pattern=[{}, {"LOWER": "a"}, {"LOWER": "b"}, {"IS_ALPHA": True}]))
    assert "\\S*" not in regex and re.search(regex, "x a b y") and not re.search(regex, "a c b")
    assert pattern_regex(TargetRule("x", "X", pattern=[{"LOWER": "a"}, {}])) is None  # nothing left beyond the requirement


def test_pattern_regex_keeps_tokens_whole_at_digits():
    """No token starts or ends between two digits: a grade regex token is not met inside 120/54 or 10/500."""
    regex = pattern_regex(TargetRule("x", "X", pattern=[{"TEXT": {"REGEX": "^(?:[0-4][+-]?|5-)/5$"}}]))
    assert regex is not None  # one token, but its requirement regex cannot tell where the token ends
    for text in ("quad 4/5", "(4-/5)", "hip 3+/5,", "4/5."):
        assert re.search(regex, text), text
    for text in ("bp 120/54", "hydrocodone 10/500", "mixed 50/50", "20/50 vision"):
        assert not re.search(regex, text), text


def test_pattern_regex_reads_a_top_level_alternation_as_not_whole_token():
    """`^1|2$` is (^1)|(2$): the token "12" meets it, so its text is not "1" or "2" whole."""
    def regex(token_regex):
        return pattern_regex(TargetRule("x", "X", pattern=[{"LOWER": "grade"}, {"TEXT": {"REGEX": token_regex}}, {"LOWER": "x"}]))

    assert re.search(regex("^1|2$"), "grade 12 x")
    assert not re.search(regex("^(?:1|2)$"), "grade 12 x")


def test_no_tokenizer_boundary_falls_between_two_digits(nlp):
    """What _DIGIT_EDGE relies on, over the tokenizer's special cases and texts of digits and punctuation."""
    from spacy.attrs import ORTH

    digit = re.compile(r"\d")
    for tokens in nlp.tokenizer.rules.values():
        texts = [t[ORTH] for t in tokens]
        assert not any(a and b and digit.fullmatch(a[-1]) and digit.fullmatch(b[0]) for a, b in zip(texts, texts[1:]))
    rng = random.Random(0)
    alphabet = "0123456789/-+.,:;()%°^*x abcmkg'\"$#&<>=_\n²½١"
    for _ in range(5000):
        doc = nlp.make_doc("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))))
        assert not any(not a.whitespace_ and digit.fullmatch(a.text[-1]) and digit.fullmatch(b.text[0]) for a, b in zip(doc, doc[1:]))


def test_requirement_regexes_start_with_a_plain_alternation_of_characters(nlp):
    """Words and tokenizer special cases in one top-level alternation: `re` skips to their first characters."""
    index = RuleIndex(nlp, [TargetRule("can", "X", pattern=[{"LOWER": {"IN": ["can", "difficulty"]}}, {"LOWER": "walk"}])])
    regex = index.checks[0][0][0]
    assert not regex.pattern.startswith("(?:") and "cannot" in regex.pattern
    assert [m.start() for m in regex.finditer("he cannot walk; difficulty, can")] == [3, 16, 28]
    assert regex.search("scan") is None


def test_every_target_match_meets_its_pattern_regex(nlp, fast):
    """The adjacency regex is a necessary condition: every match the full matcher makes satisfies it."""
    texts = HARD_CASES + ["MMT: L quad 3 out of 5, R 5/5. Thigh 2 cm smaller on the left. Difficulty with the stairs.",
                          "Trouble   buttoning\nshirts; can't climb stairs; sensation to LT decreased over the L thigh."]
    checked = 0
    for text in texts:
        doc = nlp.make_doc(text)
        for key, start, end in fast.targets.matcher._TargetMatcher__matcher(doc):
            rule = fast.target_subset.rule_map[nlp.vocab.strings[key]]
            regex = pattern_regex(rule)
            if regex:
                checked += 1
                assert re.search(regex, doc[start:end].text.lower()), (rule.literal, doc[start:end].text)
    assert checked >= 5


def test_a_long_sentence_of_many_mentions(nlp, fast):
    # One 34 KB sentence, 3,000 mentions: the attributes once searched the whole sentence, and
    # Span.sent and Doc.text walked the whole doc, for every mention (quadratic: minutes).
    text = "L quad 4/5, numb thigh " * 1500
    rows = fast(text)
    assert len(rows) == 3000 and rows == _full(nlp, text)
    weak = [r for r in rows if r["label"] == "WEAKNESS"]
    assert len(weak) == 1500 and {(r["grade"], r["side"], r["site"]) for r in weak} == {("4", "left", "quadriceps")}
