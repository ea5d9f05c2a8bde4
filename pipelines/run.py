"""The nightly job: read -> extract (only new or changed notes) -> score affected patients -> outputs.

`run_job` is a plain function; `nerveflag run` is its command line. Notes are read chunk
by chunk (pipelines.io.iter_notes); each chunk is planned against the store's notes_seen
rows of its own note_ids, and its new or changed notes are extracted and committed in
batches, with one worker pool for the whole run, so memory stays flat as input grows.
The store makes runs incremental and crash-safe:

- a note is processed again only when its text hash, patient, date or type, or the
  pipeline version (package version + hash of every rule file), differ from the store;
- each batch's mentions and notes_seen rows are committed in one transaction that also
  marks the batch's patients dirty; dirty patients are re-scored (from ALL their stored
  notes and mentions) and marked clean in another transaction; a new model version
  re-scores every patient;
- every output file is written whole under a temporary name, then renamed into place.

So a run killed anywhere (kill -9) and started again ends with the same store and
outputs as an uninterrupted run. Set NERVEFLAG_CRASH_AT to a crash point ("read": after
planning the first chunk, before any batch is committed; "uncommitted:K", "batch:K",
"scored", "outputs:FILE") to make the job kill itself there.
"""
from __future__ import annotations

import hashlib
import os
import signal
import time
import uuid
from collections import defaultdict, deque
from contextlib import contextmanager
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Iterable

import pandas as pd
from tqdm import tqdm

from nlp.rules import rules_version
from pipelines.evidence import add_snippets
from pipelines.io import ReadResult, ReadTally, iter_notes
from pipelines.model_io import DEFAULT_MODEL, load_model, model_version
from pipelines.outputs import write_outputs
from pipelines.score import score_patients
from pipelines.store import Store

CRASH_ENV = "NERVEFLAG_CRASH_AT"
#: Columns whose change (versus the store) makes a note be processed again.
FINGERPRINT = ["patient_id", "note_date", "note_type", "text_sha256", "pipeline_version"]


def pipeline_version() -> str:
    """Package version plus a hash of every rule file: a change re-processes every note."""
    return f"{version('nerveflag')}+rules.{rules_version()}"


def crash_point(name: str) -> None:
    """Kill this process (SIGKILL, no cleanup) when NERVEFLAG_CRASH_AT names this point; for crash tests."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def text_hash(text: str) -> str:
    """SHA-256 (hex) of a note's text; the store keeps this, never the text."""
    return hashlib.sha256(str(text).encode("utf-8", "surrogatepass")).hexdigest()


def notes_to_process(notes: pd.DataFrame, seen: pd.DataFrame, version_now: str) -> pd.DataFrame:
    """The notes (with text_sha256 and pipeline_version added) that are new or differ from the store's record."""
    notes = notes.assign(text_sha256=[text_hash(t) for t in notes["text"]], pipeline_version=version_now)
    prev = seen.set_index("note_id")[FINGERPRINT].reindex(notes["note_id"])
    prev.index = notes.index
    same = (notes[FINGERPRINT] == prev).fillna(False).all(axis=1)
    return notes[~same]


def extracted_batches(batches, processes: int, on_note=None):
    """(batch of notes, its MENTIONS with evidence snippets) for each batch, pulled lazily, one worker pool for all.

    `on_note(1)` is called after each note's extraction (progress).
    """
    from nlp.extract import iter_extract

    in_flight: deque = deque()

    def pulled():
        for batch in batches:
            in_flight.append(batch)
            yield batch

    for mentions in iter_extract(pulled(), processes=processes, progress=on_note):
        batch = in_flight.popleft()
        yield batch, add_snippets(mentions, batch)


