import pandas as pd

from pipelines.schemas import PATIENTS
from pipelines.score import score_patients
from tests.pipelines.helpers import mentions, notes


def test_score_output_schema_reasons_and_every_patient():
    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-02-01"), ("b", "b-1", "2024-01-01"))
    m = mentions(("a-1", "WEAKNESS", {"grade": "4", "site": "quadriceps"}), ("a-2", "WEAKNESS", {"grade": "2", "site": "quadriceps"}),
                 ("a-2", "NUMBNESS"))
    p = score_patients(n, m).set_index("patient_id")
    assert list(p.reset_index().columns) == list(PATIENTS)
    assert p.loc["a", "needs_referral"] == 1 and p.loc["b", "needs_referral"] == 0
    assert "rule: two_week_rule" in p.loc["a", "reasons"] or "rule: weakness+numbness" in p.loc["a", "reasons"]
    assert "quadriceps grade 4 -> 2" in p.loc["a", "reasons"]
    assert 0 <= p.loc["a", "risk"] <= 1 and p.loc["a", "risk"] > p.loc["b", "risk"]
    assert p.loc["a", "delay_censored"] == 1 and p.loc["a", "n_notes"] == 2


def test_single_note_patient_without_mentions():
    p = score_patients(notes(("z", "z-1", "2024-05-05")), mentions())
    assert p.loc[0, "needs_referral"] == 0 and pd.isna(p.loc[0, "first_red_flag_date"])
