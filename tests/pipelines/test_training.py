import pandas as pd
import pytest

from pipelines.features import FEATURES
from pipelines.training import labelled_features, train_model
from tests.pipelines.helpers import mentions, notes

NOTES = notes(("a", "a-1", "2024-01-01"), ("b", "b-1", "2024-01-01"), ("c", "c-1", "2024-01-01"))
MENTIONS = mentions(("a-1", "ATROPHY"))


def test_unknown_and_unlabelled_patients_are_counted_not_fatal():
    labels = pd.DataFrame({"patient_id": ["a", "b", "ghost", "a"], "needs_referral": [1, 0, 1, 1]})
    X, y, counts = labelled_features(NOTES, MENTIONS, labels)
    assert list(X.index) == ["a", "b"] and y.tolist() == [1, 0] and list(X.columns) == list(FEATURES)
    assert counts == {"patients": 2, "unknown_label_patients": 1, "unlabelled_patients": 1}


def test_blank_labels_are_unlabelled_and_other_values_refused():
    X, y, counts = labelled_features(NOTES, MENTIONS, pd.DataFrame({"patient_id": ["a", "b"], "needs_referral": [1, None]}))
    assert list(X.index) == ["a"] and counts["unlabelled_patients"] == 2
    with pytest.raises(ValueError, match="needs_referral must be 0 or 1 .1 row"):
        labelled_features(NOTES, MENTIONS, pd.DataFrame({"patient_id": ["a", "b"], "needs_referral": [1, "yes"]}))
    with pytest.raises(ValueError, match="labels: need columns"):
        labelled_features(NOTES, MENTIONS, pd.DataFrame({"patient_id": ["a"]}))


def test_a_model_that_cannot_rank_patients_is_reported(tmp_path):
    ids = [f"p{i}" for i in range(12)]
    same = notes(*[(p, f"{p}-1", "2024-01-01") for p in ids])
    findings = mentions(*[(f"{p}-1", "NUMBNESS") for p in ids])
    labels = pd.DataFrame({"patient_id": ids, "needs_referral": [i % 2 for i in range(12)]})  # identical patients, arbitrary labels
    lines = train_model(same, findings, labels, tmp_path / "m.skops", estimator="logistic")
    assert lines[0].startswith("warning: out-of-fold AUROC") and (tmp_path / "m.skops").is_file()
