"""Patient-level evaluation: sensitivity, specificity, PPV, NPV, AUROC and delay error."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score


def patient_metrics(gold: pd.DataFrame, pred: pd.DataFrame) -> dict:
    """Compare predicted needs_referral/risk/delay with gold, on patients present in both.

    Gold needs columns patient_id, needs_referral (delay_days optional); pred is a PATIENTS table
    (risk and delay_days optional). AUROC is over patients with a risk (auroc_n of them);
    the delay error is the mean absolute difference of delay_days over patients where both
    tables have one (delay_n), open (censored) delays included.
    """
    for name, df in (("gold", gold), ("pred", pred)):
        missing = [c for c in ("patient_id", "needs_referral") if c not in df.columns]
        if missing:
            raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
    g = gold.assign(patient_id=gold["patient_id"].astype(str))
    p = pred.assign(patient_id=pred["patient_id"].astype(str))
    both = g.merge(p, on="patient_id", suffixes=("_gold", "_pred"))
    for side in ("gold", "pred"):
        bad = ~pd.to_numeric(both[f"needs_referral_{side}"], errors="coerce").isin([0, 1])
        if bad.any():
            raise ValueError(f"{side}: needs_referral must be 0 or 1 ({int(bad.sum())} patient(s) are not)")
    y, yhat = both["needs_referral_gold"].astype(int), both["needs_referral_pred"].astype(int)
    tp = int(((y == 1) & (yhat == 1)).sum()); fn = int(((y == 1) & (yhat == 0)).sum())
    tn = int(((y == 0) & (yhat == 0)).sum()); fp = int(((y == 0) & (yhat == 1)).sum())
    ratio = lambda a, b: a / b if b else float("nan")  # noqa: E731
    out = {
        "n": len(both), "only_in_gold": int((~g["patient_id"].isin(p["patient_id"])).sum()),
        "only_in_pred": int((~p["patient_id"].isin(g["patient_id"])).sum()),
        "tp": tp, "fp": fp, "tn": tn, "fn": fn,
        "sensitivity": ratio(tp, tp + fn), "specificity": ratio(tn, tn + fp),
        "ppv": ratio(tp, tp + fp), "npv": ratio(tn, tn + fn), "auroc": float("nan"), "auroc_n": 0,
        "delay_mae_days": float("nan"), "delay_n": 0,
    }
    if "risk" in both:
        scored = both["risk"].astype(float).notna()
        out["auroc_n"] = int(scored.sum())
        if y[scored].nunique() == 2:
            out["auroc"] = float(roc_auc_score(y[scored], both.loc[scored, "risk"].astype(float)))
    if "delay_days_gold" in both and "delay_days_pred" in both:
        d = both[["delay_days_gold", "delay_days_pred"]].astype(float).dropna()
        out["delay_n"] = len(d)
        out["delay_mae_days"] = float(np.abs(d["delay_days_gold"] - d["delay_days_pred"]).mean()) if len(d) else float("nan")
    return out


def format_metrics(m: dict) -> str:
    """A small aligned table of the metrics."""
    lines = [f"patients compared: {m['n']} (only in gold {m['only_in_gold']}, only in pred {m['only_in_pred']})",
             f"confusion: TP {m['tp']}  FP {m['fp']}  TN {m['tn']}  FN {m['fn']}"]
    for key in ("sensitivity", "specificity", "ppv", "npv"):
        lines.append(f"{key:12s} {m[key]:.3f}")
    lines.append(f"{'auroc':12s} {m['auroc']:.3f} over {m['auroc_n']} patients with a risk")
    lines.append(f"{'delay MAE':12s} {m['delay_mae_days']:.1f} days over {m['delay_n']} patients")
    return "\n".join(lines)
