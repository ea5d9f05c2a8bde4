"""The nightly job: read -> extract (only new or changed notes) -> score affected patients -> outputs.

`run_job` is a plain function; `nerveflag run` is its command line. The store makes runs
incremental and crash-safe: batches of mentions are committed with their notes_seen rows
in one transaction, patients whose notes changed are marked dirty in that same
transaction and re-scored (and cleaned) in another, and every output file is written
whole then renamed. A run killed anywhere and started again ends in the same state as an
uninterrupted run.
"""
from __future__ import annotations

import hashlib
import os
import signal
import time
import uuid
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from nlp.rules import rules_version
from pipelines.evidence import add_snippets
from pipelines.io import read_notes, write_table
from pipelines.model_io import DEFAULT_MODEL, load_model, model_version
from pipelines.outputs.note_nlp import note_nlp_rows
from pipelines.outputs.report import render_report
from pipelines.outputs.worklist import build_worklist
from pipelines.schemas import MENTIONS
from pipelines.score import score_patients
from pipelines.store import Store

#: Test hook: kill the process (SIGKILL) at a named point, e.g. "batch:2", "scored", "outputs:report.html".
CRASH_ENV = "NERVEFLAG_CRASH_AT"


def pipeline_version() -> str:
    """Package version plus a hash of every rule file: changes re-process notes."""
    return f"{version('nerveflag')}+rules.{rules_version()}"


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _write_atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def run_job(inputs, store_path, out_dir, *, fmt=None, columns=None, query=None, model_path=None,
            processes: int = 1, batch_size: int = 500, progress=None) -> dict:
    """Run the whole job; returns the run summary (counts, timings, notes/s)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    read = read_notes(inputs, fmt=fmt, columns=columns, query=query)
    timings["read_s"] = time.perf_counter() - t0
    version_now = pipeline_version()
    model_file = Path(model_path) if model_path else (DEFAULT_MODEL if DEFAULT_MODEL.is_file() else None)
    model = load_model(model_file) if model_file else None
    model_ver = model_version(model_file)
    run_id = uuid.uuid4().hex[:12]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with Store(store_path) as store:
        store.start_run(run_id, datetime.now())
        store.add_quarantine(read.quarantine)
        notes = read.notes.copy()
        notes["text_sha256"] = [text_hash(t) for t in notes["text"]]
        seen = store.seen().set_index("note_id")
        known = notes["note_id"].map(seen["text_sha256"]) if len(seen) else pd.Series(None, index=notes.index)
        known_version = notes["note_id"].map(seen["pipeline_version"]) if len(seen) else pd.Series(None, index=notes.index)
        todo = notes[(known != notes["text_sha256"]) | (known_version != version_now)]
        t1 = time.perf_counter()
        from nlp import extract_mentions

        for k, start in enumerate(range(0, len(todo), batch_size), start=1):
            batch = todo.iloc[start:start + batch_size]
            mentions = add_snippets(extract_mentions(batch, processes=processes), batch)
            seen_rows = batch[["note_id", "patient_id", "note_date", "note_type", "text_sha256"]].assign(pipeline_version=version_now)
            store.save_batch(seen_rows, mentions)
            if progress:
                progress(len(batch))
            _crash_point(f"batch:{k}")
        timings["extract_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        rescore_all = store.get_state("model_version") != model_ver
        affected = store.all_patients() if rescore_all else store.dirty_patients()
        if affected:
            meta, mentions = store.patient_notes(None if rescore_all else affected)
            patients = score_patients(meta, mentions, model=model)
            store.save_patients(patients, affected, model_ver)
        _crash_point("scored")
        timings["score_s"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        summary = {
            "run_id": run_id, "pipeline_version": version_now, "model_version": model_ver,
            "read": read.n_read, "processed": len(todo), "skipped_unchanged": len(notes) - len(todo),
            "quarantined": len(read.quarantine), "duplicates_collapsed": read.duplicates_collapsed,
            "patients_rescored": len(affected),
        }
        write_outputs(store, out, read.quarantine, summary)
        timings["outputs_s"] = time.perf_counter() - t3
        timings["total_s"] = time.perf_counter() - t0
        summary.update({k: round(v, 3) for k, v in timings.items()})
        summary["notes_per_s"] = round(len(todo) / timings["extract_s"], 1) if todo.shape[0] and timings["extract_s"] else 0.0
        store.finish_run(run_id, datetime.now(), summary)
    return summary


def write_outputs(store: Store, out: Path, quarantine: pd.DataFrame, summary: dict) -> None:
    """Every output file from the store's current contents (whole files, renamed into place)."""
    meta, mentions = store.patient_notes(None)
    patients = store.table("patients")
    worklist = build_worklist(patients, mentions)
    files = {
        "mentions.parquet": mentions[list(MENTIONS)],
        "patients.parquet": patients,
        "worklist.csv": worklist,
        "quarantine.csv": quarantine,
    }
    nlp_rows = note_nlp_rows(mentions, summary["pipeline_version"], datetime.now().date())
    files["note_nlp.parquet"] = nlp_rows
    files["note_nlp.csv"] = nlp_rows
    for name, frame in files.items():
        write_table(frame, out / name)
        _crash_point(f"outputs:{name}")
    report_summary = {k: v for k, v in summary.items() if k != "run_id"}
    _write_atomic_text(out / "report.html", render_report(report_summary, patients, worklist, meta, mentions))
    _crash_point("outputs:report.html")
