"""Precision, recall and F1 from counts."""
from __future__ import annotations


def prf(tp: int, fp: int, fn: int) -> dict:
    """{"tp","fp","fn","precision","recall","f1"}; undefined ratios are 0.0."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def format_table(rows: dict[str, dict], keys=("precision", "recall", "f1", "tp", "fp", "fn"), title: str = "") -> str:
    """Rows of metrics as an aligned text table."""
    width = max([len(title)] + [len(k) for k in rows]) + 2
    lines = [title.ljust(width) + "".join(f"{k:>11s}" for k in keys)]
    for name, m in rows.items():
        cells = "".join(f"{m[k]:>11.3f}" if isinstance(m[k], float) else f"{m[k]:>11}" for k in keys)
        lines.append(name.ljust(width) + cells)
    return "\n".join(lines)
