import numpy as np
import pandas as pd
import pytest

from pipelines.delay import diagnostic_delay
from pipelines.rule import referral_rule
from pipelines.timeline import build_timeline, grade_trajectory, grade_value
from tests.pipelines.helpers import mentions, notes


def test_delay_referred_censored_and_unflagged():
    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-01-11"), ("b", "b-1", "2024-01-01"), ("b", "b-2", "2024-03-01"), ("c", "c-1", "2024-01-01"))
    m = mentions(("a-1", "ATROPHY"), ("a-2", "REFERRAL"), ("b-1", "ATROPHY"))
    t = build_timeline(n, m)
    d = diagnostic_delay(referral_rule(n, m, t), t).set_index("patient_id")
    assert d.loc["a", "delay_days"] == 10 and d.loc["a", "delay_censored"] == 0
    assert d.loc["b", "delay_days"] == 60 and d.loc["b", "delay_censored"] == 1
    assert np.isnan(d.loc["c", "delay_days"]) and d.loc["c", "delay_censored"] == 0
    assert d.loc["b", "n_notes"] == 2


def test_grade_order_and_trajectory():
    assert grade_value("4-") < grade_value("4") < grade_value("4+") < grade_value("5-")
    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-01-20"), ("a", "a-3", "2024-02-10"))
    m = mentions(("a-1", "WEAKNESS", {"grade": "4+", "site": "quadriceps"}), ("a-2", "WEAKNESS", {"grade": "4-", "site": "quadriceps"}),
                 ("a-3", "WEAKNESS", {"grade": "2", "site": "quadriceps"}), ("a-3", "WEAKNESS", {"grade": "3", "site": "quadriceps"}))
    t = build_timeline(n, m)
    assert list(t["min_grade_text"]) == ["4+", "4-", "2"]
    traj = grade_trajectory(t, m).iloc[0]
    assert traj["grades"] == "4+ -> 4- -> 2" and traj["drop"] > 2.3
    assert (traj["before_drop"], traj["after_drop"], traj["drop_date"]) == ("4+", "2", pd.Timestamp("2024-02-10"))


def test_grades_parse_in_mrc_order_and_junk_is_not_a_grade():
    order = ["0", "1", "2", "2+", "3-", "3", "3+", "4-", "4", "4+"]
    assert [grade_value(g) for g in order] == sorted(grade_value(g) for g in order)
    assert all(np.isnan(grade_value(g)) for g in ("", "4/5", "six", "7"))


def test_trajectory_is_per_site_not_only_the_worst_grade_of_each_visit():
    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-01-20"))
    m = mentions(("a-1", "WEAKNESS", {"grade": "4", "site": "quadriceps"}), ("a-1", "WEAKNESS", {"grade": "2", "site": "hip flexors"}),
                 ("a-2", "WEAKNESS", {"grade": "2", "site": "quadriceps"}), ("a-2", "WEAKNESS", {"grade": "3", "site": "hip flexors"}),
                 ("a-2", "WEAKNESS", {"grade": "1", "site": "quadriceps", "negated": 1}))
    traj = grade_trajectory(build_timeline(n, m), m).set_index("site")
    assert traj.loc["quadriceps", "grades"] == "4 -> 2" and traj.loc["quadriceps", "drop"] == 2.0
    assert traj.loc["hip flexors", "drop"] == 0.0 and traj.loc["hip flexors", "before_drop"] == ""


def test_same_date_notes_are_separate_visits_and_missing_dates_are_refused():
    n = notes(("a", "a-b", "2024-01-01"), ("a", "a-a", "2024-01-01"), ("b", "b-1", "2023-06-01"))
    t = build_timeline(n, mentions(("a-a", "REFERRAL")))
    assert t[["note_id", "visit_index", "has_referral"]].values.tolist() == [["a-a", 1, 1], ["a-b", 2, 0], ["b-1", 1, 0]]
    with pytest.raises(ValueError, match="1 duplicate note_id"):
        build_timeline(n.assign(note_id=["a-a", "a-a", "b-1"]), mentions())
    n.loc[1, "note_date"] = pd.NaT
    with pytest.raises(ValueError, match="1 note.s. with a missing note_date"):
        build_timeline(n, mentions())


def test_timeline_counts_present_and_asserted_separately():
    n = notes(("a", "a-1", "2024-01-01"))
    m = mentions(("a-1", "NUMBNESS"), ("a-1", "NUMBNESS", {"negated": 1}), ("a-1", "WEAKNESS", {"uncertain": 1}))
    row = build_timeline(n, m).iloc[0]
    assert row["n_numbness"] == 1 and row["n_negated"] == 1 and row["n_uncertain"] == 1 and row["n_weakness"] == 0
