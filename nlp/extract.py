"""The extraction stage: NOTES table -> MENTIONS table (pipelines.schemas.MENTIONS).

`extract_mentions(notes)` runs the fast path (nlp.fastpath) by default, or the full
pipeline on whole notes with `fast=False`; both give the same rows. With `processes>1`
notes are split into batches handled by worker processes, each building the pipeline once.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from typing import Callable, Iterable, Iterator

import pandas as pd

from nlp.mentions import MENTION_COLUMNS, doc_mentions

_worker_extract: Callable[[str], list[dict]] | None = None


def make_extractor(fast: bool = True) -> Callable[[str], list[dict]]:
    """A function note text -> mention rows (fast path, or the full pipeline)."""
    from nlp.fastpath import FastExtractor
    from nlp.pipeline import build_pipeline

    if fast:
        return FastExtractor()
    nlp = build_pipeline()
    return lambda text: doc_mentions(nlp(text))


def _init_worker(fast: bool) -> None:
    global _worker_extract
    _worker_extract = make_extractor(fast)


def _run_batch(texts: list[str]) -> list[list[dict]]:
    return [_worker_extract(t) for t in texts]


def iter_note_mentions(texts: Iterable[str], *, fast: bool = True, processes: int = 1, batch_size: int = 64) -> Iterator[list[dict]]:
    """Mention rows for each text, in input order."""
    if processes <= 1:
        extract = make_extractor(fast)
        for text in texts:
            yield extract(text)
        return
    def batches():
        batch = []
        for text in texts:
            batch.append(text)
            if len(batch) == batch_size:
                yield batch
                batch = []
        if batch:
            yield batch
    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(processes, initializer=_init_worker, initargs=(fast,)) as pool:
        for result in pool.imap(_run_batch, batches(), chunksize=1):
            yield from result


def mentions_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows -> a MENTIONS DataFrame with the documented columns and dtypes."""
    from pipelines.schemas import MENTIONS, conform, empty

    if not rows:
        return empty(MENTIONS)
    return conform(pd.DataFrame(rows, columns=MENTION_COLUMNS), MENTIONS, "mentions")


def extract_mentions(notes: pd.DataFrame, *, fast: bool = True, processes: int = 1, batch_size: int = 64, progress=None) -> pd.DataFrame:
    """MENTIONS for a NOTES table (columns patient_id, note_id, note_date, text).

    `progress`, if given, is called with the number of notes just finished.
    """
    missing = [c for c in ("patient_id", "note_id", "note_date", "text") if c not in notes.columns]
    if missing:
        raise ValueError(f"notes: missing column(s) {', '.join(missing)}")
    rows: list[dict] = []
    keys = notes[["note_id", "patient_id", "note_date"]].itertuples(index=False)
    texts = (str(t) for t in notes["text"].tolist())
    for (note_id, patient_id, note_date), found in zip(keys, iter_note_mentions(texts, fast=fast, processes=processes, batch_size=batch_size)):
        for row in found:
            row.update(note_id=note_id, patient_id=patient_id, note_date=note_date)
        rows.extend(found)
        if progress:
            progress(1)
    return mentions_frame(rows)
