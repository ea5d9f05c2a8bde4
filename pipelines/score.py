"""Scoring: notes + mentions -> the PATIENTS table (pipelines.schemas.PATIENTS).

needs_referral = the guide's rule OR (risk >= the model's threshold). `model` is a loaded
bundle (`pipelines.model_io.load_model`), a path to a .skops file, or None for the
shipped default `pipelines/models/default.skops`. When none is given and no default is
shipped, risk is NaN and needs_referral is the rule's verdict alone.

`reasons` names what fired, with its evidence as note date + quoted mention text:
"rule: two_week_rule on 2024-02-01 (2024-01-10 NUMBNESS 'tingling'; 2024-02-01 WEAKNESS
'4-/5 quad'), no referral since | quadriceps grade fell 4+/5 -> 2/5 by 2024-02-01 |
risk 0.91 >= 0.35: 3 visits with weakness; ...". The quoted text is a few words of the
note; it belongs in outputs, never in logs.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from pipelines.classifier import explain
from pipelines.delay import diagnostic_delay
from pipelines.features import feature_phrases, patient_features
from pipelines.model_io import DEFAULT_MODEL, load_model
from pipelines.rule import referral_rule, rule_evidence
from pipelines.schemas import PATIENTS, conform
from pipelines.timeline import build_timeline, grade_trajectory

SEPARATOR = " | "


def _day(value) -> str:
    return str(pd.Timestamp(value).date())


def rule_reasons(rule: pd.DataFrame, timeline: pd.DataFrame, mentions: pd.DataFrame) -> pd.Series:
    """Per patient (index patient_id): the criterion, date, quoted evidence and referral status; "" when none fired."""
    evidence = rule_evidence(rule, timeline, mentions)
    quotes = pd.Series([f"{_day(d)} {label} '{text}'" for d, label, text in zip(evidence["note_date"], evidence["label"], evidence["text"])],
                       index=evidence.index, dtype=object)
    quoted = quotes.groupby(evidence["patient_id"]).agg("; ".join)
    out = {}
    for row in rule[rule["criterion"] != ""].itertuples(index=False):
        status = "no referral since" if row.rule_flag else f"referred {_day(row.first_referral_date)}"
        out[row.patient_id] = f"rule: {row.criterion} on {_day(row.first_red_flag_date)} ({quoted.get(row.patient_id, '')}), {status}"
    return pd.Series(out, dtype=object)


def grade_reasons(trajectory: pd.DataFrame) -> pd.Series:
    """Per patient: each site whose grade fell across visits ("quadriceps grade fell 4+/5 -> 2/5 by 2024-02-01")."""
    drops = trajectory[trajectory["drop"] > 0]
    text = pd.Series([f"{site or 'strength'} grade fell {a}/5 -> {b}/5 by {_day(d)}"
                      for site, a, b, d in zip(drops["site"], drops["before_drop"], drops["after_drop"], drops["drop_date"])],
                     index=drops.index, dtype=object)
    return text.groupby(drops["patient_id"]).agg("; ".join)


def resolve_model(model):
    """A loaded model bundle from a bundle, a path, or None (the shipped default if present, else None)."""
    if isinstance(model, (str, os.PathLike)):
        return load_model(model)
    if model is None and DEFAULT_MODEL.is_file():
        return load_model(DEFAULT_MODEL)
    return model


def score_patients(notes: pd.DataFrame, mentions: pd.DataFrame, model=None) -> pd.DataFrame:
    """The PATIENTS table for `notes` (every patient appears, even with no mentions)."""
    model = resolve_model(model)
    timeline = build_timeline(notes, mentions)
    rule = referral_rule(notes, mentions, timeline)
    delay = diagnostic_delay(rule, timeline)
    trajectory = grade_trajectory(timeline, mentions)
    out = rule[["patient_id", "rule_flag"]].merge(delay, on="patient_id")
    parts = [out["patient_id"].map(rule_reasons(rule, timeline, mentions)), out["patient_id"].map(grade_reasons(trajectory))]
    if model is not None:
        features = patient_features(timeline, rule, trajectory).reindex(out["patient_id"])
        risk = model["model"].predict_proba(features.to_numpy())[:, 1]
        above = risk >= model["threshold"]
        why = explain(model["model"], features, feature_phrases(features, trajectory))
        parts.append(pd.Series([f"risk {p:.2f} >= {model['threshold']:.2f}: {w or 'no single feature stands out (the combination does)'}" if a else "" for p, a, w in zip(risk, above, why)]))
        out["risk"] = risk
        out["needs_referral"] = (out["rule_flag"].astype(bool) | above).astype("int8")
    else:
        out["risk"] = np.nan
        out["needs_referral"] = out["rule_flag"]
    out["reasons"] = [SEPARATOR.join(p for p in row if isinstance(p, str) and p) for row in zip(*parts)]
    return conform(out, PATIENTS, "patients")
