import numpy as np
import pandas as pd
import pytest

from pipelines.audit import audit_estimates, review_sample, wilson_interval
from pipelines.survival import delay_observations, kaplan_meier, median_time


def test_kaplan_meier_matches_a_hand_computed_curve():
    # times 2,3(censored),4,4,6 ; events at 2, 4 (x2), 6
    curve = kaplan_meier([2, 3, 4, 4, 6], [1, 0, 1, 1, 1])
    s = dict(zip(curve["time"], curve["survival"]))
    assert s[2] == pytest.approx(0.8)
    assert s[3] == pytest.approx(0.8)
    assert s[4] == pytest.approx(0.8 * (1 - 2 / 3))
    assert s[6] == pytest.approx(0.0)
    assert (curve["lower"] <= curve["survival"]).all() and (curve["survival"] <= curve["upper"]).all()
    assert median_time(curve)["median"] == 4


def test_all_censored_never_reaches_a_median():
    curve = kaplan_meier([5, 10], [0, 0])
    assert curve["survival"].iloc[-1] == 1.0 and np.isnan(median_time(curve)["median"])


def test_delay_observations_keep_only_flagged_patients():
    p = pd.DataFrame({"first_red_flag_date": [pd.Timestamp("2024-01-01"), pd.NaT], "delay_days": [10.0, np.nan],
                      "delay_censored": [1, 0], "site": ["quad", "x"]})
    obs = delay_observations(p, by="site")
    assert obs.to_dict("records") == [{"duration": 10.0, "event": 0, "group": "quad"}]


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-3) and hi == pytest.approx(0.9433, abs=1e-3)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_review_sample_and_estimates():
    patients = pd.DataFrame({"patient_id": [str(i) for i in range(40)], "needs_referral": [1] * 10 + [0] * 30})
    sample = review_sample(patients, 5, 100, seed=1)
    assert (sample["stratum"] == "flagged").sum() == 5 and (sample["stratum"] == "unflagged").sum() == 30
    assert sample.equals(review_sample(patients, 5, 100, seed=1))
    sample["reviewer_needs_referral"] = [1, 1, 1, 1, 0] + [0] * 29 + [1]
    est = audit_estimates(sample).set_index("measure")
    assert est.loc["precision", "estimate"] == 0.8 and est.loc["missed-flag rate", "needing_referral"] == 1
