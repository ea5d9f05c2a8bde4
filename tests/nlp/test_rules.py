import json

import pytest

from nlp import rules
from nlp.anchors import anchor_regex
from pipelines.schemas import LABELS


def test_every_resource_file_loads_and_is_versioned():
    for name in rules.RULE_FILES:
        data = rules.load_resource(name)
        assert data.get("version"), name
    assert len(rules.rules_version()) == 12


def test_target_rules_cover_the_six_labels():
    labels = {r.category for r in rules.target_rules()}
    assert set(LABELS) <= labels
    assert labels - set(LABELS) == {"EXCLUDE"}


def test_every_target_rule_has_an_anchor(nlp):
    regex = anchor_regex(nlp, rules.target_rules())
    assert regex.search("quad 4-/5") and regex.search("NUMBNESS")


def test_unknown_vocabulary_reference_is_a_clear_error(monkeypatch):
    data = json.loads(json.dumps(rules.load_resource("target_rules.json")))
    data["rules"].append({"label": "WEAKNESS", "pattern": [{"LOWER": {"IN": "$NOPE"}}]})
    monkeypatch.setattr(rules, "load_resource", lambda name: data)
    with pytest.raises(ValueError, match="unknown vocabulary list '\\$NOPE'"):
        rules.target_rules()


def test_rule_without_literals_or_pattern_is_rejected(monkeypatch):
    data = {"rules": [{"label": "WEAKNESS"}]}
    monkeypatch.setattr(rules, "load_resource", lambda name: data)
    with pytest.raises(ValueError, match="needs `literals` or `pattern`"):
        rules.target_rules()


def test_duplicate_context_literal_in_one_category_is_rejected(monkeypatch):
    data = {"include_medspacy_defaults": False, "rules": [
        {"category": "NEGATED_EXISTENCE", "direction": "FORWARD", "literals": ["denies"]},
        {"category": "NEGATED_EXISTENCE", "direction": "BACKWARD", "literals": ["denies"]},
    ]}
    monkeypatch.setattr(rules, "load_resource", lambda name: data)
    with pytest.raises(ValueError, match="already in rule 0"):
        rules.context_rules()


def test_every_terminator_has_a_narrow_scope():
    terminators = [r for r in rules.context_rules() if r.direction.upper() == "TERMINATE"]
    assert terminators
    assert all(r.max_scope for r in terminators)


def test_a_terminator_ends_a_scope_it_lies_inside(nlp):
    # medspaCy's overlap test missed a sentence-wide terminator scope holding "suspect"'s whole scope.
    doc = nlp("Suspect peroneal palsy in light of foot drop and numbness.")
    found = {e.text: e._.is_uncertain for e in doc.ents}
    assert found == {"foot drop": False, "numbness": False}


def test_vocabulary_references_expand_inside_a_word_list(monkeypatch):
    data = {"vocabulary": {"LOSE": ["lost", "losing"]},
            "rules": [{"label": "ATROPHY", "name": "mixed", "pattern": [{"LOWER": {"IN": ["$LOSE", "shed", "lost"]}}, {"LOWER": "bulk"}]}]}
    monkeypatch.setattr(rules, "load_resource", lambda name: data)
    [rule] = rules.target_rules()
    assert rule.pattern[0] == {"LOWER": {"IN": ["lost", "losing", "shed"]}}


def test_unknown_reference_inside_a_word_list_is_a_clear_error(monkeypatch):
    data = {"rules": [{"label": "ATROPHY", "pattern": [{"LOWER": {"IN": ["$NOPE", "shed"]}}]}]}
    monkeypatch.setattr(rules, "load_resource", lambda name: data)
    with pytest.raises(ValueError, match="unknown vocabulary list '\\$NOPE'"):
        rules.target_rules()


def test_every_exclude_rule_and_context_rule_has_a_bounded_reach(nlp):
    # An unbounded one (OP "*" or "+") makes the fast path tokenize whole notes (nlp/windows.py).
    from nlp.windows import rule_reach

    bounded = [r for r in rules.target_rules(nlp.tokenizer) if r.category == "EXCLUDE"] + rules.context_rules(nlp.tokenizer)
    assert [r.literal for r in bounded if rule_reach(nlp, r) is None] == []
