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
    assert p.loc["a", "reasons"].startswith("rule: weakness+numbness on 2024-02-01 (2024-02-01 WEAKNESS 'weakness'; "
                                            "2024-02-01 NUMBNESS 'numbness'), no referral since | quadriceps grade fell 4/5 -> 2/5 by 2024-02-01")
    assert 0 <= p.loc["a", "risk"] <= 1 and p.loc["a", "risk"] > p.loc["b", "risk"]
    assert p.loc["a", "delay_censored"] == 1 and p.loc["a", "n_notes"] == 2


def test_single_note_patient_without_mentions():
    p = score_patients(notes(("z", "z-1", "2024-05-05")), mentions())
    assert p.loc[0, "needs_referral"] == 0 and pd.isna(p.loc[0, "first_red_flag_date"])


def test_without_any_model_risk_is_nan_and_the_rule_decides(monkeypatch, tmp_path):
    monkeypatch.setattr("pipelines.score.DEFAULT_MODEL", tmp_path / "absent.skops")
    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-01-20"), ("b", "b-1", "2024-01-01"))
    m = mentions(("a-1", "NUMBNESS"), ("a-2", "NUMBNESS"), ("b-1", "WEAKNESS"))
    p = score_patients(n, m).set_index("patient_id")
    assert p["risk"].isna().all() and p["needs_referral"].tolist() == p["rule_flag"].tolist() == [1, 0]
    assert p.loc["a", "reasons"] == "rule: two_week_rule on 2024-01-20 (2024-01-01 NUMBNESS 'numbness'; 2024-01-20 NUMBNESS 'numbness'), no referral since"
    assert p.loc["b", "reasons"] == "" and p.loc["a", "delay_days"] == 0 and p.loc["a", "delay_censored"] == 1


def test_model_given_as_a_path_and_referred_patients_say_when(tmp_path):
    from pathlib import Path

    from pipelines.model_io import DEFAULT_MODEL

    n = notes(("a", "a-1", "2024-01-01"), ("a", "a-2", "2024-01-09"))
    p = score_patients(n, mentions(("a-1", "ATROPHY"), ("a-2", "REFERRAL")), model=Path(DEFAULT_MODEL))
    assert p.loc[0, "reasons"].startswith("rule: atrophy on 2024-01-01 (2024-01-01 ATROPHY 'atrophy'), referred 2024-01-09")
    assert p.loc[0, "needs_referral"] == 0 and p.loc[0, "delay_days"] == 8 and 0 <= p.loc[0, "risk"] < 0.5
