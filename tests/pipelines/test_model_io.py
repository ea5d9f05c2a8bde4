import numpy as np
import pytest
import skops.io as sio

from pipelines.classifier import RiskClassifier
from pipelines.features import FEATURES
from pipelines.model_io import DEFAULT_MODEL, load_model, save_model


def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, len(FEATURES)))
    return RiskClassifier(estimator="logistic").fit(X, (X[:, 0] > 0).astype(int)), X  # boosting: the shipped model below


def test_round_trip_keeps_predictions_and_metadata(tmp_path):
    model, X = fitted()
    save_model(model, tmp_path / "m.skops", {"auroc": 0.9})
    bundle = load_model(tmp_path / "m.skops")
    assert np.allclose(bundle["model"].predict_proba(X), model.predict_proba(X))
    assert bundle["features"] == list(FEATURES) and bundle["metrics"]["auroc"] == 0.9
    assert "scikit-learn" in bundle["versions"] and bundle["threshold"] == model.threshold_


class Sneaky:
    """A type no model should contain."""


def test_untrusted_types_are_refused_unless_explicitly_trusted(tmp_path):
    sio.dump({"model": Sneaky(), "features": list(FEATURES)}, tmp_path / "bad.skops")
    with pytest.raises(ValueError, match="refusing to load untrusted types: tests.pipelines.test_model_io.Sneaky"):
        load_model(tmp_path / "bad.skops")
    bundle = load_model(tmp_path / "bad.skops", trusted=["tests.pipelines.test_model_io.Sneaky"])
    assert isinstance(bundle["model"], Sneaky)


def test_not_a_model_file(tmp_path):
    (tmp_path / "x.skops").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a skops model"):
        load_model(tmp_path / "x.skops")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent.skops")


def test_shipped_default_model_loads_with_its_validation_metrics():
    bundle = load_model(DEFAULT_MODEL)
    assert 0 < bundle["threshold"] < 1 and bundle["metrics"]["validation_sensitivity"] >= 0.95
    assert bundle["model"].n_features_in_ == len(FEATURES)
