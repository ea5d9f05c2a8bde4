"""SubsetMatcher returns the full medspaCy matcher's matches, in its order where spans are equal."""
from __future__ import annotations

import pytest

from nlp.subset_matcher import SubsetMatcher

TEXTS = [
    "She had difficulty writing a sentence and trouble with buttons.",
    "No evidence of atrophy. She does not have numbness, was not weak and cannot climb stairs.",
    "Decreased strength of the L quad 4-/5; sensory loss over the thigh; neurology consult placed.",
    "",
]


def _full_matcher(nlp, pipe: str):
    component = nlp.get_pipe(pipe)
    return component.matcher._TargetMatcher__matcher if pipe == "nerveflag_targets" else component.context._ConText__matcher


def _by_span(matches):
    """Matches in the order pruning sees them: by (start, end), equal spans as they came."""
    return sorted(matches, key=lambda m: (m[1], m[2]))


def _index(rules, literal: str) -> int:
    return next(i for i, r in enumerate(rules) if r.literal == literal)


@pytest.mark.parametrize("pipe", ["nerveflag_targets", "nerveflag_context"])
@pytest.mark.parametrize("text", TEXTS)
def test_all_rules_selected_gives_the_full_matchers_matches(nlp, pipe, text):
    full = _full_matcher(nlp, pipe)
    subset = SubsetMatcher(full).select(tuple(range(len(full.rules))))
    doc = nlp.make_doc(text)
    assert _by_span(subset(doc)) == _by_span(full(doc))


def test_rules_on_one_span_keep_the_full_matchers_order_not_rule_order(nlp):
    """"difficulty writing" is matched by a fine-task pattern (trailing optional tokens) and by a
    literal; spaCy's Matcher reports the later rule first, and so must the subset."""
    full = _full_matcher(nlp, "nerveflag_targets")
    doc = nlp.make_doc("She had difficulty writing a sentence.")
    fine_tasks, literal = _index(full.rules, "trouble with fine tasks"), _index(full.rules, "difficulty writing")
    assert fine_tasks < literal
    subset = SubsetMatcher(full).select((fine_tasks, literal))
    ids = {nlp.vocab.strings.add(full.rules[i]._rule_id): i for i in (fine_tasks, literal)}
    tied = [ids[key] for key, start, end in subset(doc) if doc[start:end].text == "difficulty writing"]
    assert tied == [literal, fine_tasks]
    assert _by_span(m for m in full(doc) if m[0] in ids) == _by_span(subset(doc))


def test_unselected_rules_are_not_run(nlp):
    full = _full_matcher(nlp, "nerveflag_targets")
    doc = nlp.make_doc("She had difficulty writing a sentence.")
    subset = SubsetMatcher(full).select(())
    pattern_keys = {nlp.vocab.strings.add(r._rule_id) for r in full.rules if isinstance(r.pattern, list)}
    assert not [m for m in subset(doc) if m[0] in pattern_keys]
    assert [m for m in full(doc) if m[0] in pattern_keys]
