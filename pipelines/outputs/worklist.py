"""The referral worklist: patients who need referral, highest risk first, with the evidence.

Columns: patient_id, risk, rule_flag, delay_days (days since the first red flag: the delay
so far), delay_censored (1: still no referral), first_red_flag_date, last_note_date, n_notes,
reasons (what fired, from scoring), evidence (present findings in date order:
"2024-03-01 WEAKNESS 'quad 4-/5' (note n1 12-21); ...", at most MAX_EVIDENCE).
"""
from __future__ import annotations

import pandas as pd

from pipelines.timeline import present_mask

MAX_EVIDENCE = 12
COLUMNS = ["patient_id", "risk", "rule_flag", "delay_days", "delay_censored", "first_red_flag_date", "last_note_date",
           "n_notes", "reasons", "evidence"]


def _one_line(text) -> str:
    return " ".join(str(text).split())


def patient_evidence(mentions: pd.DataFrame) -> pd.Series:
    """Per patient: "2024-03-01 WEAKNESS 'quad 4-/5' (note n1 12-21); ..." for present findings, date order."""
    present = mentions[present_mask(mentions)].sort_values(["patient_id", "note_date", "note_id", "start"])
    def fmt(g):
        items = [f"{pd.Timestamp(r.note_date).date()} {r.label} '{_one_line(r.text)}' (note {r.note_id} {r.start}-{r.end})"
                 for r in g.head(MAX_EVIDENCE).itertuples()]
        more = len(g) - MAX_EVIDENCE
        return "; ".join(items) + (f"; +{more} more" if more > 0 else "")
    if not len(present):
        return pd.Series(dtype="string")
    return present.groupby("patient_id").apply(fmt, include_groups=False)


def build_worklist(patients: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """Patients with needs_referral = 1, by risk (then delay) descending, with evidence."""
    flagged = patients[patients["needs_referral"] == 1].copy()
    flagged["evidence"] = flagged["patient_id"].map(patient_evidence(mentions)).fillna("")
    flagged = flagged.sort_values(["risk", "delay_days", "patient_id"], ascending=[False, False, True], na_position="last")
    return flagged[COLUMNS].reset_index(drop=True)
