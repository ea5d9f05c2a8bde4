"""The worklist: only patients needing referral, highest risk first, quoted evidence with dates."""
import numpy as np
import pandas as pd

from pipelines.outputs.worklist import COLUMNS, MAX_EVIDENCE, build_worklist
from pipelines.schemas import PATIENTS, conform
from tests.pipelines.helpers import mentions


def patients(*rows) -> pd.DataFrame:
    """rows: (patient_id, needs_referral, risk, delay_days)."""
    return conform(pd.DataFrame([{"patient_id": p, "needs_referral": n, "rule_flag": n, "risk": r, "reasons": "why",
                                  "first_red_flag_date": "2024-01-01", "first_referral_date": None, "delay_days": d,
                                  "delay_censored": 1, "n_notes": 2, "first_note_date": "2024-01-01", "last_note_date": "2024-02-01"}
                                 for p, n, r, d in rows]), PATIENTS)


def test_order_is_risk_then_delay_and_only_patients_needing_referral():
    p = patients(("low", 1, 0.2, 90.0), ("no", 0, 0.99, 5.0), ("high", 1, 0.9, 3.0), ("tie", 1, 0.9, 30.0), ("norisk", 1, np.nan, 400.0))
    wl = build_worklist(p, mentions(("high-1", "WEAKNESS")))
    assert list(wl.columns) == COLUMNS
    assert wl["patient_id"].tolist() == ["tie", "high", "low", "norisk"]


def test_evidence_quotes_present_findings_with_dates_and_offsets():
    m = mentions(("high-2", "NUMBNESS"), ("high-1", "WEAKNESS", {"text": "quad\n 4-/5", "grade": "4-"}),
                 ("high-1", "ATROPHY", {"negated": 1}))
    m.loc[m["note_id"] == "high-2", "note_date"] = pd.Timestamp("2024-02-01")
    wl = build_worklist(patients(("high", 1, 0.9, 3.0), ("none", 1, 0.5, 1.0)), m).set_index("patient_id")
    assert wl.loc["high", "evidence"] == "2024-01-01 WEAKNESS 'quad 4-/5' (note high-1 1-2); 2024-02-01 NUMBNESS 'numbness' (note high-2 0-1)"
    assert wl.loc["none", "evidence"] == ""  # flagged by risk alone: no present finding to quote


def test_evidence_is_capped():
    m = mentions(*[("a-1", "WEAKNESS")] * (MAX_EVIDENCE + 3))
    wl = build_worklist(patients(("a", 1, 0.9, 3.0)), m)
    assert wl.loc[0, "evidence"].count("WEAKNESS") == MAX_EVIDENCE and wl.loc[0, "evidence"].endswith("+3 more")


def test_empty_inputs_give_an_empty_worklist_with_the_columns():
    wl = build_worklist(patients(("a", 0, 0.1, 3.0)), mentions())
    assert wl.empty and list(wl.columns) == COLUMNS
