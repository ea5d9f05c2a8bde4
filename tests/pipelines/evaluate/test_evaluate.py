import pandas as pd
import pytest

from pipelines.evaluate.mentions import evaluate_mentions
from pipelines.evaluate.patients import format_metrics, patient_metrics
from tests.pipelines.helpers import mentions


def spans(rows):
    m = mentions(*[(r[0], r[1], r[4] if len(r) > 4 else {}) for r in rows])
    m["start"] = [r[2] for r in rows]
    m["end"] = [r[3] for r in rows]
    return m


def test_strict_vs_lenient_matching_and_attributes():
    gold = spans([("a-1", "WEAKNESS", 0, 9), ("a-1", "NUMBNESS", 20, 28, {"negated": 1}), ("a-2", "ATROPHY", 0, 7)])
    pred = spans([("a-1", "WEAKNESS", 5, 9), ("a-1", "NUMBNESS", 20, 28, {"negated": 1}), ("a-1", "REFERRAL", 40, 43)])
    r = evaluate_mentions(gold, pred)
    assert r["strict"]["WEAKNESS"]["tp"] == 0 and r["lenient"]["WEAKNESS"]["tp"] == 1
    assert r["lenient"]["ALL (micro)"] == pytest.approx({"tp": 2, "fp": 1, "fn": 1, "precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3})
    assert r["attributes"]["negated"]["f1"] == 1.0


def test_patient_metrics_on_a_known_confusion_matrix():
    gold = pd.DataFrame({"patient_id": list("abcdef"), "needs_referral": [1, 1, 1, 0, 0, 0], "delay_days": [10, 20, None, None, None, None]})
    pred = pd.DataFrame({"patient_id": list("abcdeg"), "needs_referral": [1, 1, 0, 1, 0, 0], "risk": [0.9, 0.8, 0.3, 0.7, 0.1, 0.2],
                         "delay_days": [12, 20, None, None, None, None]})
    m = patient_metrics(gold, pred)
    assert (m["tp"], m["fp"], m["tn"], m["fn"]) == (2, 1, 1, 1)
    assert m["sensitivity"] == pytest.approx(2 / 3) and m["specificity"] == 0.5 and m["ppv"] == pytest.approx(2 / 3)
    assert m["only_in_gold"] == 1 and m["only_in_pred"] == 1
    assert m["delay_mae_days"] == 1.0 and m["auroc"] == pytest.approx(5 / 6)


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="pred: missing column"):
        patient_metrics(pd.DataFrame({"patient_id": ["a"], "needs_referral": [1]}), pd.DataFrame({"patient_id": ["a"]}))


def test_auroc_uses_patients_with_a_risk_and_bad_labels_are_refused():
    gold = pd.DataFrame({"patient_id": ["a", "b", "c"], "needs_referral": [1, 0, 0]})
    pred = pd.DataFrame({"patient_id": ["a", "b", "c"], "needs_referral": [1, 0, 1], "risk": [0.9, 0.2, float("nan")]})
    m = patient_metrics(gold, pred)
    assert m["auroc"] == 1.0 and m["auroc_n"] == 2 and m["delay_n"] == 0
    assert "auroc        1.000 over 2 patients with a risk" in format_metrics(m)
    with pytest.raises(ValueError, match="gold: needs_referral must be 0 or 1"):
        patient_metrics(gold.assign(needs_referral=[1, 2, None]), pred)
