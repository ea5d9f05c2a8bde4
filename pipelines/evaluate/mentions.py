"""Mention-level evaluation: per-label P/R/F1 (strict offsets and lenient overlap) and per-attribute F1.

Matching pairs each gold mention with at most one predicted mention of the same label in
the same note: exact offsets (strict) or any character overlap (lenient, greedy by
largest overlap). Attribute F1 is computed on lenient pairs, treating each attribute as a
binary decision; grade accuracy on paired WEAKNESS mentions whose gold has a grade.
"""
from __future__ import annotations

import pandas as pd

from pipelines.evaluate.metrics import prf
from pipelines.schemas import ATTRIBUTES, LABELS


def _pairs(gold: pd.DataFrame, pred: pd.DataFrame, strict: bool) -> list[tuple[int, int]]:
    pairs = []
    pred_groups = {k: g for k, g in pred.groupby(["note_id", "label"])}
    for key, g in gold.groupby(["note_id", "label"]):
        p = pred_groups.get(key)
        if p is None:
            continue
        candidates = []
        for gi, gs, ge in zip(g.index, g["start"], g["end"]):
            for pi, ps, pe in zip(p.index, p["start"], p["end"]):
                if strict and (gs, ge) == (ps, pe) or not strict and ps < ge and gs < pe:
                    candidates.append((min(ge, pe) - max(gs, ps), gi, pi))
        used_g, used_p = set(), set()
        for _, gi, pi in sorted(candidates, reverse=True):
            if gi not in used_g and pi not in used_p:
                used_g.add(gi); used_p.add(pi); pairs.append((gi, pi))
    return pairs


def evaluate_mentions(gold: pd.DataFrame, pred: pd.DataFrame) -> dict:
    """{"strict": {label: prf}, "lenient": {label: prf}, "attributes": {attr: prf}, "grade_accuracy": float}.

    Only notes present in gold are scored (predictions on other notes are ignored).
    """
    gold = gold.reset_index(drop=True)
    pred = pred[pred["note_id"].isin(set(gold["note_id"]))].reset_index(drop=True)
    result = {}
    lenient_pairs = []
    for mode in ("strict", "lenient"):
        pairs = _pairs(gold, pred, strict=mode == "strict")
        if mode == "lenient":
            lenient_pairs = pairs
        matched_g = gold.loc[[g for g, _ in pairs], "label"].value_counts()
        per_label = {}
        for label in LABELS:
            tp = int(matched_g.get(label, 0))
            per_label[label] = prf(tp, int((pred["label"] == label).sum()) - tp, int((gold["label"] == label).sum()) - tp)
        tp = sum(m["tp"] for m in per_label.values())
        per_label["ALL (micro)"] = prf(tp, len(pred) - tp, len(gold) - tp)
        result[mode] = per_label
    attrs = {}
    for attr in ATTRIBUTES:
        g = gold.loc[[g for g, _ in lenient_pairs], attr].astype(int).to_numpy()
        p = pred.loc[[p for _, p in lenient_pairs], attr].astype(int).to_numpy()
        attrs[attr] = prf(int(((g == 1) & (p == 1)).sum()), int(((g == 0) & (p == 1)).sum()), int(((g == 1) & (p == 0)).sum()))
    result["attributes"] = attrs
    graded = [(gi, pi) for gi, pi in lenient_pairs if gold.at[gi, "label"] == "WEAKNESS" and str(gold.at[gi, "grade"])]
    result["grade_accuracy"] = sum(str(gold.at[g, "grade"]) == str(pred.at[p, "grade"]) for g, p in graded) / len(graded) if graded else float("nan")
    result["grade_n"] = len(graded)
    return result
