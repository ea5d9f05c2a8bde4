"""Mention-level evaluation against gold: per-label P/R/F1 (strict and lenient) and per-attribute F1.

Matching pairs each gold mention with at most one predicted mention of the same label in
the same note: exact offsets (strict) or any character overlap (lenient; greedy, largest
overlap first). Overall scores are micro-averaged. Attribute F1 (negated, uncertain,
historical, hypothetical, family) is computed on the lenient pairs, each attribute a
binary decision; grade accuracy on lenient WEAKNESS pairs whose gold has a grade.

Gold and predictions are MENTIONS tables (pipelines.schemas); scoring needs the columns
note_id, label, start, end, the five attributes and grade.
"""
from __future__ import annotations

import json

import pandas as pd

from pipelines.evaluate.metrics import binary_prf, format_table, json_safe, prf
from pipelines.schemas import ATTRIBUTES, LABELS

SCORED_COLUMNS = ("note_id", "label", "start", "end", *ATTRIBUTES, "grade")
OVERALL = "ALL (micro)"


def _scored(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """The columns scoring needs, typed; ValueError naming what is missing or malformed."""
    missing = [c for c in SCORED_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
    out = df.reset_index(drop=True)
    out = out.assign(note_id=out["note_id"].astype(str), label=out["label"].astype(str),
                     grade=out["grade"].fillna("").astype(str).str.strip())
    for col in ("start", "end", *ATTRIBUTES):
        values = pd.to_numeric(out[col], errors="coerce")
        if values.isna().any():
            rows = ", ".join(map(str, values.index[values.isna()][:5]))
            raise ValueError(f"{name}: column {col} has empty or non-numeric values (rows {rows})")
        out[col] = values.astype(int)
    unknown = sorted(set(out["label"]) - set(LABELS))
    if unknown:
        raise ValueError(f"{name}: unknown label(s) {', '.join(unknown)}")
    return out


def check_gold_spans(gold: pd.DataFrame, notes: pd.DataFrame) -> None:
    """Every gold mention lies in a known note and, when gold gives `text`, matches it there.

    Raises ValueError with counts and row numbers only (note text is never echoed).
    """
    gold = _scored(gold, "gold")
    texts = dict(zip(notes["note_id"].astype(str), notes["text"].astype(str)))
    unknown = sorted(set(gold["note_id"].astype(str)) - set(texts))
    if unknown:
        raise ValueError(f"gold: {len(unknown)} note id(s) not in the notes (first: {', '.join(unknown[:3])})")
    bad = []
    given = gold["text"].fillna("").astype(str) if "text" in gold.columns else pd.Series("", index=gold.index)
    for i, note_id, start, end, text in zip(gold.index, gold["note_id"], gold["start"], gold["end"], given):
        note = texts[note_id]
        if not 0 <= start < end <= len(note) or (text and note[start:end] != text):
            bad.append(i)
    if bad:
        raise ValueError(f"gold: {len(bad)} mention(s) whose offsets do not match the note text (rows {', '.join(map(str, bad[:5]))})")


def match(gold: pd.DataFrame, pred: pd.DataFrame, strict: bool) -> list[tuple[int, int]]:
    """(gold row, pred row) pairs: same note and label, exact offsets (strict) or overlapping."""
    pairs = []
    pred_groups = dict(list(pred.groupby(["note_id", "label"])))
    for key, g in gold.groupby(["note_id", "label"]):
        p = pred_groups.get(key)
        if p is None:
            continue
        candidates = []
        for gi, gs, ge in zip(g.index, g["start"], g["end"]):
            for pi, ps, pe in zip(p.index, p["start"], p["end"]):
                if (gs, ge) == (ps, pe) if strict else ps < ge and gs < pe:
                    candidates.append((min(ge, pe) - max(gs, ps), -gi, -pi))
        used_g, used_p = set(), set()
        for _, gi, pi in sorted(candidates, reverse=True):
            gi, pi = -gi, -pi
            if gi not in used_g and pi not in used_p:
                used_g.add(gi)
                used_p.add(pi)
                pairs.append((gi, pi))
    return sorted(pairs)


def _per_label(gold: pd.DataFrame, pred: pd.DataFrame, pairs: list[tuple[int, int]]) -> dict:
    matched = gold.loc[[g for g, _ in pairs], "label"].value_counts()
    out = {}
    for label in LABELS:
        tp = int(matched.get(label, 0))
        out[label] = prf(tp, int((pred["label"] == label).sum()) - tp, int((gold["label"] == label).sum()) - tp)
    out[OVERALL] = prf(len(pairs), len(pred) - len(pairs), len(gold) - len(pairs))
    return out


def evaluate_mentions(gold: pd.DataFrame, pred: pd.DataFrame, note_ids=None) -> dict:
    """Scores of `pred` against `gold` on the notes `note_ids` (default: the notes gold mentions).

    Pass the ids of every annotated note (also those with no gold mention) so that
    predictions on them count as false positives. Returns
    {"notes", "gold", "pred", "strict": {label: prf}, "lenient": {label: prf},
     "attributes": {attr: prf}, "attribute_pairs", "grade_accuracy" (NaN if no pair), "grade_n"}.
    """
    gold, pred = _scored(gold, "gold"), _scored(pred, "pred")
    scope = set(map(str, note_ids)) if note_ids is not None else set(gold["note_id"])
    outside = ~gold["note_id"].isin(scope)
    if outside.any():
        raise ValueError(f"gold: {int(outside.sum())} mention(s) on notes outside the evaluated notes")
    pred = pred[pred["note_id"].isin(scope)].reset_index(drop=True)
    result = {"notes": len(scope), "gold": len(gold), "pred": len(pred)}
    pairs = {}
    for mode in ("strict", "lenient"):
        pairs[mode] = match(gold, pred, strict=mode == "strict")
        result[mode] = _per_label(gold, pred, pairs[mode])
    g_rows = [g for g, _ in pairs["lenient"]]
    p_rows = [p for _, p in pairs["lenient"]]
    result["attributes"] = {attr: binary_prf(gold.loc[g_rows, attr], pred.loc[p_rows, attr]) for attr in ATTRIBUTES}
    result["attribute_pairs"] = len(g_rows)
    graded = [(g, p) for g, p in pairs["lenient"] if gold.at[g, "label"] == "WEAKNESS" and gold.at[g, "grade"]]
    correct = sum(gold.at[g, "grade"] == pred.at[p, "grade"] for g, p in graded)
    result["grade_accuracy"] = correct / len(graded) if graded else float("nan")
    result["grade_n"] = len(graded)
    return result


def format_report(result: dict) -> str:
    """The evaluation as text tables."""
    grade = f"{result['grade_accuracy']:.3f}" if result["grade_n"] else "-"
    return "\n\n".join([
        f"notes {result['notes']}; gold mentions {result['gold']}; predicted {result['pred']}",
        format_table(result["strict"], title="strict (exact span + label)"),
        format_table(result["lenient"], title="lenient (overlap + label)"),
        format_table(result["attributes"], title=f"attribute ({result['attribute_pairs']} lenient pairs)"),
        f"grade accuracy {grade} on {result['grade_n']} graded WEAKNESS pairs",
    ])


def add_parser(sub) -> None:
    """Register `evaluate mentions`."""
    p = sub.add_parser("mentions", help="mention-level P/R/F1 against gold",
                       description="Per-label P/R/F1 (strict and lenient), per-attribute F1 and grade accuracy.")
    p.add_argument("--gold", required=True, help="gold mentions, .csv or .parquet (MENTIONS schema)")
    p.add_argument("--notes", required=True, help="the annotated notes (every note counts, also those without gold mentions)")
    p.add_argument("--pred", help="predicted mentions (default: run the extractor on --notes)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=run)


def run(args) -> int:
    """`nerveflag evaluate mentions`: print the report; 0 on success."""
    from pipelines.cli.tables import read_table
    from pipelines.io import read_notes

    notes = read_notes(args.notes).notes
    gold = read_table(args.gold)
    check_gold_spans(gold, notes)
    if args.pred:
        pred = read_table(args.pred)
    else:
        from nlp import extract_mentions

        pred = extract_mentions(notes)
    result = evaluate_mentions(gold, pred, note_ids=notes["note_id"])
    print(json.dumps(json_safe(result), indent=2) if args.json else format_report(result))
    return 0
