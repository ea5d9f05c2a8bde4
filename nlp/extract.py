"""The extraction stage: NOTES table -> MENTIONS table (pipelines.schemas.MENTIONS).

`extract_mentions(notes)` runs the fast path (nlp.fastpath) by default, or the full
pipeline on whole notes with `fast=False`; both give the same rows. `iter_extract(batches)`
streams: it takes an iterable of NOTES batches and yields one MENTIONS table per batch, in
order, so memory stays flat however long the input. With `processes>1` notes go in chunks
to one pool of worker processes, each building the pipeline once; at most a few chunks per
worker are in flight. spaCy keeps every word it has tokenized, so a process replaces its
extractor with a fresh one (same mentions) once it has added VOCAB_GROWTH_LIMIT words.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
from collections import deque
from functools import lru_cache
from typing import Callable, Iterable, Iterator

import pandas as pd

from nlp.mentions import MENTION_COLUMNS, doc_mentions

NOTE_KEYS = ("note_id", "patient_id", "note_date")
#: Chunks queued per worker process: enough to keep them busy, few enough to bound memory.
CHUNKS_IN_FLIGHT = 4
#: Texts per chunk in the last one or two chunks' worth of input (see _chunks).
TAIL_CHUNK = 8
#: Run once when an extractor is made, so what is built on first use (regexes, matchers) is
#: built before worker processes fork and share it.
WARM_UP_NOTE = "HPI:  Weakness of the L quad 4-/5 and numbness to the knee, worse now. No atrophy.\nPlan: EMG."
#: Words (lexemes) an extractor may add to its vocabulary before it is replaced by a fresh one:
#: about 90 MB here (0.9 KB a word, tokenizer cache included). Ids, dates and typos would
#: otherwise grow memory without bound over a long run; a rebuild takes about 1.5 s.
VOCAB_GROWTH_LIMIT = 100_000
_VOCAB_AT_BUILD: dict[bool, int] = {}


class FullExtractor:
    """Callable: note text -> mention rows of the full pipeline run on the whole note."""

    def __init__(self):
        from nlp.pipeline import build_pipeline

        self.nlp = build_pipeline()

    def __call__(self, text: str) -> list[dict]:
        return doc_mentions(self.nlp(text))


def make_extractor(fast: bool = True):
    """A callable note text -> mention rows, with its pipeline as `.nlp` (the fast path, or the full
    pipeline), run once on WARM_UP_NOTE."""
    from nlp.fastpath import FastExtractor

    extract = FastExtractor() if fast else FullExtractor()
    extract(WARM_UP_NOTE)
    return extract


def worker_pool(processes: int, fast: bool = True):
    """A pool of `processes` workers forked from this process once it holds the extractor
    (use as a context manager; pass it to iter_note_mentions)."""
    shared_extractor(fast)
    return mp.get_context("fork" if hasattr(os, "fork") else "spawn").Pool(processes)


@lru_cache(maxsize=2)
def shared_extractor(fast: bool = True) -> Callable[[str], list[dict]]:
    """One extractor per process (built once; forked workers inherit the parent's).

    It lives as long as the process, so what is alive once it is built is moved out of the
    garbage collector's reach (gc.freeze): full collections no longer walk the pipeline's
    ~230,000 objects, nor copy the pages of the ones forked workers share.
    """
    extract = make_extractor(fast)
    _VOCAB_AT_BUILD[fast] = len(extract.nlp.vocab)
    gc.collect()
    gc.freeze()
    return extract


def current_extractor(fast: bool = True) -> Callable[[str], list[dict]]:
    """shared_extractor(fast), first replaced by a fresh one if it has added more than
    VOCAB_GROWTH_LIMIT words to its vocabulary since it was built."""
    extract = shared_extractor(fast)
    if len(extract.nlp.vocab) - _VOCAB_AT_BUILD[fast] <= VOCAB_GROWTH_LIMIT:
        return extract
    del extract
    gc.unfreeze()  # so the collector can free the old extractor's cycles
    shared_extractor.cache_clear()
    gc.collect()
    return shared_extractor(fast)


def _run_chunk(texts: list[str], fast: bool) -> list[list[dict]]:
    extract = current_extractor(fast)
    return [extract(t) for t in texts]


def _chunks(texts: Iterable[str], size: int, tail: int) -> Iterator[list[str]]:
    """Chunks of `size` texts; the last `size` to `2 * size - 1` texts in chunks of `tail`, so workers
    run out of work at nearly the same moment instead of one idling through another's last chunk."""
    held: list[str] = []
    for text in texts:
        held.append(text)
        if len(held) == 2 * size:
            yield held[:size]
            held = held[size:]
    for start in range(0, len(held), tail):
        yield held[start:start + tail]


def iter_note_mentions(texts: Iterable[str], *, fast: bool = True, processes: int = 1, batch_size: int = 64,
                       pool=None) -> Iterator[list[dict]]:
    """Mention rows for each text, in input order; `texts` is consumed lazily.

    With `processes` > 1, chunks go to a worker pool: `pool` (from worker_pool, kept open by the
    caller) or one started here.
    """
    shared_extractor(fast)  # built before forking, so workers need not build it again
    if processes <= 1 and pool is None:
        for text in texts:
            yield current_extractor(fast)(text)
        return
    if pool is None:
        with worker_pool(processes, fast) as pool:
            yield from iter_note_mentions(texts, fast=fast, processes=processes, batch_size=batch_size, pool=pool)
        return
    pending: deque = deque()
    for chunk in _chunks(texts, batch_size, min(batch_size, TAIL_CHUNK)):
        pending.append(pool.apply_async(_run_chunk, (chunk, fast)))
        while len(pending) >= processes * CHUNKS_IN_FLIGHT:
            yield from pending.popleft().get()
    while pending:
        yield from pending.popleft().get()


def mentions_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows -> a MENTIONS DataFrame with the documented columns and dtypes."""
    from pipelines.schemas import MENTIONS, conform, empty

    if not rows:
        return empty(MENTIONS)
    return conform(pd.DataFrame(rows, columns=MENTION_COLUMNS), MENTIONS, "mentions")


def _check_columns(notes: pd.DataFrame) -> None:
    missing = [c for c in (*NOTE_KEYS, "text") if c not in notes.columns]
    if missing:
        raise ValueError(f"notes: missing column(s) {', '.join(missing)}")


def iter_extract(batches: Iterable[pd.DataFrame], *, fast: bool = True, processes: int = 1, batch_size: int = 64,
                 progress=None) -> Iterator[pd.DataFrame]:
    """One MENTIONS table per NOTES batch (columns patient_id, note_id, note_date, text), in order.

    Batches are read lazily and workers are shared across batches, so memory is bounded by a
    batch and the chunks in flight. `progress`, if given, is called with 1 per finished note.
    """
    open_batches: deque[list] = deque()  # [note keys iterator, notes still to come, rows]

    def texts() -> Iterator[str]:
        for notes in batches:
            _check_columns(notes)
            open_batches.append([notes[list(NOTE_KEYS)].itertuples(index=False), len(notes), []])
            yield from (str(t) for t in notes["text"].tolist())

    for found in iter_note_mentions(texts(), fast=fast, processes=processes, batch_size=batch_size):
        while open_batches[0][1] == 0:  # results come in order: every earlier batch is complete
            yield mentions_frame(open_batches.popleft()[2])
        batch = open_batches[0]
        note_id, patient_id, note_date = next(batch[0])
        for row in found:
            row.update(note_id=note_id, patient_id=patient_id, note_date=note_date)
        batch[2].extend(found)
        batch[1] -= 1
        if progress:
            progress(1)
    while open_batches:
        yield mentions_frame(open_batches.popleft()[2])


def extract_mentions(notes: pd.DataFrame, *, fast: bool = True, processes: int = 1, batch_size: int = 64, progress=None) -> pd.DataFrame:
    """MENTIONS for a NOTES table (columns patient_id, note_id, note_date, text).

    `progress`, if given, is called with the number of notes just finished.
    """
    _check_columns(notes)
    return next(iter_extract([notes], fast=fast, processes=processes, batch_size=batch_size, progress=progress))
