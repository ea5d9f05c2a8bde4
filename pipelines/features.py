"""Patient-level features for the risk classifier, from the timeline, the rule and the grades.

`patient_features(timeline, rule, trajectory)` returns one row per patient (index
patient_id) with the FEATURES columns below, all float64. "Present" means a mention
with no assertion attribute true; a deficit is ATROPHY, WEAKNESS or NUMBNESS.

| feature | meaning |
|---|---|
| n_visits, span_days | visits on record; days from first to last visit |
| n_<label> | present mentions of each label (atrophy, weakness, numbness, progression, functional_decline, referral) |
| visits_<label> | visits with a present mention of each label |
| visits_weakness_and_numbness | visits with both weakness and numbness |
| visits_deficit_and_decline | visits with weakness/numbness together with progression or functional decline |
| min_grade | lowest MRC strength grade recorded (5 when none) |
| grade_drop | largest fall in strength grade at one site across visits (grade points) |
| n_uncertain, n_negated, n_historical | deficit mentions with that attribute (never counted as present) |
| days_flag_without_referral, visits_flag_without_referral | days / visits from the rule's first red flag to the last visit, when no referral followed it (else 0) |
| days_deficit_without_referral, visits_since_first_deficit | the same from the first visit with a deficit (days 0 when a referral followed) |
| rule_flag | the guide's rule says the patient needs referral |
| n_note_types | distinct note types |

`feature_phrases` renders each patient's values in clinician-readable words, used to
explain a risk ("quadriceps grade fell 4+/5 -> 2/5", "3 visits with weakness").
"""
from __future__ import annotations

import pandas as pd

from pipelines.timeline import grade_value

LABEL_WORDS = {"atrophy": "atrophy", "weakness": "weakness", "numbness": "numbness", "progression": "progression",
               "functional_decline": "functional decline", "referral": "a referral or work-up"}

#: Feature name -> phrase template ({value} is the feature value).
FEATURES = {
    "n_visits": "{value} visits on record",
    "span_days": "followed for {value} days",
    **{f"n_{k}": f"{{value}} present mentions of {w}" for k, w in LABEL_WORDS.items()},
    **{f"visits_{k}": f"{{value}} visits with {w}" for k, w in LABEL_WORDS.items()},
    "visits_weakness_and_numbness": "weakness and numbness together at {value} visits",
    "visits_deficit_and_decline": "deficit with progression or functional decline at {value} visits",
    "min_grade": "lowest strength grade {value}/5",
    "grade_drop": "strength grade fell by {value} points",
    "n_uncertain": "{value} uncertain deficit mentions",
    "n_negated": "{value} negated deficit mentions",
    "n_historical": "{value} historical deficit mentions",
    "days_flag_without_referral": "no referral for {value} days since the first red flag",
    "visits_flag_without_referral": "{value} visits since the first red flag without referral",
    "days_deficit_without_referral": "deficit documented for {value} days without referral",
    "visits_since_first_deficit": "{value} visits since the first deficit",
    "rule_flag": "meets the guide's referral rule",
    "n_note_types": "{value} note types",
}
#: Phrases for a zero value where the absence itself is the reason.
ZERO_PHRASES = {"n_referral": "no referral documented", "visits_referral": "no referral documented",
                "rule_flag": "does not meet the guide's rule"}


