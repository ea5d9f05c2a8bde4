"""Training the risk model from notes, mentions and patient labels."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from pipelines.classifier import RiskClassifier
from pipelines.features import patient_features
from pipelines.model_io import save_model
from pipelines.rule import referral_rule
from pipelines.timeline import build_timeline


def labelled_features(notes: pd.DataFrame, mentions: pd.DataFrame, labels: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Features and labels for patients present in both notes and labels, with counts of the rest."""
    if not {"patient_id", "needs_referral"} <= set(labels.columns):
        raise ValueError("labels: need columns patient_id, needs_referral")
    timeline = build_timeline(notes, mentions)
    features = patient_features(timeline, referral_rule(notes, mentions, timeline))
    y = labels.assign(patient_id=labels["patient_id"].astype(str)).drop_duplicates("patient_id").set_index("patient_id")["needs_referral"]
    known = features.index.intersection(y.index)
    counts = {"unknown_label_patients": int((~y.index.isin(features.index)).sum()),
              "unlabelled_patients": int((~features.index.isin(y.index)).sum()), "patients": len(known)}
    return features.loc[known], y.loc[known].astype(int).to_numpy(), counts


def train_model(notes, mentions, labels, output) -> list[str]:
    """Fit, evaluate in-sample, save with metadata; returns report lines."""
    X, y, counts = labelled_features(notes, mentions, labels)
    model = RiskClassifier().fit(X.to_numpy(), y)
    risk = model.predict_proba(X.to_numpy())[:, 1]
    flagged = risk >= model.threshold_
    metrics = {
        "n_patients": len(y), "n_positive": int(y.sum()),
        "train_auroc": roc_auc_score(y, risk) if len(set(y)) == 2 else float("nan"),
        "train_sensitivity": float(flagged[y == 1].mean()) if y.sum() else float("nan"),
        "train_specificity": float((~flagged[y == 0]).mean()) if (y == 0).any() else float("nan"),
        "threshold": model.threshold_,
    }
    save_model(model, output, metrics)
    return [f"trained on {counts['patients']} patients ({int(y.sum())} positive); "
            f"{counts['unknown_label_patients']} labels for unknown patients ignored; "
            f"{counts['unlabelled_patients']} patients without a label left out",
            "train " + ", ".join(f"{k} {v:.3f}" for k, v in metrics.items() if isinstance(v, float)),
            f"model -> {output}"]