class Stopwatch:
    """Seconds per stage, summed over interleaved stretches (chunks are read, planned and extracted in turn)."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start

    def timed(self, items, name: str):
        """The items of `items`, the time spent producing each counted as stage `name`."""
        items = iter(items)
        while True:
            with self.stage(name):
                item = next(items, None)
            if item is None:
                return
            yield item


def _quiet_bar(total, unit):
    return tqdm(total=total, disable=True)


def run_job(inputs, store_path, out_dir, *, read_options: dict | None = None, **job) -> dict:
    """Run the job on the notes `inputs` (paths; `read_options` as for pipelines.io.iter_notes), read chunk by chunk.

    Keyword arguments `job` go to `run_notes`; returns its run summary.
    """
    return run_notes(iter_notes(inputs, **(read_options or {})), store_path, out_dir, **job)


def run_notes(read: ReadResult | Iterable[ReadResult], store_path, out_dir, *, model_path=None, processes: int = 1,
              batch_size: int = 500, progress=None) -> dict:
    """The job on notes read (one ReadResult, or chunks of them consumed lazily); returns the run summary.

    Summary keys: run_id, started, status, pipeline_version, model_version; counts (read, processed,
    skipped_unchanged, quarantined, duplicates_collapsed, mentions_new, patients_rescored,
    patients, needs_referral) with read = processed + skipped_unchanged + quarantined +
    duplicates_collapsed; timings_s per stage (read, plan, extract, score, outputs, total);
    notes_per_s (extraction); outputs ({file: path}). The run is logged in the store's runs
    table. `progress(total, unit)` makes a progress bar (tqdm-like; total None); default silent.
    """
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    model_file = Path(model_path) if model_path else (DEFAULT_MODEL if DEFAULT_MODEL.is_file() else None)
    model = load_model(model_file) if model_file else None
    started = datetime.now()
    summary = {"run_id": uuid.uuid4().hex[:12], "started": started.isoformat(timespec="seconds"), "status": "running",
               "pipeline_version": pipeline_version(),
               "model_version": model_version(model_file),
               "counts": {"read": 0, "processed": 0, "skipped_unchanged": 0, "quarantined": 0,
                          "duplicates_collapsed": 0, "mentions_new": 0},
               "timings_s": {}}
    chunks = [read] if isinstance(read, ReadResult) else read
    with Store(store_path) as store:
        store.start_run(summary["run_id"], started, summary["pipeline_version"], summary["model_version"])
        try:
            _run(store, summary, chunks, Path(out_dir), model, processes, batch_size, progress or _quiet_bar)
        except BaseException:
            store.finish_run(summary["run_id"], datetime.now(), "failed", summary["counts"], summary["timings_s"])
            raise
        summary["status"] = "done"
        store.finish_run(summary["run_id"], datetime.now(), "done", summary["counts"], summary["timings_s"])
    return summary


def _planned_batches(store: Store, summary: dict, chunks, tally: ReadTally, watch: Stopwatch, batch_size: int):
    """Batches of the new or changed notes, chunk by chunk; counts each chunk and records its quarantine first."""
    counts = summary["counts"]
    for k, chunk in enumerate(watch.timed(chunks, "read")):
        with watch.stage("plan"):
            tally.add(chunk)
            store.add_quarantine(chunk.quarantine)
            todo = notes_to_process(chunk.notes, store.notes_seen(chunk.notes["note_id"]), summary["pipeline_version"])
            counts["processed"] += len(todo)
            counts.update(read=tally.n_read, quarantined=tally.n_quarantined, duplicates_collapsed=tally.duplicates_collapsed,
                          skipped_unchanged=tally.n_notes - counts["processed"])
        if k == 0:
            crash_point("read")
        yield from (todo.iloc[start:start + batch_size] for start in range(0, len(todo), batch_size))


def _run(store: Store, summary: dict, chunks, out: Path, model, processes, batch_size, progress) -> None:
    counts, timings, watch, tally = summary["counts"], summary["timings_s"], Stopwatch(), ReadTally()
    t0 = time.perf_counter()

    with watch.stage("extract"), progress(None, "notes") as bar:
        batches = _planned_batches(store, summary, chunks, tally, watch, batch_size)
        for k, (batch, mentions) in enumerate(extracted_batches(batches, processes, bar.update), start=1):
            with store.transaction():
                store.save_batch(batch.assign(run_id=summary["run_id"]), mentions)
                crash_point(f"uncommitted:{k}")
            crash_point(f"batch:{k}")
            counts["mentions_new"] += len(mentions)
    timings.update({stage: round(watch.seconds[stage], 3) for stage in ("read", "plan")},
                   extract=round(watch.seconds["extract"] - watch.seconds["read"] - watch.seconds["plan"], 3))
    clock = time.perf_counter()

    def lap(stage):
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    model_changed = store.get_state("model_version") != summary["model_version"]
    affected = store.all_patients() if model_changed else store.dirty_patients()
    if affected or model_changed:
        notes, mentions = store.patient_notes(affected)
        store.save_patients(score_patients(notes, mentions, model=model), affected, summary["model_version"])
    counts["patients_rescored"] = len(affected)
    crash_point("scored")
    lap("score")

    patients = store.table("patients")
    counts.update(patients=len(patients), needs_referral=int(patients["needs_referral"].sum()))
    processed = counts["processed"]
    summary["notes_per_s"] = round(processed / timings["extract"], 1) if processed and timings["extract"] else 0.0
    summary["outputs"] = write_outputs(store, out, tally.quarantine, summary, crash_point)
    lap("outputs")
    timings["total"] = round(time.perf_counter() - t0, 3)
