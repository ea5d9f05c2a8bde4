"""Patient-level features for the risk classifier, from the timeline and the rule.

Every feature is numeric; FEATURES lists them with a clinician-readable description
used in explanations.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.timeline import grade_trajectory

FEATURES = {
    "n_visits": "visits on record",
    "span_days": "days from first to last visit",
    "visits_weakness": "visits documenting weakness",
    "visits_numbness": "visits documenting numbness",
    "visits_atrophy": "visits documenting atrophy",
    "visits_progression": "visits documenting progression",
    "visits_functional_decline": "visits documenting functional decline",
    "visits_referral": "visits with a referral or work-up",
    "visits_weakness_and_numbness": "visits with both weakness and numbness",
    "n_deficit_mentions": "present deficit mentions",
    "min_grade": "lowest strength grade (5 when none recorded)",
    "grade_drop": "largest fall in strength grade at one site",
    "n_uncertain": "uncertain deficit mentions",
    "n_negated": "negated deficit mentions",
    "n_historical": "historical deficit mentions",
    "days_deficit_without_referral": "days from first deficit to last visit without a referral",
    "visits_since_first_deficit": "visits since the first deficit",
    "rule_flag": "meets the guide's referral rule",
    "n_note_types": "distinct note types",
}


def patient_features(timeline: pd.DataFrame, rule: pd.DataFrame) -> pd.DataFrame:
    """One row per patient (index patient_id), columns FEATURES in order, float64."""
    t = timeline.copy()
    t["deficit"] = (t["n_weakness"] + t["n_numbness"] + t["n_atrophy"]) > 0
    g = t.groupby("patient_id")
    out = pd.DataFrame(index=g.size().index)
    out["n_visits"] = g.size()
    out["span_days"] = (g["note_date"].max() - g["note_date"].min()).dt.days
    for label in ("weakness", "numbness", "atrophy", "progression", "functional_decline", "referral"):
        out[f"visits_{label}"] = g[f"n_{label}"].apply(lambda s: int((s > 0).sum()))
    out["visits_weakness_and_numbness"] = g.apply(lambda d: int(((d["n_weakness"] > 0) & (d["n_numbness"] > 0)).sum()), include_groups=False)
    out["n_deficit_mentions"] = g[["n_weakness", "n_numbness", "n_atrophy"]].sum().sum(axis=1)
    out["min_grade"] = g["min_grade"].min().fillna(5.0)
    traj = grade_trajectory(timeline)
    out["grade_drop"] = traj.groupby("patient_id")["drop"].max().reindex(out.index).fillna(0.0)
    for attr in ("uncertain", "negated", "historical"):
        out[f"n_{attr}"] = g[f"n_{attr}"].sum()
    first_deficit = t[t["deficit"]].groupby("patient_id")["note_date"].min()
    last = g["note_date"].max()
    referred = t[t["n_referral"] > 0].groupby("patient_id")["note_date"].min()
    no_ref = referred.reindex(out.index).isna() | (referred.reindex(out.index) < first_deficit.reindex(out.index))
    days = (last - first_deficit.reindex(out.index)).dt.days
    out["days_deficit_without_referral"] = np.where(no_ref, days.fillna(0), 0)
    first_idx = t[t["deficit"]].groupby("patient_id")["visit_index"].min().reindex(out.index)
    out["visits_since_first_deficit"] = (out["n_visits"] - first_idx + 1).fillna(0)
    out["rule_flag"] = rule.set_index("patient_id")["rule_flag"].reindex(out.index).fillna(0)
    out["n_note_types"] = g["note_type"].nunique()
    return out[list(FEATURES)].astype("float64")
