"""ConText evaluation on the NegEx/ConText annotated corpus (context_annotations.tsv).

Each row's concept is located in its sentence (case-insensitively) and marked as the
only span; our pipeline decides through `nlp.assert_spans`, out-of-the-box medspaCy
through `medspacy.load()` (PyRuSH sentences + default ConText rules) with the concept as
its only entity. Attributes: negated (negation == Negated), historical (temporality ==
Historical), hypothetical (temporality == "Not particular"), family (experiencer !=
Patient). Rows whose concept is not in the sentence are counted and skipped.
"""
from __future__ import annotations

import pandas as pd

from pipelines.evaluate.metrics import prf

GOLD = {
    "negated": lambda r: r["negation"] == "Negated",
    "historical": lambda r: r["temporality"] == "Historical",
    "hypothetical": lambda r: r["temporality"] == "Not particular",
    "family": lambda r: r["experiencer"] != "Patient",
}


def load_corpus(path) -> tuple[pd.DataFrame, int]:
    """Rows with located concept offsets (`start`, `end`), and the number skipped."""
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=3)
    starts = [s.lower().find(c.lower()) for s, c in zip(df["sentence"], df["concept"])]
    df["start"] = starts
    df["end"] = [s + len(c) for s, c in zip(starts, df["concept"])]
    found = df["start"] >= 0
    return df[found].reset_index(drop=True), int((~found).sum())


def ours(df: pd.DataFrame) -> pd.DataFrame:
    """Our attributes per row."""
    from nlp import assert_spans

    rows = [assert_spans(s, [(a, b, "CONCEPT")])[0] for s, a, b in zip(df["sentence"], df["start"], df["end"])]
    return pd.DataFrame(rows)[list(GOLD)]


def medspacy_default(df: pd.DataFrame) -> pd.DataFrame:
    """Out-of-the-box medspaCy attributes per row (PyRuSH logging silenced)."""
    import medspacy
    from loguru import logger

    logger.remove()
    nlp = medspacy.load()
    context = nlp.get_pipe("medspacy_context")
    out = []
    for sentence, start, end in zip(df["sentence"], df["start"], df["end"]):
        doc = nlp.make_doc(sentence)
        for name, proc in nlp.pipeline:
            if name in ("medspacy_pyrush",):
                doc = proc(doc)
        span = doc.char_span(start, end, label="CONCEPT", alignment_mode="expand")
        doc.ents = [span]
        doc = context(doc)
        e = doc.ents[0]
        out.append({"negated": int(e._.is_negated), "historical": int(e._.is_historical),
                    "hypothetical": int(e._.is_hypothetical), "family": int(e._.is_family)})
    return pd.DataFrame(out)


def score(df: pd.DataFrame, predicted: pd.DataFrame) -> dict:
    """Per attribute P/R/F1 of `predicted` against the corpus labels."""
    result = {}
    for attr, rule in GOLD.items():
        gold = df.apply(rule, axis=1).to_numpy()
        pred = predicted[attr].astype(bool).to_numpy()
        result[attr] = prf(int((gold & pred).sum()), int((~gold & pred).sum()), int((gold & ~pred).sum()))
    return result


def evaluate_context(path, systems=("nerveflag", "medspacy")) -> dict:
    """{"rows", "skipped", system: {attribute: prf}} for the requested systems."""
    df, skipped = load_corpus(path)
    result = {"rows": len(df), "skipped": skipped}
    runners = {"nerveflag": ours, "medspacy": medspacy_default}
    for system in systems:
        result[system] = score(df, runners[system](df))
    return result
