"""Time to referral with censoring: Kaplan-Meier estimates for diagnostic delay.

A patient with a red flag is an observation: duration = delay_days, event = referred
(delay_censored == 0). Patients still waiting are censored at their last note.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm


def kaplan_meier(durations, events, confidence: float = 0.95) -> pd.DataFrame:
    """The Kaplan-Meier curve of "not yet referred".

    Columns: time, at_risk, events, censored, survival, lower, upper (log-log Greenwood
    confidence band). Starts with time 0, survival 1.
    """
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=int)
    keep = ~np.isnan(d)
    d, e = d[keep], e[keep]
    z = norm.ppf(0.5 + confidence / 2)
    rows = [{"time": 0.0, "at_risk": len(d), "events": 0, "censored": 0, "survival": 1.0, "lower": 1.0, "upper": 1.0}]
    s, var_sum = 1.0, 0.0
    for t in np.unique(d):
        at_risk = int((d >= t).sum())
        n_events = int(((d == t) & (e == 1)).sum())
        n_censored = int(((d == t) & (e == 0)).sum())
        if n_events:
            s *= 1 - n_events / at_risk
            if at_risk > n_events:
                var_sum += n_events / (at_risk * (at_risk - n_events))
        if 0 < s < 1 and var_sum > 0:
            se = np.sqrt(var_sum) / abs(np.log(s))
            lo, hi = s ** np.exp(z * se), s ** np.exp(-z * se)
        else:
            lo = hi = s
        rows.append({"time": float(t), "at_risk": at_risk, "events": n_events, "censored": n_censored, "survival": s, "lower": lo, "upper": hi})
    return pd.DataFrame(rows)


def median_time(curve: pd.DataFrame) -> dict:
    """Median time to referral and its confidence interval (NaN where the curve never drops to 0.5)."""
    def first_below(col):
        hit = curve[curve[col] <= 0.5]
        return float(hit["time"].iloc[0]) if len(hit) else float("nan")
    return {"median": first_below("survival"), "lower": first_below("lower"), "upper": first_below("upper")}


def delay_observations(patients: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Patients with a red flag as (group, duration, event) rows for kaplan_meier."""
    flagged = patients[patients["first_red_flag_date"].notna()]
    out = pd.DataFrame({"duration": flagged["delay_days"].astype(float), "event": 1 - flagged["delay_censored"].astype(int)})
    out["group"] = flagged[by].astype(str).to_numpy() if by else "all"
    return out.reset_index(drop=True)
