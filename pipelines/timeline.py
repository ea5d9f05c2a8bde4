"""Patient timelines: one row per note (visit), date-ordered, with the present findings.

Columns of `build_timeline(notes, mentions)`:

| column | dtype | meaning |
|---|---|---|
| patient_id, note_id | string | |
| note_date | datetime64[ns] | |
| note_type | string | "" when unknown |
| visit_index | int64 | 1-based visit number within the patient (date, then note_id) |
| n_atrophy, n_weakness, n_numbness, n_progression, n_functional_decline, n_referral | int64 | present mentions (no attribute true) per label |
| n_uncertain, n_negated, n_historical | int64 | deficit mentions (ATROPHY/WEAKNESS/NUMBNESS) with that attribute |
| min_grade | float64 | lowest MRC grade present at the visit (4- = 3.67, 4+ = 4.33), NaN when none |
| min_grade_text, min_grade_site, min_grade_side | string | that grade as written and its site/side |
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.schemas import ATTRIBUTES, LABELS

COUNT_COLUMNS = {label: f"n_{label.lower()}" for label in LABELS}
DEFICITS = ("ATROPHY", "WEAKNESS", "NUMBNESS")


def grade_value(grade: str) -> float:
    """MRC grade text -> number: "4-" 3.67, "4" 4.0, "4+" 4.33; NaN for ""."""
    if not grade:
        return np.nan
    base = float(grade[0])
    return base + {"-": -1 / 3, "+": 1 / 3}.get(grade[1:2], 0.0)


def present_mask(mentions: pd.DataFrame) -> pd.Series:
    """Mentions that count as present findings: no assertion attribute true."""
    return (mentions[list(ATTRIBUTES)].astype(int).sum(axis=1) == 0)


def order_visits(notes: pd.DataFrame) -> pd.DataFrame:
    """Notes sorted into visits: by patient, date, then note_id; with visit_index."""
    if notes["note_date"].isna().any():
        raise ValueError("notes with a missing note_date cannot be placed on a timeline (quarantine them upstream)")
    out = notes.sort_values(["patient_id", "note_date", "note_id"], kind="stable").reset_index(drop=True)
    out["visit_index"] = out.groupby("patient_id").cumcount().astype("int64") + 1
    return out


def build_timeline(notes: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per note with present-finding counts and the worst strength grade (schema above)."""
    visits = order_visits(notes)
    base = visits[["patient_id", "note_id", "note_date", "visit_index"]].copy()
    base["note_type"] = visits["note_type"] if "note_type" in visits else ""
    m = mentions[mentions["note_id"].isin(base["note_id"])]
    present = m[present_mask(m)]
    counts = present.pivot_table(index="note_id", columns="label", values="start", aggfunc="count")
    for label, col in COUNT_COLUMNS.items():
        values = counts[label] if label in counts else pd.Series(dtype=float)
        base[col] = base["note_id"].map(values).fillna(0).astype("int64")
    deficit = m[m["label"].isin(DEFICITS)]
    for attr in ("uncertain", "negated", "historical"):
        per_note = deficit[deficit[attr].astype(int) == 1].groupby("note_id").size()
        base[f"n_{attr}"] = base["note_id"].map(per_note).fillna(0).astype("int64")
    graded = present[(present["label"] == "WEAKNESS") & (present["grade"] != "")].copy()
    graded["value"] = graded["grade"].map(grade_value)
    worst = graded.sort_values(["note_id", "value", "start"]).drop_duplicates("note_id")
    worst = worst.set_index("note_id")
    base["min_grade"] = base["note_id"].map(worst["value"]).astype("float64")
    for src, col in (("grade", "min_grade_text"), ("site", "min_grade_site"), ("side", "min_grade_side")):
        base[col] = base["note_id"].map(worst[src]).astype("string").fillna("")
    return base


def grade_trajectory(timeline: pd.DataFrame) -> pd.DataFrame:
    """Per patient and site, the worst grade at each visit in order, and the drop from first to worst later grade.

    Columns: patient_id, site, grades (e.g. "4+ -> 4- -> 2"), first_grade, last_grade, drop (float, >= 0).
    """
    graded = timeline[timeline["min_grade"].notna()]
    rows = []
    for (patient, site), g in graded.groupby(["patient_id", "min_grade_site"], sort=True):
        g = g.sort_values("visit_index")
        values = g["min_grade"].tolist()
        drop = max((values[i] - min(values[i + 1:]) for i in range(len(values) - 1)), default=0.0)
        rows.append({
            "patient_id": patient, "site": site, "grades": " -> ".join(g["min_grade_text"]),
            "first_grade": g["min_grade_text"].iloc[0], "last_grade": g["min_grade_text"].iloc[-1], "drop": max(drop, 0.0),
        })
    return pd.DataFrame(rows, columns=["patient_id", "site", "grades", "first_grade", "last_grade", "drop"])
