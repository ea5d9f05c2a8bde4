"""ConText evaluation on the NegEx/ConText annotated corpus (context_annotations.tsv).

Each row's concept is located in its sentence (the corpus writes it in upper case there:
that occurrence first, else the first case-insensitive one) and marked as the only span.
Our pipeline decides through `nlp.assert_spans`; out-of-the-box medspaCy through
`medspacy.load()` (its PyRuSH sentence splitter and default ConText rules) with the
concept as its only entity. Attributes compared with the corpus labels: negated
(negation == Negated), historical (temporality == Historical), hypothetical (temporality
== "Not particular"), family (experiencer != Patient). Rows whose concept is not in the
sentence (the corpus has 12) are skipped and reported by row id.
"""
from __future__ import annotations

import csv
import json

import pandas as pd

from pipelines.evaluate.metrics import binary_prf, json_safe

COLUMNS = ("row_id", "concept", "sentence", "negation", "temporality", "experiencer")
GOLD = {
    "negated": lambda df: df["negation"] == "Negated",
    "historical": lambda df: df["temporality"] == "Historical",
    "hypothetical": lambda df: df["temporality"] == "Not particular",
    "family": lambda df: df["experiencer"] != "Patient",
}
SYSTEMS = ("nerveflag", "medspacy")


def locate(sentence: str, concept: str) -> int:
    """Start of `concept` in `sentence`: its upper-cased occurrence, else case-insensitive; -1 if absent."""
    start = sentence.find(concept.upper())
    return start if start >= 0 else sentence.lower().find(concept.lower())


def read_corpus(path) -> pd.DataFrame:
    """All corpus rows with `start`/`end` of the concept (-1 when it is not in the sentence)."""
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    df["start"] = [locate(s, c) if c.strip() else -1 for s, c in zip(df["sentence"], df["concept"])]
    df["end"] = [s + len(c) if s >= 0 else -1 for s, c in zip(df["start"], df["concept"])]
    return df


def load_corpus(path) -> tuple[pd.DataFrame, int]:
    """Rows whose concept was located (with `start`, `end`), and the number of rows skipped."""
    df = read_corpus(path)
    found = df["start"] >= 0
    return df[found].reset_index(drop=True), int((~found).sum())


def ours(df: pd.DataFrame) -> pd.DataFrame:
    """Our attributes per row (columns of GOLD)."""
    from nlp import assert_spans

    rows = [assert_spans(s, [(a, b, "CONCEPT")])[0] for s, a, b in zip(df["sentence"], df["start"], df["end"])]
    return pd.DataFrame(rows, columns=["start", "end", "label", "negated", "uncertain", "historical",
                                       "hypothetical", "family", "cues"])[list(GOLD)]


def medspacy_default(df: pd.DataFrame) -> pd.DataFrame:
    """Out-of-the-box medspaCy attributes per row (columns of GOLD); its loguru logging silenced."""
    import medspacy
    from loguru import logger

    logger.remove()
    nlp = medspacy.load()
    sentences, context = nlp.get_pipe("medspacy_pyrush"), nlp.get_pipe("medspacy_context")
    out = []
    for sentence, start, end in zip(df["sentence"], df["start"], df["end"]):
        doc = sentences(nlp.make_doc(sentence))
        doc.ents = [doc.char_span(start, end, label="CONCEPT", alignment_mode="expand")]
        ent = context(doc).ents[0]
        out.append({"negated": ent._.is_negated, "historical": ent._.is_historical,
                    "hypothetical": ent._.is_hypothetical, "family": ent._.is_family})
    return pd.DataFrame(out, columns=list(GOLD)).astype(int)


RUNNERS = {"nerveflag": ours, "medspacy": medspacy_default}


def score(df: pd.DataFrame, predicted: pd.DataFrame) -> dict:
    """{attribute: prf} of `predicted` against the corpus labels of `df` (same row order)."""
    return {attr: binary_prf(rule(df), predicted[attr]) for attr, rule in GOLD.items()}


def evaluate_context(path, systems=SYSTEMS) -> dict:
    """{"rows", "skipped", "skipped_row_ids", "gold": {attr: positives}, system: {attr: prf}}."""
    unknown = [s for s in systems if s not in RUNNERS]
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}; one of {', '.join(RUNNERS)}")
    df = read_corpus(path)
    found = df["start"] >= 0
    scored = df[found].reset_index(drop=True)
    result = {"rows": len(scored), "skipped": int((~found).sum()),
              "skipped_row_ids": df.loc[~found, "row_id"].tolist(),
              "gold": {attr: int(rule(scored).sum()) for attr, rule in GOLD.items()}}
    for system in systems:
        result[system] = score(scored, RUNNERS[system](scored))
    return result


def format_report(result: dict, systems=SYSTEMS) -> str:
    """Side-by-side table: per attribute, each system's P / R / F1 (tp fp fn)."""
    systems = [s for s in systems if s in result]
    head = f"{'attribute':14s}{'gold':>6s}" + "".join(f"  {s + ': P / R / F1 (tp fp fn)':36s}" for s in systems)
    lines = [f"rows scored {result['rows']}; skipped {result['skipped']} (concept not in its sentence: "
             f"row_id {', '.join(result['skipped_row_ids']) or '-'})", "", head.rstrip()]
    for attr in GOLD:
        cells = ""
        for s in systems:
            m = result[s][attr]
            cells += f"  {m['precision']:.3f} / {m['recall']:.3f} / {m['f1']:.3f} ({m['tp']} {m['fp']} {m['fn']})".ljust(38)
        lines.append(f"{attr:14s}{result['gold'][attr]:>6d}{cells}".rstrip())
    return "\n".join(lines)


def add_parser(sub) -> None:
    """Register `evaluate context`."""
    p = sub.add_parser("context", help="assertion F1 on the NegEx/ConText corpus, ours vs medspaCy",
                       description="Our ConText vs out-of-the-box medspaCy on context_annotations.tsv (shared/data/negex).")
    p.add_argument("corpus", help="context_annotations.tsv")
    p.add_argument("--ours-only", action="store_true", help="skip the out-of-the-box medspaCy baseline")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args) -> int:
    """`nerveflag evaluate context`: print the side-by-side report; 0 on success."""
    systems = ("nerveflag",) if args.ours_only else SYSTEMS
    result = evaluate_context(args.corpus, systems)
    print(json.dumps(json_safe(result), indent=2) if args.json else format_report(result, systems))
    return 0
