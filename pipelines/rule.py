"""The annotation guide's patient referral rule (section 3), as a transparent e-trigger.

Only present mentions count (all five assertion attributes 0). Visits are a patient's
notes in date order (same-date notes: by note_id, each its own visit). A visit meets a
red-flag criterion when it has
- ATROPHY ("atrophy");
- WEAKNESS and NUMBNESS ("weakness+numbness");
- WEAKNESS or NUMBNESS with PROGRESSION ("deficit+progression") or with
  FUNCTIONAL_DECLINE ("deficit+functional_decline");
- WEAKNESS or NUMBNESS, when this is the 3rd or later visit documenting either
  ("third_visit_rule") or it is 14+ days after the first visit documenting either
  ("two_week_rule"); both are the guide's two-week rule, named by which part fired.
The criteria are checked in that order at each visit; the first visit meeting one is the
first red flag. The patient needs referral (rule_flag 1) when no present REFERRAL is
documented at a visit dated on or after the first red flag; a referral before it does
not count.

`referral_rule(notes, mentions)`: one row per patient in `notes`, columns
patient_id, rule_flag (int8), criterion ("" when none), first_red_flag_date,
first_red_flag_note_id, first_referral_date, first_referral_note_id, evidence (the
mentions that fired, "note_id:start-end:LABEL" joined by "; "; see `rule_evidence`).
"""
from __future__ import annotations

import pandas as pd

from pipelines.timeline import build_timeline, present_mask

TWO_WEEKS = pd.Timedelta(days=14)
DEFICIT_LABELS = ("WEAKNESS", "NUMBNESS")
#: Labels whose mentions at the flag visit are the evidence for each criterion.
CRITERION_LABELS = {
    "atrophy": ("ATROPHY",),
    "weakness+numbness": DEFICIT_LABELS,
    "deficit+progression": (*DEFICIT_LABELS, "PROGRESSION"),
    "deficit+functional_decline": (*DEFICIT_LABELS, "FUNCTIONAL_DECLINE"),
    "third_visit_rule": DEFICIT_LABELS,
    "two_week_rule": DEFICIT_LABELS,
}
COLUMNS = ["patient_id", "rule_flag", "criterion", "first_red_flag_date", "first_red_flag_note_id",
           "first_referral_date", "first_referral_note_id", "evidence"]


def visit_criterion(visit, deficit_visits: int, first_deficit_date) -> str:
    """The criterion a visit meets ("" for none), given the patient's W/N visits so far (this one included)."""
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
    result = dict(zip(COLUMNS, [patient_id, 0, "", pd.NaT, "", pd.NaT, "", ""]))
    deficit_visits, first_deficit = 0, None
    for visit in visits.itertuples(index=False):
        if visit.n_weakness or visit.n_numbness:
            deficit_visits += 1
            first_deficit = visit.note_date if first_deficit is None else first_deficit
        criterion = visit_criterion(visit, deficit_visits, first_deficit)
        if criterion:
            result.update(criterion=criterion, first_red_flag_date=visit.note_date, first_red_flag_note_id=visit.note_id)
            break
    if not result["criterion"]:
        return result
    referrals = visits[(visits["n_referral"] > 0) & (visits["note_date"] >= result["first_red_flag_date"])]
    if len(referrals):
        result.update(first_referral_date=referrals["note_date"].iloc[0], first_referral_note_id=referrals["note_id"].iloc[0])
    result["rule_flag"] = int(not len(referrals))
    return result


def rule_evidence(rule: pd.DataFrame, timeline: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """The present mentions that made each first red flag, in visit order.

    The flag visit's mentions of the criterion's labels; for the two-week rule also the
    WEAKNESS/NUMBNESS of the first visit documenting either, for the third-visit rule those
    of every earlier visit documenting either. Columns: patient_id, note_id, note_date,
    visit_index, label, start, end, text.
    """
    flagged = rule.loc[rule["criterion"] != "", ["patient_id", "criterion", "first_red_flag_note_id"]]
    visits = timeline[["patient_id", "note_id", "note_date", "visit_index", "n_weakness", "n_numbness"]]
    flag_index = visits.set_index("note_id")["visit_index"]
    present = mentions[present_mask(mentions)][["note_id", "label", "start", "end", "text"]]
    m = visits.merge(present, on="note_id").merge(flagged, on="patient_id")
    flag_visit = m["first_red_flag_note_id"].map(flag_index)
    deficit_visits = visits[(visits["n_weakness"] > 0) | (visits["n_numbness"] > 0)]
    first_deficit = m["patient_id"].map(deficit_visits.groupby("patient_id")["visit_index"].min())
    criterion_label = pd.Series([label in CRITERION_LABELS[c] for label, c in zip(m["label"], m["criterion"])], index=m.index, dtype=bool)
    at_flag = (m["visit_index"] == flag_visit) & criterion_label
    earlier = (m["visit_index"] < flag_visit) & m["label"].isin(DEFICIT_LABELS) & (
        (m["criterion"] == "third_visit_rule") | ((m["criterion"] == "two_week_rule") & (m["visit_index"] == first_deficit)))
    out = m[at_flag | earlier].sort_values(["patient_id", "visit_index", "start"], kind="stable")
    return out[["patient_id", "note_id", "note_date", "visit_index", "label", "start", "end", "text"]].reset_index(drop=True)


def referral_rule(notes: pd.DataFrame, mentions: pd.DataFrame, timeline: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per patient in `notes`: the rule's verdict, criterion and evidence (columns above)."""
    timeline = build_timeline(notes, mentions) if timeline is None else timeline
    rows = [_patient_result(pid, visits) for pid, visits in timeline.groupby("patient_id", sort=True)]
    out = pd.DataFrame(rows, columns=COLUMNS)
    evidence = rule_evidence(out, timeline, mentions)
    items = evidence["note_id"].astype(str) + ":" + evidence["start"].astype(str) + "-" + evidence["end"].astype(str) + ":" + evidence["label"].astype(str)
    out["evidence"] = out["patient_id"].map(items.groupby(evidence["patient_id"]).agg("; ".join)).fillna("").astype("string")
    for col in ("first_red_flag_date", "first_referral_date"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    out["rule_flag"] = out["rule_flag"].astype("int8")
    return out
