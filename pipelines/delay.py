"""Diagnostic delay: first red flag to first present REFERRAL on or after it, in days.

A patient with a red flag and no referral yet is censored: the delay runs to the date
of the last note (delay_censored = 1). No red flag: delay NaN, censored 0.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def diagnostic_delay(rule: pd.DataFrame, timeline: pd.DataFrame) -> pd.DataFrame:
    """patient_id, first_red_flag_date, first_referral_date, delay_days, delay_censored, n_notes, first/last_note_date."""
    span = timeline.groupby("patient_id").agg(
        n_notes=("note_id", "size"), first_note_date=("note_date", "min"), last_note_date=("note_date", "max")
    )
    out = rule[["patient_id", "first_red_flag_date", "first_referral_date"]].merge(span, left_on="patient_id", right_index=True, how="left")
    flagged = out["first_red_flag_date"].notna()
    referred = out["first_referral_date"].notna()
    end = out["first_referral_date"].where(referred, out["last_note_date"])
    out["delay_days"] = np.where(flagged, (end - out["first_red_flag_date"]).dt.days, np.nan).astype("float64")
    out["delay_censored"] = (flagged & ~referred).astype("int8")
    out["n_notes"] = out["n_notes"].astype("int64")
    return out
