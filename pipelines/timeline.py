"""Patient timelines: one row per note (visit), date-ordered, with the present findings.

Visits are a patient's notes ordered by date, then note_id (same-date notes are separate
visits). A note with no mentions is still a visit. Mentions whose note_id is not in the
notes are ignored. Notes without a date cannot be ordered: `build_timeline` raises
ValueError (the readers in pipelines.io quarantine such rows upstream).

Columns of `build_timeline(notes, mentions)`:

| column | dtype | meaning |
|---|---|---|
| patient_id, note_id | string | |
| note_date | datetime64[ns] | |
| note_type | string | "" when unknown |
| visit_index | int64 | 1-based visit number within the patient (date, then note_id) |
| n_atrophy, n_weakness, n_numbness, n_progression, n_functional_decline, n_referral | int64 | present mentions (no attribute true) per label |
| has_referral | int8 | 1 when the visit documents a present REFERRAL |
| n_uncertain, n_negated, n_historical | int64 | deficit mentions (ATROPHY/WEAKNESS/NUMBNESS) with that attribute |
| min_grade | float64 | lowest MRC grade present at the visit (see `grade_value`), NaN when none |
| min_grade_text, min_grade_site, min_grade_side | string | that grade as written and its site/side |
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipelines.schemas import ATTRIBUTES, LABELS

COUNT_COLUMNS = {label: f"n_{label.lower()}" for label in LABELS}
DEFICITS = ("ATROPHY", "WEAKNESS", "NUMBNESS")
NOTE_COLUMNS = ("patient_id", "note_id", "note_date")
MENTION_COLUMNS = ("note_id", "label", "start", "end", "text", "grade", "site", "side", *ATTRIBUTES)
_GRADE = re.compile(r"^([0-5])([+-]?)$")


def grade_value(grade: str) -> float:
    """MRC grade text -> number ordering 0 < 1 < 2 < 2+ < 3- < 3 < ... < 4+ ("4-" 3.67, "4+" 4.33); NaN if not a grade."""
    match = _GRADE.match(str(grade).strip())
    if not match:
        return np.nan
    return float(match.group(1)) + {"-": -1 / 3, "+": 1 / 3, "": 0.0}[match.group(2)]


def require_columns(df: pd.DataFrame, columns, name: str) -> None:
    """Raise ValueError naming the columns of `columns` missing from `df`."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")


def present_mask(mentions: pd.DataFrame) -> pd.Series:
    """Mentions that count as present findings: no assertion attribute true."""
    return (mentions[list(ATTRIBUTES)].fillna(0).astype(int).sum(axis=1) == 0)


def order_visits(notes: pd.DataFrame) -> pd.DataFrame:
    """Notes sorted into visits: by patient, date, then note_id; with visit_index."""
    require_columns(notes, NOTE_COLUMNS, "notes")
    duplicated = notes["note_id"].duplicated()
    if duplicated.any():
        raise ValueError(f"notes: {int(duplicated.sum())} duplicate note_id(s); each note is one visit (pipelines.io collapses or quarantines repeats)")
    if notes["note_date"].isna().any():
        raise ValueError(f"{int(notes['note_date'].isna().sum())} note(s) with a missing note_date cannot be placed "
                         "on a timeline (quarantine them upstream)")
    out = notes.assign(note_date=pd.to_datetime(notes["note_date"]).astype("datetime64[ns]"))
    out = out.sort_values(["patient_id", "note_date", "note_id"], kind="stable").reset_index(drop=True)
    out["visit_index"] = out.groupby("patient_id").cumcount().astype("int64") + 1
    return out


