"""What a run hands to people and databases, written into one output directory.

| file | content |
|---|---|
| worklist.csv | patients who need referral, highest risk first (pipelines.outputs.worklist) |
| report.html | self-contained HTML report (pipelines.outputs.report) |
| note_nlp.parquet, note_nlp.csv | OMOP CDM v5.4 NOTE_NLP rows (pipelines.outputs.note_nlp) |
| patients.parquet | schemas.PATIENTS, every patient in the store |
| mentions.parquet | schemas.MENTIONS, every mention in the store |
| quarantine.csv | schemas.QUARANTINE, this run's rejected input rows |

Every file is written whole under a temporary name and renamed into place, so a reader
(or a killed run) never sees half a file.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from pipelines.io import write_table
from pipelines.outputs.note_nlp import note_nlp_rows
from pipelines.outputs.report import render_report
from pipelines.outputs.worklist import build_worklist
from pipelines.schemas import MENTIONS, QUARANTINE, conform

OUTPUT_FILES = ("mentions.parquet", "patients.parquet", "worklist.csv", "note_nlp.parquet", "note_nlp.csv", "quarantine.csv", "report.html")


def write_text(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (temp file, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_outputs(store, out: Path, quarantine: pd.DataFrame, summary: dict, checkpoint=lambda name: None) -> dict[str, str]:
    """Write every output file from the store's contents; returns {file name: path}.

    `checkpoint("outputs:<file>")` is called after each file (the job's crash-test hook).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    notes, mentions = store.patient_notes(None)
    patients = store.table("patients")
    worklist = build_worklist(patients, mentions)
    nlp_rows = note_nlp_rows(mentions, summary["pipeline_version"], store.processed_at())
    tables = {
        "mentions.parquet": mentions[list(MENTIONS)],
        "patients.parquet": patients,
        "worklist.csv": worklist,
        "note_nlp.parquet": nlp_rows,
        "note_nlp.csv": nlp_rows.assign(nlp_datetime=nlp_rows["nlp_datetime"].dt.strftime("%Y-%m-%d %H:%M:%S")),
        "quarantine.csv": conform(quarantine, QUARANTINE, "quarantine"),
    }
    for name, frame in tables.items():
        write_table(frame, out / name)
        checkpoint(f"outputs:{name}")
    write_text(out / "report.html", render_report(summary, patients, worklist, notes, mentions))
    checkpoint("outputs:report.html")
    return {name: str(out / name) for name in OUTPUT_FILES}
