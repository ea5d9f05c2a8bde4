"""The annotation guide's patient referral rule (section 3), as a transparent e-trigger.

Only present mentions count. Visits are notes in date order. A visit meets a red-flag
criterion when it has ATROPHY; WEAKNESS and NUMBNESS; WEAKNESS or NUMBNESS with
PROGRESSION or FUNCTIONAL_DECLINE; or WEAKNESS or NUMBNESS when the patient has now had
them at 3+ visits or 14+ days after the first visit that documented either. The first red
flag is the first such visit; the patient needs referral when no present REFERRAL is
documented at a visit on or after it.

`referral_rule(notes, mentions)` columns: patient_id, rule_flag (0/1), criterion,
first_red_flag_date, first_red_flag_note_id, first_referral_date, first_referral_note_id,
evidence ("note_id:start-end:LABEL 'text'" items joined by "; ").
"""
from __future__ import annotations

import pandas as pd

from pipelines.timeline import build_timeline, present_mask

TWO_WEEKS = pd.Timedelta(days=14)
CRITERION_LABELS = {
    "atrophy": ("ATROPHY",),
    "weakness+numbness": ("WEAKNESS", "NUMBNESS"),
    "deficit+progression": ("WEAKNESS", "NUMBNESS", "PROGRESSION"),
    "deficit+functional_decline": ("WEAKNESS", "NUMBNESS", "FUNCTIONAL_DECLINE"),
    "third_visit_rule": ("WEAKNESS", "NUMBNESS"),
    "two_week_rule": ("WEAKNESS", "NUMBNESS"),
}
COLUMNS = ["patient_id", "rule_flag", "criterion", "first_red_flag_date", "first_red_flag_note_id",
           "first_referral_date", "first_referral_note_id", "evidence"]


def visit_criterion(visit, deficit_visits: int, first_deficit_date) -> str:
    """The criterion a visit meets ("" for none), given the patient's deficit history so far."""
    weak, numb = visit.n_weakness > 0, visit.n_numbness > 0
    if visit.n_atrophy > 0:
        return "atrophy"
    if weak and numb:
        return "weakness+numbness"
    if not (weak or numb):
        return ""
    if visit.n_progression > 0:
        return "deficit+progression"
    if visit.n_functional_decline > 0:
        return "deficit+functional_decline"
    if deficit_visits >= 3:
        return "third_visit_rule"
    if visit.note_date - first_deficit_date >= TWO_WEEKS:
        return "two_week_rule"
    return ""


def _patient_result(patient_id, visits: pd.DataFrame) -> dict:
    result = dict.fromkeys(COLUMNS, None)
    result.update(patient_id=patient_id, rule_flag=0, criterion="", evidence="", first_red_flag_note_id="", first_referral_note_id="")
    deficit_visits, first_deficit = 0, None
    for visit in visits.itertuples(index=False):
        if visit.n_weakness or visit.n_numbness:
            deficit_visits += 1
            first_deficit = first_deficit if first_deficit is not None else visit.note_date
        criterion = visit_criterion(visit, deficit_visits, first_deficit)
        if criterion:
            result.update(criterion=criterion, first_red_flag_date=visit.note_date, first_red_flag_note_id=visit.note_id)
            break
    if not result["criterion"]:
        return result
    referrals = visits[(visits["n_referral"] > 0) & (visits["note_date"] >= result["first_red_flag_date"])]
    if len(referrals):
        first = referrals.iloc[0]
        result.update(first_referral_date=first["note_date"], first_referral_note_id=first["note_id"])
    result["rule_flag"] = int(not len(referrals))
    return result


def referral_rule(notes: pd.DataFrame, mentions: pd.DataFrame, timeline: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per patient in `notes`: the rule's verdict, criterion and evidence (columns above)."""
    timeline = build_timeline(notes, mentions) if timeline is None else timeline
    rows = [_patient_result(pid, visits) for pid, visits in timeline.groupby("patient_id", sort=True)]
    out = pd.DataFrame(rows, columns=COLUMNS)
    present = mentions[present_mask(mentions)]
    evidence = []
    for row in out.itertuples(index=False):
        if not row.criterion:
            evidence.append("")
            continue
        labels = CRITERION_LABELS[row.criterion]
        at_flag = present[(present["note_id"] == row.first_red_flag_note_id) & present["label"].isin(labels)]
        evidence.append("; ".join(f"{m.note_id}:{m.start}-{m.end}:{m.label} '{m.text}'" for m in at_flag.itertuples(index=False)))
    out["evidence"] = evidence
    for col in ("first_red_flag_date", "first_referral_date"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    out["rule_flag"] = out["rule_flag"].astype("int8")
    return out
