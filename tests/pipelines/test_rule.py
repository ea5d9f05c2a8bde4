import pandas as pd
import pytest

from pipelines.rule import referral_rule
from tests.pipelines.helpers import mentions, notes


def verdict(n, m):
    return referral_rule(n, m).set_index("patient_id")


def test_atrophy_alone_is_a_red_flag():
    r = verdict(notes(("a", "a-1", "2024-01-01")), mentions(("a-1", "ATROPHY")))
    assert r.loc["a", "rule_flag"] == 1 and r.loc["a", "criterion"] == "atrophy"
    assert "a-1:0-1:ATROPHY" in r.loc["a", "evidence"]


def test_weakness_and_numbness_same_visit():
    r = verdict(notes(("a", "a-1", "2024-01-01")), mentions(("a-1", "WEAKNESS"), ("a-1", "NUMBNESS")))
    assert r.loc["a", "criterion"] == "weakness+numbness"


@pytest.mark.parametrize("label, criterion", [("PROGRESSION", "deficit+progression"), ("FUNCTIONAL_DECLINE", "deficit+functional_decline")])
def test_deficit_with_progression_or_decline(label, criterion):
    r = verdict(notes(("a", "a-1", "2024-01-01")), mentions(("a-1", "NUMBNESS"), ("a-1", label)))
    assert r.loc["a", "criterion"] == criterion


def test_progression_without_deficit_is_not_a_flag():
    r = verdict(notes(("a", "a-1", "2024-01-01")), mentions(("a-1", "PROGRESSION"), ("a-1", "FUNCTIONAL_DECLINE")))
    assert r.loc["a", "rule_flag"] == 0 and r.loc["a", "criterion"] == ""


def test_two_week_rule_counts_days_from_first_deficit():
    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-01-14"), ("a", "a-3", "2024-01-15"))
    r = verdict(n, mentions(("a-1", "WEAKNESS"), ("a-2", "WEAKNESS"), ("a-3", "WEAKNESS")))
    assert r.loc["a", "criterion"] == "third_visit_rule"  # day 14 is visit 2 -> 13 days; visit 3 is the 3rd deficit visit
    n = notes(("b", "b-1", "2024-01-01"), ("b", "b-2", "2024-01-15"))
    r = verdict(n, mentions(("b-1", "NUMBNESS"), ("b-2", "NUMBNESS")))
    assert r.loc["b", "criterion"] == "two_week_rule"
    assert r.loc["b", "first_red_flag_date"] == pd.Timestamp("2024-01-15")


def test_only_present_mentions_count():
    attrs = [{"negated": 1}, {"uncertain": 1}, {"historical": 1}, {"hypothetical": 1}, {"family": 1}]
    n = notes(("a", "a-1", "2024-01-01"))
    for a in attrs:
        assert verdict(n, mentions(("a-1", "ATROPHY", a))).loc["a", "rule_flag"] == 0


def test_referral_on_or_after_the_flag_clears_it_but_not_before():
    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-02-01"))
    before = verdict(n, mentions(("a-1", "REFERRAL"), ("a-2", "ATROPHY")))
    assert before.loc["a", "rule_flag"] == 1 and pd.isna(before.loc["a", "first_referral_date"])
    after = verdict(n, mentions(("a-1", "ATROPHY"), ("a-2", "REFERRAL")))
    assert after.loc["a", "rule_flag"] == 0 and after.loc["a", "first_referral_date"] == pd.Timestamp("2024-02-01")


def test_same_date_referral_in_an_earlier_note_counts():
    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-01-01"))
    r = verdict(n, mentions(("a-1", "REFERRAL"), ("a-2", "ATROPHY")))
    assert r.loc["a", "rule_flag"] == 0


def test_notes_out_of_order_and_patients_without_mentions():
    n = notes(("a", "a-2", "2024-02-01"), ("a", "a-1", "2024-01-01"), ("z", "z-1", "2024-01-01"))
    r = verdict(n, mentions(("a-2", "NUMBNESS"), ("a-1", "NUMBNESS")))
    assert r.loc["a", "criterion"] == "two_week_rule" and r.loc["a", "first_red_flag_note_id"] == "a-2"
    assert r.loc["z", "rule_flag"] == 0


def test_missing_dates_are_refused():
    n = notes(("a", "a-1", "2024-01-01"))
    n.loc[0, "note_date"] = pd.NaT
    with pytest.raises(ValueError, match="missing note_date"):
        referral_rule(n, mentions())


def test_same_date_notes_are_separate_visits_for_the_third_visit_rule():
    n = notes(("a", "a-2", "2024-01-02"), ("a", "a-1", "2024-01-02"), ("a", "a-0", "2024-01-01"))
    r = verdict(n, mentions(("a-0", "WEAKNESS"), ("a-1", "WEAKNESS"), ("a-2", "WEAKNESS")))
    assert r.loc["a", "criterion"] == "third_visit_rule" and r.loc["a", "first_red_flag_note_id"] == "a-2"
    assert r.loc["a", "evidence"] == "a-0:0-1:WEAKNESS; a-1:1-2:WEAKNESS; a-2:2-3:WEAKNESS"


def test_two_week_evidence_names_the_first_deficit_visit_and_the_flag_visit():
    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-01-10"), ("a", "a-3", "2024-01-20"))
    r = verdict(n, mentions(("a-1", "NUMBNESS"), ("a-1", "REFERRAL"), ("a-3", "WEAKNESS"), ("a-3", "PROGRESSION", {"negated": 1})))
    assert r.loc["a", "criterion"] == "two_week_rule" and r.loc["a", "first_red_flag_date"] == pd.Timestamp("2024-01-20")
    assert r.loc["a", "evidence"] == "a-1:0-1:NUMBNESS; a-3:2-3:WEAKNESS"
    assert r.loc["a", "rule_flag"] == 1  # the referral on day 1 came before the red flag


def test_weakness_at_one_early_visit_is_not_yet_a_flag():
    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-01-05"))
    r = verdict(n, mentions(("a-1", "WEAKNESS"), ("a-2", "WEAKNESS", {"uncertain": 1}), ("a-2", "NUMBNESS", {"family": 1})))
    assert r.loc["a", "rule_flag"] == 0 and r.loc["a", "criterion"] == "" and r.loc["a", "evidence"] == ""
    assert pd.isna(r.loc["a", "first_red_flag_date"])


def test_referral_at_the_flag_visit_clears_it():
    r = verdict(notes(("a", "a-1", "2024-01-01")), mentions(("a-1", "WEAKNESS"), ("a-1", "NUMBNESS"), ("a-1", "REFERRAL")))
    assert r.loc["a", "rule_flag"] == 0 and r.loc["a", "first_referral_note_id"] == "a-1"


def test_mentions_of_unknown_notes_are_ignored_and_missing_columns_named():
    r = verdict(notes(("a", "a-1", "2024-01-01")), mentions(("x-9", "ATROPHY")))
    assert list(r.index) == ["a"] and r.loc["a", "rule_flag"] == 0
    with pytest.raises(ValueError, match="mentions: missing column"):
        referral_rule(notes(("a", "a-1", "2024-01-01")), mentions(("a-1", "ATROPHY")).drop(columns=["negated"]))


def test_no_notes_gives_an_empty_table():
    r = referral_rule(notes(("a", "a-1", "2024-01-01")).iloc[:0], mentions())
    assert len(r) == 0 and list(r.columns)[:3] == ["patient_id", "rule_flag", "criterion"]
