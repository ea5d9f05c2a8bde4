"""Window reach: the longest match that can cross into a run of sentences, and chunk arithmetic."""
from __future__ import annotations

import pytest
from medspacy.context import ConTextRule
from medspacy.target_matcher import TargetRule

from nlp.windows import chunks_after, chunks_before, reach, rule_reach


def test_reach_counts_words_not_whitespace_tokens(nlp):
    spaced = [{"LOWER": "no"}, {"IS_SPACE": True, "OP": "*"}, {"LOWER": "evidence"}, {"LOWER": "of", "OP": "?"}]
    assert rule_reach(nlp, TargetRule("no evidence", "EXCLUDE", pattern=spaced)) == 3
    assert rule_reach(nlp, TargetRule("s/p", "EXCLUDE")) == len(nlp.make_doc("s/p"))
    assert rule_reach(nlp, ConTextRule("x", "NEGATED_EXISTENCE", pattern=[{"LOWER": "a", "OP": "{1,3}"}, {"LOWER": "b"}])) == 4


def test_a_repeated_word_or_a_regex_is_unbounded(nlp):
    star = TargetRule("x", "EXCLUDE", pattern=[{"LOWER": "a"}, {"LOWER": {"IN": ["b", "c"]}, "OP": "*"}])
    assert rule_reach(nlp, star) is None
    assert rule_reach(nlp, TargetRule("x", "EXCLUDE", pattern=[{"LOWER": "a", "OP": "{2,}"}])) is None
    assert reach(nlp, [TargetRule("s/p", "EXCLUDE"), star]) is None
    assert reach(nlp, []) == 0


def test_unknown_op_is_a_clear_error(nlp):
    with pytest.raises(ValueError, match="unknown token pattern OP"):
        rule_reach(nlp, TargetRule("x", "EXCLUDE", pattern=[{"LOWER": "a", "OP": "many"}]))


def test_our_exclude_and_context_rules_are_bounded(nlp):
    """An unbounded rule stays exact but makes the fast path read whole notes (see context_rules.json)."""
    from nlp.fastpath import FastExtractor

    assert FastExtractor(nlp).reach is not None


@pytest.mark.parametrize("text,pos,n,before,after", [
    ("aa bb  cc\n\ndd ee", 7, 1, 3, 11),   # at "cc": back over "bb"; on over "cc" to "dd"
    ("aa bb  cc\n\ndd ee", 7, 2, 0, 14),
    ("aa bb  cc\n\ndd ee", 7, 3, 0, 16),   # fewer chunks than asked: the text's edges
    ("aa bb  cc\n\ndd ee", 7, 0, 7, 7),
    ("", 0, 3, 0, 0),
])
def test_chunks_before_and_after(text, pos, n, before, after):
    assert chunks_before(text, pos, n) == before
    assert chunks_after(text, pos, n) == after