def visit_grades(timeline: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """Present graded WEAKNESS mentions, worst per visit and site.

    Columns: patient_id, note_id, note_date, visit_index, site, side, grade, value, start, end, text.
    """
    require_columns(mentions, MENTION_COLUMNS, "mentions")
    graded = mentions[present_mask(mentions) & (mentions["label"] == "WEAKNESS")].copy()
    graded["value"] = graded["grade"].fillna("").map(grade_value)
    graded = graded[graded["value"].notna()]
    visits = timeline[["patient_id", "note_id", "note_date", "visit_index"]]
    graded = visits.merge(graded[["note_id", "site", "side", "grade", "value", "start", "end", "text"]], on="note_id")
    graded["site"] = graded["site"].fillna("").astype(str)
    graded = graded.sort_values(["patient_id", "visit_index", "site", "value", "start"], kind="stable")
    return graded.drop_duplicates(["note_id", "site"]).reset_index(drop=True)


def build_timeline(notes: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per note with present-finding counts and the worst strength grade (schema above)."""
    require_columns(mentions, MENTION_COLUMNS, "mentions")
    visits = order_visits(notes)
    base = visits[["patient_id", "note_id", "note_date", "visit_index"]].copy()
    base["note_type"] = visits["note_type"].astype("string").fillna("") if "note_type" in visits else ""
    m = mentions[mentions["note_id"].isin(base["note_id"])]
    present = m[present_mask(m)]
    counts = present.groupby(["note_id", "label"]).size().unstack(fill_value=0)
    for label, col in COUNT_COLUMNS.items():
        values = counts[label] if label in counts else pd.Series(dtype="int64")
        base[col] = base["note_id"].map(values).fillna(0).astype("int64")
    base["has_referral"] = (base["n_referral"] > 0).astype("int8")
    deficit = m[m["label"].isin(DEFICITS)]
    for attr in ("uncertain", "negated", "historical"):
        per_note = deficit[deficit[attr].fillna(0).astype(int) == 1].groupby("note_id").size()
        base[f"n_{attr}"] = base["note_id"].map(per_note).fillna(0).astype("int64")
    worst = visit_grades(base, m).sort_values(["note_id", "value", "start"], kind="stable").drop_duplicates("note_id").set_index("note_id")
    base["min_grade"] = base["note_id"].map(worst["value"]).astype("float64")
    for src, col in (("grade", "min_grade_text"), ("site", "min_grade_site"), ("side", "min_grade_side")):
        base[col] = base["note_id"].map(worst[src]).astype("string").fillna("")
    return base


def grade_trajectory(timeline: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """Per patient and body site ("" when unstated), the worst grade at each graded visit, in visit order.

    A fall in grade across visits is progression even when no note says "worse".
    Columns: patient_id, site, side (of the lowest grade), grades ("4+ -> 4- -> 2"),
    first_grade, last_grade, worst_grade, before_drop / after_drop (the grades of the
    largest fall, "" when none), drop (that fall in grade points, >= 0), drop_date.
    """
    columns = ["patient_id", "site", "side", "grades", "first_grade", "last_grade", "worst_grade",
               "before_drop", "after_drop", "drop", "drop_date"]
    rows = []
    for (patient, site), g in visit_grades(timeline, mentions).groupby(["patient_id", "site"], sort=True):
        values, texts = g["value"].tolist(), g["grade"].tolist()
        best = (0.0, None, None)  # (drop, index before, index after)
        for j in range(1, len(values)):
            i = int(np.argmax(values[:j]))
            if values[i] - values[j] > best[0]:
                best = (values[i] - values[j], i, j)
        lowest = int(np.argmin(values))
        rows.append({
            "patient_id": patient, "site": site, "side": g["side"].iloc[lowest], "grades": " -> ".join(texts),
            "first_grade": texts[0], "last_grade": texts[-1], "worst_grade": texts[lowest],
            "before_drop": texts[best[1]] if best[1] is not None else "", "after_drop": texts[best[2]] if best[2] is not None else "",
            "drop": best[0], "drop_date": g["note_date"].iloc[best[2]] if best[2] is not None else pd.NaT,
        })
    out = pd.DataFrame(rows, columns=columns)
    out["drop"] = out["drop"].astype("float64")
    out["drop_date"] = pd.to_datetime(out["drop_date"]).astype("datetime64[ns]")
    return out