def _since(t: pd.DataFrame, start: pd.Series, index: pd.Index) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per patient: days and visits from `start` (a date per patient) to the last visit, and whether a referral came on/after it."""
    start = pd.to_datetime(start).astype("datetime64[ns]").reindex(t["patient_id"]).to_numpy()
    after = t[t["note_date"] >= start]
    dates = after.groupby("patient_id")["note_date"]
    days = (dates.max() - dates.min()) / pd.Timedelta(days=1)
    visits = after.groupby("patient_id").size()
    referred = after.groupby("patient_id")["has_referral"].max() > 0
    return days.reindex(index).fillna(0), visits.reindex(index).fillna(0), referred.reindex(index).fillna(False).astype(bool)


def patient_features(timeline: pd.DataFrame, rule: pd.DataFrame, trajectory: pd.DataFrame) -> pd.DataFrame:
    """One row per patient (index patient_id), columns FEATURES in order, float64.

    `rule` is `referral_rule(...)`, `trajectory` is `grade_trajectory(...)` for the same timeline.
    """
    t = timeline
    weak, numb = t["n_weakness"] > 0, t["n_numbness"] > 0
    deficit = weak | numb | (t["n_atrophy"] > 0)
    g = t.groupby("patient_id", sort=True)
    out = pd.DataFrame(index=g.size().index)
    out["n_visits"] = g.size()
    out["span_days"] = (g["note_date"].max() - g["note_date"].min()).dt.days
    for label in LABEL_WORDS:
        out[f"n_{label}"] = g[f"n_{label}"].sum()
    for label in LABEL_WORDS:
        out[f"visits_{label}"] = (t[f"n_{label}"] > 0).groupby(t["patient_id"]).sum()
    out["visits_weakness_and_numbness"] = (weak & numb).groupby(t["patient_id"]).sum()
    decline = (t["n_progression"] > 0) | (t["n_functional_decline"] > 0)
    out["visits_deficit_and_decline"] = ((weak | numb) & decline).groupby(t["patient_id"]).sum()
    out["min_grade"] = g["min_grade"].min().fillna(5.0)
    out["grade_drop"] = trajectory.groupby("patient_id")["drop"].max().reindex(out.index).fillna(0.0)
    for attr in ("uncertain", "negated", "historical"):
        out[f"n_{attr}"] = g[f"n_{attr}"].sum()
    flags = rule.set_index("patient_id")
    days, visits, referred = _since(t, flags["first_red_flag_date"].dropna(), out.index)
    out["days_flag_without_referral"] = days.where(~referred, 0)
    out["visits_flag_without_referral"] = visits.where(~referred, 0)
    days, visits, referred = _since(t, t[deficit].groupby("patient_id")["note_date"].min(), out.index)
    out["days_deficit_without_referral"] = days.where(~referred, 0)
    out["visits_since_first_deficit"] = visits
    out["rule_flag"] = flags["rule_flag"].reindex(out.index).fillna(0)
    out["n_note_types"] = g["note_type"].agg(lambda s: s[s != ""].nunique())
    return out[list(FEATURES)].astype("float64")


def _grade_phrases(trajectory: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per patient: the largest grade fall and the lowest grade, in words."""
    if not len(trajectory):
        return pd.Series(dtype=object), pd.Series(dtype=object)
    tr = trajectory.assign(where=trajectory["site"].where(trajectory["site"] != "", "strength").str.strip(),
                           value=trajectory["worst_grade"].map(grade_value))
    # Ties go to the first site by name, so the phrase does not depend on row order (local and Spark engines agree).
    drops = (tr[tr["drop"] > 0].sort_values(["drop", "where"], ascending=[False, True], kind="stable")
             .drop_duplicates("patient_id").set_index("patient_id"))
    fell = drops["where"] + " grade fell " + drops["before_drop"] + "/5 -> " + drops["after_drop"] + "/5"
    lowest = tr.sort_values(["value", "where"], kind="stable").drop_duplicates("patient_id").set_index("patient_id")
    low = lowest["where"] + " grade down to " + lowest["worst_grade"] + "/5"
    return fell, low


def feature_phrases(features: pd.DataFrame, trajectory: pd.DataFrame) -> pd.DataFrame:
    """Same shape as `features`: each value in clinician-readable words (grade phrases name the site and grades)."""
    out = pd.DataFrame(index=features.index, columns=features.columns, dtype=object)
    for name in features.columns:
        values = features[name]
        text = values.map(lambda v, t=FEATURES[name]: t.format(value=f"{v:g}"))
        if name in ZERO_PHRASES:
            text = text.where(values != 0, ZERO_PHRASES[name])
        out[name] = text
    fell, low = _grade_phrases(trajectory)
    out["grade_drop"] = fell.reindex(out.index).where(features["grade_drop"] > 0, out["grade_drop"])
    out["min_grade"] = low.reindex(out.index).where(features["min_grade"] < 5, "no strength grade below 5 recorded")
    return out.fillna("")

