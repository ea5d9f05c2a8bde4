"""Scoring: notes + mentions -> the PATIENTS table (pipelines.schemas.PATIENTS).

needs_referral = the guide's rule OR (risk >= the model's threshold). Without a model
file (none given and no shipped default), risk is NaN and needs_referral is the rule's
verdict. `reasons` names what fired and quotes the evidence (note date + mention text).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.delay import diagnostic_delay
from pipelines.features import FEATURES, patient_features
from pipelines.model_io import DEFAULT_MODEL, load_model
from pipelines.rule import referral_rule
from pipelines.schemas import PATIENTS, conform
from pipelines.timeline import build_timeline, grade_trajectory

TOP_REASONS = 3


def explain(model, features: pd.DataFrame) -> list[str]:
    """Per patient, the features that pushed risk up most, in words ("3.0 visits documenting weakness")."""
    contributions = model.contributions(features.to_numpy())
    names = list(FEATURES)
    out = []
    for row, values in zip(contributions, features.to_numpy()):
        order = np.argsort(row)[::-1]
        parts = [f"{FEATURES[names[i]]}: {values[i]:g}" for i in order[:TOP_REASONS] if row[i] > 0]
        out.append("; ".join(parts))
    return out


def _rule_reason(row, timeline: pd.DataFrame) -> str:
    if not row.criterion:
        return ""
    date = pd.Timestamp(row.first_red_flag_date).date()
    status = "no referral since" if row.rule_flag else f"referred {pd.Timestamp(row.first_referral_date).date()}"
    return f"rule: {row.criterion} on {date} [{row.evidence}] ({status})"


def score_patients(notes: pd.DataFrame, mentions: pd.DataFrame, model: dict | str | None = None) -> pd.DataFrame:
    """The PATIENTS table for `notes` (every patient appears, even with no mentions)."""
    if isinstance(model, str) or model is None:
        path = model or DEFAULT_MODEL
        model = load_model(path) if (model or DEFAULT_MODEL.is_file()) else None
    timeline = build_timeline(notes, mentions)
    rule = referral_rule(notes, mentions, timeline)
    delay = diagnostic_delay(rule, timeline)
    out = rule[["patient_id", "rule_flag", "criterion", "evidence", "first_referral_date"]].merge(
        delay.drop(columns=["first_referral_date"]), on="patient_id"
    )
    trajectories = grade_trajectory(timeline)
    drops = trajectories[trajectories["drop"] > 0].groupby("patient_id").apply(
        lambda g: "; ".join(f"{r.site or 'strength'} grade {r.grades}" for r in g.itertuples()), include_groups=False
    )
    reasons = [_rule_reason(r, timeline) for r in rule.itertuples(index=False)]
    if model is not None:
        features = patient_features(timeline, rule).reindex(out["patient_id"])
        risk = model["model"].predict_proba(features.to_numpy())[:, 1]
        out["risk"] = risk
        above = risk >= model["threshold"]
        why = explain(model["model"], features)
        reasons = [
            "; ".join(filter(None, [r, f"risk {p:.2f}" + (f" ({w})" if w else "") if a else ""]))
            for r, p, a, w in zip(reasons, risk, above, why)
        ]
        out["needs_referral"] = (out["rule_flag"].astype(bool) | above).astype("int8")
    else:
        out["risk"] = np.nan
        out["needs_referral"] = out["rule_flag"]
    out["reasons"] = [
        "; ".join(filter(None, [r, f"grade fell: {drops[p]}" if p in drops.index else ""]))
        for r, p in zip(reasons, out["patient_id"])
    ]
    return conform(out, PATIENTS, "patients")
