"""The nightly job: incremental runs, version changes, quarantine, and kill -9 at any point."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipelines.run import CRASH_ENV, run_job
from pipelines.store import RESULT_TABLES, Store
from pipelines.synth import generate_cohort

OUTPUTS = ("mentions.parquet", "patients.parquet", "worklist.csv", "note_nlp.parquet", "note_nlp.csv", "quarantine.csv")


@pytest.fixture(scope="module")
def notes_csv(tmp_path_factory):
    notes, _, _ = generate_cohort(12, 21)
    path = tmp_path_factory.mktemp("in") / "notes.csv"
    bad = pd.DataFrame([{"patient_id": "x", "note_id": "bad-1", "note_date": "never", "text": "weak", "note_type": ""}])
    pd.concat([notes, bad]).to_csv(path, index=False)
    return path


def tables(store_path):
    with Store(store_path) as store:
        return {name: store.table(name) for name in RESULT_TABLES}


def outputs(out: Path):
    got = {}
    for name in OUTPUTS:
        df = pd.read_parquet(out / name) if name.endswith(".parquet") else pd.read_csv(out / name)
        got[name] = df.drop(columns=[c for c in ("nlp_date", "nlp_datetime") if c in df])
    return got


def assert_same(a: dict, b: dict):
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name].reset_index(drop=True), b[name].reset_index(drop=True), check_dtype=False, obj=name)


def test_incremental_runs_skip_unchanged_and_reprocess_changed(notes_csv, tmp_path):
    first = run_job(notes_csv, tmp_path / "s.duckdb", tmp_path / "out", batch_size=20)
    assert first["read"] == first["processed"] + first["skipped_unchanged"] + first["quarantined"] + first["duplicates_collapsed"]
    assert first["quarantined"] == 1 and first["processed"] > 40
    second = run_job(notes_csv, tmp_path / "s.duckdb", tmp_path / "out")
    assert second["processed"] == 0 and second["patients_rescored"] == 0 and second["skipped_unchanged"] == first["processed"]
    notes = pd.read_csv(notes_csv, dtype=str, keep_default_na=False)
    notes.loc[0, "text"] = "L quad 2/5, visible quad atrophy. Numbness to the knee."
    changed = tmp_path / "changed.csv"
    notes.to_csv(changed, index=False)
    third = run_job(changed, tmp_path / "s.duckdb", tmp_path / "out")
    assert third["processed"] == 1 and third["patients_rescored"] == 1
    with Store(tmp_path / "s.duckdb") as store:
        m = store.table("mentions")
        assert "quad 2/5" in set(m[m["note_id"] == notes.loc[0, "note_id"]]["text"])
        assert store.table("notes_seen")["note_id"].is_unique
        assert len(store.table("quarantine")) == 2  # the bad row, once per source file it came in


def test_pipeline_version_change_reprocesses_everything(notes_csv, tmp_path, monkeypatch):
    run_job(notes_csv, tmp_path / "s.duckdb", tmp_path / "out")
    monkeypatch.setattr("pipelines.run.pipeline_version", lambda: "changed-rules")
    again = run_job(notes_csv, tmp_path / "s.duckdb", tmp_path / "out")
    assert again["skipped_unchanged"] == 0 and again["processed"] > 0


@pytest.mark.parametrize("crash_at", ["batch:1", "batch:3", "scored", "outputs:worklist.csv", "outputs:report.html"])
def test_kill_minus_nine_then_rerun_equals_a_clean_run(notes_csv, tmp_path, crash_at):
    clean = tmp_path / "clean"
    run_job(notes_csv, clean / "s.duckdb", clean / "out", batch_size=10)
    crashed = tmp_path / "crashed"
    cmd = [sys.executable, "-m", "pipelines", "run", str(notes_csv), "--store", str(crashed / "s.duckdb"),
           "--out", str(crashed / "out"), "--batch-size", "10", "--processes", "1"]
    killed = subprocess.run(cmd, env={**os.environ, CRASH_ENV: crash_at}, capture_output=True)
    assert killed.returncode == -9
    rerun = subprocess.run(cmd, env={k: v for k, v in os.environ.items() if k != CRASH_ENV}, capture_output=True)
    assert rerun.returncode == 3, rerun.stderr.decode()[-500:]
    assert_same(tables(clean / "s.duckdb"), tables(crashed / "s.duckdb"))
    assert_same(outputs(clean / "out"), outputs(crashed / "out"))
    assert not list((crashed / "out").glob(".*.tmp"))


def test_cli_json_summary_and_exit_code(notes_csv, tmp_path):
    import json

    done = subprocess.run([sys.executable, "-m", "pipelines", "run", str(notes_csv), "--store", str(tmp_path / "s.duckdb"),
                           "--out", str(tmp_path / "out"), "--json", "--processes", "1"], capture_output=True)
    assert done.returncode == 3
    summary = json.loads(done.stdout)
    assert summary["quarantined"] == 1 and summary["notes_per_s"] > 0
    assert "report:" in done.stderr.decode()
    assert pd.read_csv(tmp_path / "out" / "quarantine.csv")["reason"].tolist() == ["missing or unparseable note_date"]
