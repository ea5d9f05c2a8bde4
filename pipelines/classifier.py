"""Missed-nerve-injury risk: a calibrated scikit-learn classifier over patient features.

`RiskClassifier` follows scikit-learn conventions (parameters stored in __init__, `fit`
returns self, learned attributes end in `_`, `predict_proba`). It wraps a Pipeline
(impute -> scale -> logistic regression, balanced classes) calibrated with
CalibratedClassifierCV, picks a decision threshold on out-of-fold (validation)
predictions so that sensitivity is at least `min_sensitivity`, and records the
validation AUROC, sensitivity and specificity at that threshold in `validation_`.
`explain` names the features that pushed a patient's risk up (coefficient x standardised
value of a model fitted on all data), in the words of `pipelines.features.feature_phrases`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data


def _base(C: float) -> Pipeline:
    return Pipeline([
        ("impute", SimpleImputer(strategy="median")),
        ("scale", StandardScaler()),
        ("model", LogisticRegression(C=C, class_weight="balanced", max_iter=1000)),
    ])


def threshold_for_sensitivity(y_true, scores, min_sensitivity: float) -> float:
    """The highest score threshold whose sensitivity is at least `min_sensitivity`."""
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    positives = np.sort(scores[y_true == 1])[::-1]
    if not len(positives):
        return 0.5
    k = int(np.ceil(min_sensitivity * len(positives)))
    return float(positives[min(k, len(positives)) - 1])


class RiskClassifier(ClassifierMixin, BaseEstimator):
    """Calibrated logistic-regression risk with a sensitivity-targeted threshold."""

    def __init__(self, C: float = 1.0, calibration: str = "sigmoid", cv: int = 3, min_sensitivity: float = 0.95):
        self.C = C
        self.calibration = calibration
        self.cv = cv
        self.min_sensitivity = min_sensitivity

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y):
        X, y = validate_data(self, X, y)
        self.classes_ = unique_labels(y)
        if len(self.classes_) != 2:
            raise ValueError(f"Only binary classification is supported; got {len(self.classes_)} classes")
        smallest = int(np.bincount(np.searchsorted(self.classes_, y)).min())
        if smallest < 2:
            raise ValueError("RiskClassifier needs at least 2 examples of each class")
        n_splits = min(self.cv, smallest)
        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
        self.calibrated_ = CalibratedClassifierCV(_base(self.C), method=self.calibration, cv=folds).fit(X, y)
        self.explainer_ = _base(self.C).fit(X, y)
        inner = min(self.cv, smallest - int(np.ceil(smallest / n_splits)))
        if inner >= 2:
            scores = cross_val_predict(
                CalibratedClassifierCV(_base(self.C), method=self.calibration, cv=inner), X, y, cv=folds, method="predict_proba"
            )[:, 1]
        else:  # too few examples for out-of-fold scores: fall back to in-sample
            scores = self.calibrated_.predict_proba(X)[:, 1]
        positive = y == self.classes_[1]
        self.threshold_ = threshold_for_sensitivity(positive, scores, self.min_sensitivity)
        flagged = scores >= self.threshold_
        self.validation_ = {
            "out_of_fold": float(inner >= 2), "auroc": float(roc_auc_score(positive, scores)),
            "sensitivity": float(flagged[positive].mean()), "specificity": float((~flagged[~positive]).mean()),
        }
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.calibrated_.predict_proba(X)

    def predict(self, X):
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def flag(self, X) -> np.ndarray:
        """True where the risk reaches the sensitivity-targeted threshold (`threshold_`)."""
        return self.predict_proba(X)[:, 1] >= self.threshold_

    def contributions(self, X) -> np.ndarray:
        """Per patient and feature, the push on the log-odds of risk (coefficient x standardised value)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        imputed = self.explainer_.named_steps["impute"].transform(X)
        scaled = self.explainer_.named_steps["scale"].transform(imputed)
        return scaled * self.explainer_.named_steps["model"].coef_[0]


def explain(model: RiskClassifier, features: pd.DataFrame, phrases: pd.DataFrame, top: int = 3) -> list[str]:
    """Per patient (row of `features`), the phrases of the up to `top` features that pushed risk up most, "; "-joined."""
    contributions = model.contributions(features.to_numpy())
    words = phrases.reindex(index=features.index, columns=features.columns).to_numpy()
    out = []
    for row, text in zip(contributions, words):
        order = [i for i in np.argsort(row)[::-1][:top] if row[i] > 0 and text[i]]
        out.append("; ".join(text[i] for i in order))
    return out
