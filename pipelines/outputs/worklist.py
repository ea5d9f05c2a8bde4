"""The referral worklist: patients who need referral, highest risk first, with the evidence.

Columns: patient_id, risk (3 decimals), rule_flag, delay_days (days since the first red flag: the delay
so far), delay_censored (1: still no referral), first_red_flag_date, last_note_date, n_notes,
reasons (what fired, from scoring), evidence (present findings in date order:
"2024-03-01 WEAKNESS 'quad 4-/5' (note n1 12-21); ...", at most MAX_EVIDENCE).
"""
from __future__ import annotations

import pandas as pd

from pipelines.outputs.rows import records
from pipelines.timeline import present_mask

MAX_EVIDENCE = 12
COLUMNS = ["patient_id", "risk", "rule_flag", "delay_days", "delay_censored", "first_red_flag_date", "last_note_date",
           "n_notes", "reasons", "evidence"]


def _one_line(text) -> str:
    return " ".join(str(text).split())


def patient_evidence(mentions: pd.DataFrame) -> dict[str, str]:
    """Per patient: "2024-03-01 WEAKNESS 'quad 4-/5' (note n1 12-21); ..." for present findings, date order."""
    present = mentions[present_mask(mentions)].sort_values(["patient_id", "note_date", "note_id", "start"])
    items: dict[str, list[str]] = {}
    for r in records(present[["patient_id", "note_date", "label", "text", "note_id", "start", "end"]]):
        items.setdefault(r.patient_id, []).append(
            f"{pd.Timestamp(r.note_date).date()} {r.label} '{_one_line(r.text)}' (note {r.note_id} {r.start}-{r.end})")
    return {pid: "; ".join(found[:MAX_EVIDENCE]) + (f"; +{len(found) - MAX_EVIDENCE} more" if len(found) > MAX_EVIDENCE else "")
            for pid, found in items.items()}


def build_worklist(patients: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """Patients with needs_referral = 1, by risk (then delay) descending, with evidence."""
    flagged = patients[patients["needs_referral"] == 1].copy()
    flagged["evidence"] = flagged["patient_id"].map(patient_evidence(mentions)).fillna("").astype("string")
    flagged = flagged.sort_values(["risk", "delay_days", "patient_id"], ascending=[False, False, True], na_position="last")
    flagged["risk"] = flagged["risk"].round(3)  # for reading; the order above uses full precision
    return flagged[COLUMNS].reset_index(drop=True)
