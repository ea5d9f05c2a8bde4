import pandas as pd

from pipelines.features import FEATURES, feature_phrases, patient_features
from pipelines.rule import referral_rule
from pipelines.timeline import build_timeline, grade_trajectory
from tests.pipelines.helpers import mentions, notes


def features_of(n, m):
    t = build_timeline(n, m)
    traj = grade_trajectory(t, m)
    f = patient_features(t, referral_rule(n, m, t), traj)
    return f, feature_phrases(f, traj)


def cohort():
    n = notes(("a", "a-1", "2024-01-01", "PCP"), ("a", "a-2", "2024-01-20", "PT"), ("a", "a-3", "2024-02-10", "PT"),
              ("b", "b-1", "2024-01-01"), ("b", "b-2", "2024-01-05"), ("c", "c-1", "2024-03-01"))
    m = mentions(("a-1", "WEAKNESS", {"grade": "4+", "site": "quadriceps"}), ("a-1", "REFERRAL"),
                 ("a-2", "WEAKNESS", {"grade": "4-", "site": "quadriceps"}), ("a-2", "NUMBNESS"),
                 ("a-3", "WEAKNESS", {"grade": "2", "site": "quadriceps"}), ("a-3", "FUNCTIONAL_DECLINE"),
                 ("a-3", "NUMBNESS", {"uncertain": 1}), ("a-3", "ATROPHY", {"negated": 1}),
                 ("b-1", "ATROPHY"), ("b-2", "REFERRAL"))
    return features_of(n, m)


def test_counts_co_occurrence_and_grades():
    f, _ = cohort()
    assert list(f.columns) == list(FEATURES) and (f.dtypes == "float64").all()
    a = f.loc["a"]
    assert (a["n_visits"], a["span_days"], a["n_weakness"], a["visits_weakness"], a["visits_numbness"]) == (3, 40, 3, 3, 1)
    assert a["visits_weakness_and_numbness"] == 1 and a["visits_deficit_and_decline"] == 1
    assert a["min_grade"] == 2.0 and abs(a["grade_drop"] - 7 / 3) < 1e-9
    assert (a["n_uncertain"], a["n_negated"], a["n_atrophy"]) == (1, 1, 0)
    assert a["n_note_types"] == 2 and f.loc["c", "min_grade"] == 5.0


def test_time_without_referral_counts_from_the_flag_and_ignores_earlier_referrals():
    f, _ = cohort()
    # a: the referral on day 1 precedes the red flag (weakness+numbness on 2024-01-20) but not the first deficit
    assert f.loc["a", "rule_flag"] == 1 and f.loc["a", "days_flag_without_referral"] == 21 and f.loc["a", "visits_flag_without_referral"] == 2
    assert f.loc["a", "days_deficit_without_referral"] == 0 and f.loc["a", "visits_since_first_deficit"] == 3
    # b: atrophy, then referred 4 days later
    assert f.loc["b", "days_flag_without_referral"] == 0 and f.loc["b", "days_deficit_without_referral"] == 0
    assert f.loc["c"].drop(["n_visits", "min_grade", "n_note_types"]).eq(0).all()


def test_phrases_are_clinician_readable():
    f, words = cohort()
    assert words.loc["a", "grade_drop"] == "quadriceps grade fell 4+/5 -> 2/5"
    assert words.loc["a", "min_grade"] == "quadriceps grade down to 2/5"
    assert words.loc["a", "visits_weakness"] == "3 visits with weakness"
    assert words.loc["a", "days_flag_without_referral"] == "no referral for 21 days since the first red flag"
    assert words.loc["c", "visits_referral"] == "no referral documented"
    assert words.loc["c", "min_grade"] == "no strength grade below 5 recorded"
    assert words.shape == f.shape and (words != "").all().all()


def test_patient_with_one_note_and_no_mentions():
    f, words = features_of(notes(("z", "z-1", "2024-05-05")), mentions())
    assert f.loc["z", "n_visits"] == 1 and f.loc["z"].sum() == 7.0  # n_visits 1, min_grade 5, n_note_types 1
    assert words.loc["z", "grade_drop"] == "strength grade fell by 0 points"
    assert isinstance(f.index, pd.Index) and list(f.index) == ["z"]


def test_tied_grade_falls_are_named_the_same_whatever_the_row_order():
    n = notes(("t", "t-1", "2024-01-01"), ("t", "t-2", "2024-02-01"))
    rows = [("t-1", "WEAKNESS", {"grade": "4+", "site": "quadriceps"}), ("t-1", "WEAKNESS", {"grade": "4+", "site": "hip flexors"}),
            ("t-2", "WEAKNESS", {"grade": "4-", "site": "quadriceps"}), ("t-2", "WEAKNESS", {"grade": "4-", "site": "hip flexors"})]
    phrases = {features_of(n, mentions(*order))[1].loc["t", "grade_drop"] for order in (rows, rows[::-1], rows[1::2] + rows[::2])}
    assert phrases == {"hip flexors grade fell 4+/5 -> 4-/5"}
