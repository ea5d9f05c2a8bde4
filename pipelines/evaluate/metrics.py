"""Precision, recall and F1 from counts, and their presentation (text table, JSON-safe values)."""
from __future__ import annotations

import math


def prf(tp: int, fp: int, fn: int) -> dict:
    """{"tp","fp","fn","precision","recall","f1"}; undefined ratios are 0.0."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def binary_prf(gold, pred) -> dict:
    """prf of two equal-length sequences of 0/1 (or booleans), 1 being the positive class."""
    gold, pred = [bool(g) for g in gold], [bool(p) for p in pred]
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} decisions, pred {len(pred)}")
    tp = sum(g and p for g, p in zip(gold, pred))
    return prf(tp, sum(p and not g for g, p in zip(gold, pred)), sum(g and not p for g, p in zip(gold, pred)))


def format_table(rows: dict[str, dict], keys=("precision", "recall", "f1", "tp", "fp", "fn"), title: str = "") -> str:
    """Rows of metrics as an aligned text table (floats with 3 decimals, None as '-')."""
    width = max([len(title)] + [len(k) for k in rows]) + 2
    lines = [title.ljust(width) + "".join(f"{k:>11s}" for k in keys)]
    for name, m in rows.items():
        cells = "".join(_cell(m[k]) for k in keys)
        lines.append(name.ljust(width) + cells)
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return f"{'-':>11}"
    return f"{value:>11.3f}" if isinstance(value, float) else f"{value:>11}"


def json_safe(value):
    """`value` with NaN/inf floats replaced by None, so json.dumps writes valid JSON."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
