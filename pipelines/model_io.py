"""Saving and loading risk models with skops (never pickle).

A model file holds a dict: the fitted RiskClassifier, its feature list, the decision
threshold, library versions and training metrics. Loading refuses any type outside
TRUSTED_TYPES (skops inspects the file without running it), so a model from an unknown
source cannot execute code; a caller who has audited a file may name extra types with
`trusted=`.
"""
from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

import skops.io as sio

from pipelines.classifier import RiskClassifier
from pipelines.features import FEATURES

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "default.skops"
TRUSTED_TYPES = {
    "pipelines.classifier.RiskClassifier",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
}


def save_model(model: RiskClassifier, path, metrics: dict | None = None) -> dict:
    """Write `model` with its metadata to `path` (.skops); returns the metadata."""
    meta = {
        "features": list(FEATURES),
        "threshold": float(model.threshold_),
        "versions": {pkg: version(pkg) for pkg in ("nerveflag", "scikit-learn", "numpy", "skops")},
        "metrics": {k: float(v) for k, v in (metrics or {}).items()},
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sio.dump({"model": model, **meta}, path)
    return meta


def load_model(path=DEFAULT_MODEL, trusted=()) -> dict:
    """The saved dict (model, features, threshold, versions, metrics).

    Refuses (ValueError, before anything is loaded) types outside TRUSTED_TYPES and `trusted`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as err:
        raise ValueError(f"{path}: not a skops model file ({type(err).__name__})") from None
    unexpected = sorted(untrusted - TRUSTED_TYPES - set(trusted))
    if unexpected:
        raise ValueError(f"{path}: refusing to load untrusted types: {', '.join(unexpected)}")
    bundle = sio.load(path, trusted=sorted(untrusted))
    if list(bundle.get("features", [])) != list(FEATURES):
        raise ValueError(f"{path}: model was trained on other features; retrain with `nerveflag train`")
    return bundle


def model_version(path) -> str:
    """Short content hash of a model file (for the store's pipeline version)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12] if path and Path(path).is_file() else "none"
