"""Training the risk model from notes, mentions and patient labels."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from pipelines.classifier import RiskClassifier
from pipelines.features import patient_features
from pipelines.model_io import save_model
from pipelines.rule import referral_rule
from pipelines.timeline import build_timeline, grade_trajectory

#: Below this out-of-fold AUROC, `train_model` warns that the model hardly ranks patients.
WEAK_AUROC = 0.7


def labelled_features(notes: pd.DataFrame, mentions: pd.DataFrame, labels: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Features and 0/1 labels for patients in both notes and labels, with counts of the rest.

    counts: patients (used), unknown_label_patients (labelled but not in the notes),
    unlabelled_patients (in the notes with no label, or a blank one). A label other than
    0/1 is a ValueError.
    """
    if not {"patient_id", "needs_referral"} <= set(labels.columns):
        raise ValueError("labels: need columns patient_id, needs_referral")
    timeline = build_timeline(notes, mentions)
    rule = referral_rule(notes, mentions, timeline)
    features = patient_features(timeline, rule, grade_trajectory(timeline, mentions))
    y = pd.to_numeric(labels["needs_referral"], errors="coerce")
    bad = labels["needs_referral"].notna() & ~y.isin([0, 1])
    if bad.any():
        raise ValueError(f"labels: needs_referral must be 0 or 1 ({int(bad.sum())} row(s) are not)")
    y = y.set_axis(labels["patient_id"].astype(str)).dropna()
    y = y[~y.index.duplicated()]
    known = features.index.intersection(y.index)
    counts = {"patients": len(known), "unknown_label_patients": int((~y.index.isin(features.index)).sum()),
              "unlabelled_patients": int((~features.index.isin(y.index)).sum())}
    return features.loc[known], y.loc[known].astype(int).to_numpy(), counts


def train_model(notes, mentions, labels, output, estimator: str = "boosting") -> list[str]:
    """Fit a RiskClassifier, measure it (out-of-fold validation and in-sample), save with metadata; returns report lines."""
    X, y, counts = labelled_features(notes, mentions, labels)
    model = RiskClassifier(estimator=estimator).fit(X.to_numpy(), y)
    risk = model.predict_proba(X.to_numpy())[:, 1]
    flagged = risk >= model.threshold_
    metrics = {
        "n_patients": len(y), "n_positive": int(y.sum()), "threshold": model.threshold_,
        **{f"validation_{k}": v for k, v in model.validation_.items()},
        "train_auroc": roc_auc_score(y, risk),
        "train_sensitivity": float(flagged[y == 1].mean()),
        "train_specificity": float((~flagged[y == 0]).mean()),
    }
    save_model(model, output, metrics)
    lines = [] if metrics["validation_auroc"] >= WEAK_AUROC else [
        f"warning: out-of-fold AUROC {metrics['validation_auroc']:.3f} is below {WEAK_AUROC}: the model barely ranks patients; "
        "label more patients (both classes) before relying on its risk"]
    return lines + [f"trained on {counts['patients']} patients ({int(y.sum())} positive); "
            f"{counts['unknown_label_patients']} labels for unknown patients ignored; "
            f"{counts['unlabelled_patients']} patients without a label left out",
            ", ".join(f"{k} {v:.3f}" for k, v in metrics.items() if isinstance(v, float)),
            f"model -> {output}"]
