"""Archive audits: sample patients for review and estimate precision and missed-flag rate.

A quality team reviews a random sample of flagged and of unflagged patients; precision is
the share of reviewed flagged patients who truly needed referral, the missed-flag rate the
share of reviewed unflagged patients who did. Intervals are Wilson score intervals.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (0, 0 ... 1 for n = 0 is (0, 1))."""
    if n == 0:
        return 0.0, 1.0
    z = norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def review_sample(patients: pd.DataFrame, n_flagged: int, n_unflagged: int, seed: int = 0) -> pd.DataFrame:
    """A reproducible random sample of flagged and unflagged patients, with a `stratum` column."""
    flagged = patients[patients["needs_referral"] == 1]
    unflagged = patients[patients["needs_referral"] == 0]
    parts = [
        flagged.sample(min(n_flagged, len(flagged)), random_state=seed).assign(stratum="flagged"),
        unflagged.sample(min(n_unflagged, len(unflagged)), random_state=seed).assign(stratum="unflagged"),
    ]
    return pd.concat(parts, ignore_index=True)


def audit_estimates(reviewed: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Precision and missed-flag rate with intervals from a reviewed sample.

    `reviewed` has `stratum` ("flagged"/"unflagged") and `reviewer_needs_referral` (0/1).
    """
    rows = []
    for stratum, measure in (("flagged", "precision"), ("unflagged", "missed-flag rate")):
        s = reviewed[reviewed["stratum"] == stratum]
        k, n = int(s["reviewer_needs_referral"].sum()), len(s)
        lo, hi = wilson_interval(k, n, confidence)
        rows.append({"measure": measure, "reviewed": n, "needing_referral": k, "estimate": k / n if n else float("nan"), "lower": lo, "upper": hi})
    return pd.DataFrame(rows)
