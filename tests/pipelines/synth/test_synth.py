import pandas as pd
import pytest

from pipelines.rule import referral_rule
from pipelines.synth import generate_cohort, write_cohort
from pipelines.synth.cohort import CATEGORIES, NOTE_TYPES


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(200, 3)


def test_deterministic_for_a_seed(tmp_path):
    write_cohort(15, 5, tmp_path / "a")
    write_cohort(15, 5, tmp_path / "b")
    write_cohort(15, 6, tmp_path / "c")
    for name in ("notes.csv", "mentions.csv", "patients.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "notes.csv").read_bytes() != (tmp_path / "c" / "notes.csv").read_bytes()


def test_offsets_are_exact(cohort):
    notes, mentions, _ = cohort
    text = notes.set_index("note_id")["text"]
    assert all(text[m.note_id][m.start:m.end] == m.text for m in mentions.itertuples())


def test_every_category_note_type_and_attribute_appears(cohort):
    notes, mentions, patients = cohort
    assert set(patients["category"]) == set(CATEGORIES)
    assert set(notes["note_type"]) == set(NOTE_TYPES)
    for attr in ("negated", "uncertain", "historical", "hypothetical", "family"):
        assert mentions[attr].sum() > 0, attr
    assert set(mentions["label"]) == {"ATROPHY", "WEAKNESS", "NUMBNESS", "PROGRESSION", "FUNCTIONAL_DECLINE", "REFERRAL"}


def test_labels_are_the_rule_on_gold_mentions(cohort):
    notes, mentions, patients = cohort
    rule = referral_rule(notes, mentions).set_index("patient_id")["rule_flag"]
    assert (patients.set_index("patient_id")["needs_referral"] == rule.reindex(patients["patient_id"])).all()
    assert 0.1 < patients["needs_referral"].mean() < 0.6


def test_extractor_recovers_generated_mentions(cohort):
    """The generator's phrasing is scored by the extractor: lenient micro F1 on 200 patients."""
    from nlp import extract_mentions
    from pipelines.evaluate.mentions import evaluate_mentions

    notes, mentions, _ = cohort
    result = evaluate_mentions(mentions, extract_mentions(notes))
    assert result["lenient"]["ALL (micro)"]["f1"] >= 0.95


@pytest.mark.parametrize("n", [0, -3])
def test_bad_patient_count(n):
    with pytest.raises(ValueError, match="at least 1"):
        generate_cohort(n, 1)
