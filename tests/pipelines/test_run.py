"""The nightly job: incremental runs, version changes, quarantine, exit codes, and kill -9 at any point."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipelines.io import read_notes
from pipelines.run import CRASH_ENV, notes_to_process, run_job, run_notes
from pipelines.schemas import NOTES, conform, empty
from pipelines.store import NOTES_SEEN, RESULT_TABLES, Store
from pipelines.synth import generate_cohort

TABLE_OUTPUTS = ("mentions.parquet", "patients.parquet", "worklist.csv", "note_nlp.parquet", "note_nlp.csv", "quarantine.csv")
BAD_ROW = {"patient_id": "x", "note_id": "bad-1", "note_date": "never", "text": "weak", "note_type": ""}


@pytest.fixture(scope="module")
def notes_csv(tmp_path_factory):
    """A 12-patient synthetic cohort (about 60 notes) plus one row with an unparseable date."""
    notes, _, _ = generate_cohort(12, 21)
    path = tmp_path_factory.mktemp("in") / "notes.csv"
    pd.concat([notes, pd.DataFrame([BAD_ROW])]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def clean_run(notes_csv, tmp_path_factory):
    """(store path, output dir, summary) of one uninterrupted run."""
    root = tmp_path_factory.mktemp("clean")
    summary = run_job(notes_csv, root / "s.duckdb", root / "out", batch_size=10)
    return root / "s.duckdb", root / "out", summary


def tables(store_path) -> dict:
    """Result tables, without the run ids (which differ between any two runs)."""
    with Store(store_path) as store:
        return {name: store.table(name).drop(columns=["run_id"], errors="ignore") for name in RESULT_TABLES}


def outputs(out: Path) -> dict:
    """Output files, without processing times and the run summary (which differ between any two runs)."""
    got = {}
    for name in TABLE_OUTPUTS:
        df = pd.read_parquet(out / name) if name.endswith(".parquet") else pd.read_csv(out / name, keep_default_na=False)
        got[name] = df.drop(columns=["nlp_date", "nlp_datetime"], errors="ignore")
    html = (out / "report.html").read_text(encoding="utf-8")
    got["report.html"] = pd.DataFrame({"html": [re.sub(r'<section id="run-summary">.*?</section>', "", html, flags=re.S)]})
    return got


def assert_same(a: dict, b: dict):
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name].reset_index(drop=True), b[name].reset_index(drop=True), check_dtype=False, obj=name)


def test_notes_to_process_compares_text_hash_metadata_and_version():
    base = {"patient_id": "p", "note_date": "2024-01-01", "text": "L quad 4/5.", "note_type": "PT"}
    old = conform(pd.DataFrame([{**base, "note_id": f"n{i}"} for i in range(6)]), NOTES)
    seen = notes_to_process(old, empty(NOTES_SEEN), "v1").assign(run_id="r1")
    new = old.copy()
    new.loc[1, "text"] = "L quad 3/5."
    new.loc[2, "note_date"] = pd.Timestamp("2024-01-02")
    new.loc[3, "patient_id"] = "q"
    new.loc[4, "note_type"] = "ED"
    new = pd.concat([new, conform(pd.DataFrame([{**base, "note_id": "n9"}]), NOTES)], ignore_index=True)
    assert notes_to_process(new, seen, "v1")["note_id"].tolist() == ["n1", "n2", "n3", "n4", "n9"]
    assert len(notes_to_process(new, seen, "v2")) == len(new)
    assert notes_to_process(old, seen, "v1").empty


def test_counts_add_up_and_a_second_run_processes_nothing(notes_csv, clean_run, tmp_path):
    _, out, first = clean_run
    c = first["counts"]
    assert c["read"] == c["processed"] + c["skipped_unchanged"] + c["quarantined"] + c["duplicates_collapsed"]
    assert c["quarantined"] == 1 and c["processed"] > 40 and c["patients_rescored"] == c["patients"] == 12
    assert set(first["timings_s"]) == {"read", "plan", "extract", "score", "outputs", "total"} and first["notes_per_s"] > 0
    assert sorted(p.name for p in out.iterdir()) == sorted(first["outputs"])
    store = tmp_path / "s.duckdb"
    run_job(notes_csv, store, tmp_path / "out")
    second = run_job(notes_csv, store, tmp_path / "out")
    assert second["counts"]["processed"] == 0 and second["counts"]["patients_rescored"] == 0
    assert second["counts"]["skipped_unchanged"] == c["processed"] and second["notes_per_s"] == 0.0
    with Store(store) as s:
        runs = s.table("runs")
    assert runs["status"].tolist() == ["done", "done"] and json.loads(runs["counts"].iloc[1])["processed"] == 0


def test_changed_text_or_date_reprocesses_that_note_and_rescores_its_patient(notes_csv, tmp_path):
    store = tmp_path / "s.duckdb"
    run_job(notes_csv, store, tmp_path / "out")
    notes = pd.read_csv(notes_csv, dtype=str, keep_default_na=False)
    target = notes.loc[0, "note_id"]
    notes.loc[0, ["text", "note_date"]] = ["L quad 2/5, visible quad atrophy. Numbness to the knee.", "2023-01-01"]
    notes.loc[1, "note_date"] = "2023-01-02"  # metadata only
    changed = tmp_path / "changed.csv"
    notes.to_csv(changed, index=False)
    third = run_job(changed, store, tmp_path / "out")
    assert third["counts"]["processed"] == 2 and third["counts"]["patients_rescored"] == len({notes.loc[0, "patient_id"], notes.loc[1, "patient_id"]})
    with Store(store) as s:
        m = s.table("mentions")
        mine = m[m["note_id"] == target]
        assert set(mine["label"]) == {"ATROPHY", "WEAKNESS", "NUMBNESS"} and not mine.duplicated(["start", "end", "label"]).any()
        assert s.table("notes_seen")["note_id"].is_unique
        p = s.table("patients").set_index("patient_id").loc[notes.loc[0, "patient_id"]]
        assert p["first_red_flag_date"] == pd.Timestamp("2023-01-01")  # the rewritten visit fires the rule first
        assert notes.loc[0, "patient_id"] == notes.loc[1, "patient_id"]


def test_rule_change_reprocesses_every_note_and_model_change_rescores_every_patient(notes_csv, tmp_path, monkeypatch):
    store = tmp_path / "s.duckdb"
    first = run_job(notes_csv, store, tmp_path / "out")
    monkeypatch.setattr("pipelines.run.model_version", lambda path: "another-model")
    model = run_job(notes_csv, store, tmp_path / "out")
    assert model["counts"]["processed"] == 0 and model["counts"]["patients_rescored"] == 12
    monkeypatch.setattr("pipelines.run.pipeline_version", lambda: "0.1.0+rules.changed")
    rules = run_job(notes_csv, store, tmp_path / "out")
    assert rules["counts"]["skipped_unchanged"] == 0 and rules["counts"]["processed"] == first["counts"]["processed"]
    with Store(store) as s:
        assert set(s.table("notes_seen")["pipeline_version"]) == {"0.1.0+rules.changed"}
    nlp = pd.read_parquet(tmp_path / "out" / "note_nlp.parquet")
    assert set(nlp["nlp_system"]) == {"nerveflag 0.1.0+rules.changed"}


def test_chunked_reading_gives_the_same_store_and_outputs(notes_csv, clean_run, tmp_path):
    store, out = tmp_path / "s.duckdb", tmp_path / "out"
    summary = run_job(notes_csv, store, out, batch_size=4, read_options={"chunk_rows": 7})
    clean_store, clean_out, clean = clean_run
    assert summary["counts"] == clean["counts"]
    assert_same(tables(clean_store), tables(store))
    assert_same(outputs(clean_out), outputs(out))


def test_duplicates_across_chunks_and_files_are_counted_once(notes_csv, tmp_path):
    notes = pd.read_csv(notes_csv, dtype=str, keep_default_na=False)
    again = pd.concat([notes.head(5), notes.head(2).assign(text="rewritten")])
    again.to_csv(tmp_path / "again.csv", index=False)
    c = run_job([notes_csv, tmp_path / "again.csv"], tmp_path / "s.duckdb", tmp_path / "out", read_options={"chunk_rows": 3})["counts"]
    assert c["duplicates_collapsed"] == 5 and c["quarantined"] == 3 and c["read"] == len(notes) + 7
    assert c["read"] == c["processed"] + c["skipped_unchanged"] + c["quarantined"] + c["duplicates_collapsed"]


def test_run_notes_takes_one_read_result_too(notes_csv, clean_run, tmp_path):
    summary = run_notes(read_notes(notes_csv), tmp_path / "s.duckdb", tmp_path / "out", batch_size=10)
    assert summary["counts"] == clean_run[2]["counts"]
    assert_same(tables(clean_run[0]), tables(tmp_path / "s.duckdb"))


def nerveflag(*args, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if crash_at:
        env[CRASH_ENV] = crash_at
    return subprocess.run([sys.executable, "-m", "pipelines", *map(str, args)], env=env, capture_output=True, text=True, timeout=300)


def test_killed_again_and_again_then_rerun_equals_an_uninterrupted_run(notes_csv, clean_run, tmp_path):
    """kill -9 inside an uncommitted batch, between batches, after scoring and between output
    files (each kill in the next attempt); the final run matches a clean run."""
    store, out = tmp_path / "s.duckdb", tmp_path / "out"
    cmd = ("run", notes_csv, "--store", store, "--out", out, "--batch-size", "10", "--processes", "1")
    points = ("uncommitted:2", "batch:1", "scored", "outputs:note_nlp.parquet")
    for point in points:
        assert nerveflag(*cmd, crash_at=point).returncode == -9, point
    final = nerveflag(*cmd, "--json")
    assert final.returncode == 3, final.stderr[-500:]
    clean_store, clean_out, _ = clean_run
    assert_same(tables(clean_store), tables(store))
    assert_same(outputs(clean_out), outputs(out))
    with Store(store) as s:
        assert s.table("runs")["status"].tolist() == ["interrupted"] * len(points) + ["done"]
    # the scheduler's view of the final run: JSON summary on stdout, report path and no note text on stderr
    summary = json.loads(final.stdout)
    assert summary["status"] == "done" and summary["counts"]["processed"] == 0  # the killed runs committed every note
    assert summary["counts"]["quarantined"] == 1 and summary["counts"]["read"] == summary["counts"]["skipped_unchanged"] + 1
    assert final.stderr.strip() == f"report: {out / 'report.html'}"
    q = pd.read_csv(out / "quarantine.csv")
    assert q[["note_id", "reason"]].values.tolist() == [["bad-1", "missing or unparseable note_date"]]


def test_killed_after_planning_the_first_chunk_commits_nothing(notes_csv, clean_run, tmp_path):
    store, out = tmp_path / "s.duckdb", tmp_path / "out"
    cmd = ("run", notes_csv, "--store", store, "--out", out, "--batch-size", "10", "--processes", "1", "--chunk-rows", "7")
    assert nerveflag(*cmd, crash_at="read").returncode == -9
    with Store(store) as s:
        assert s.table("notes_seen").empty and s.table("mentions").empty
    assert nerveflag(*cmd).returncode == 3
    assert_same(tables(clean_run[0]), tables(store))


def test_cli_exit_codes_and_summary_line(notes_csv, tmp_path, capsys):
    from pipelines.cli import main

    assert main(["run", str(notes_csv), "--store", str(tmp_path / "s.duckdb"), "--out", str(tmp_path / "o"), "--processes", "1"]) == 3
    err = capsys.readouterr().err
    read, processed = map(int, re.search(r"read (\d+): processed (\d+), unchanged 0, quarantined 1,", err).groups())
    assert read == processed + 1 and "notes/s" in err and "weak" not in err
    notes, _, _ = generate_cohort(2, 5)
    notes.to_csv(tmp_path / "n.csv", index=False)
    assert main(["run", str(tmp_path / "n.csv"), "--store", str(tmp_path / "s2.duckdb"), "--out", str(tmp_path / "o2"), "--processes", "1"]) == 0


def test_fatal_errors_exit_1_with_one_line(notes_csv, tmp_path, capsys):
    from pipelines.cli import main

    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 100)
    cases = [
        (["run", str(tmp_path / "absent.csv"), "--store", str(tmp_path / "s.duckdb"), "--out", str(tmp_path / "o")], "absent.csv"),
        (["run", str(notes_csv), "--store", str(tmp_path), "--out", str(tmp_path / "o")], "is a directory"),
        (["run", str(notes_csv), "--store", str(junk), "--out", str(tmp_path / "o")], "cannot open store"),
        (["run", str(notes_csv), "--store", str(tmp_path / "s.duckdb"), "--out", str(tmp_path / "o"), "--batch-size", "0"], "batch size"),
    ]
    for argv, message in cases:
        assert main(argv) == 1, argv
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nerveflag run: error:") and message in lines[0], lines


def test_omop_note_table_in_gives_note_nlp_rows_keyed_by_its_note_ids(tmp_path):
    import duckdb

    from pipelines.cli import main

    frame = pd.DataFrame({"note_id": [101, 102, 103], "person_id": [7, 7, 8],
                          "note_date": pd.to_datetime(["2024-03-01", "2024-03-20", "2024-04-01"]),
                          "note_text": ["L quad 4-/5. Numbness to knee.", "quad 3/5, can't climb stairs now.", "Strength 5/5 throughout."],
                          "note_type_concept_id": [44814645] * 3})
    with duckdb.connect(str(tmp_path / "cdm.duckdb")) as con:
        con.execute("CREATE TABLE note AS SELECT * REPLACE (CAST(note_date AS DATE) AS note_date) FROM frame")
    assert main(["run", str(tmp_path / "cdm.duckdb"), "--query", "SELECT * FROM note", "--store", str(tmp_path / "s.duckdb"),
                 "--out", str(tmp_path / "out"), "--processes", "1"]) == 0
    nlp = pd.read_parquet(tmp_path / "out" / "note_nlp.parquet")
    assert nlp["note_id"].dtype == "int64" and set(nlp["note_id"]) == {101, 102}  # 103 has no finding
    assert nlp["note_nlp_id"].is_unique and (nlp["snippet"].str.len() <= 250).all()
    wl = pd.read_csv(tmp_path / "out" / "worklist.csv", dtype={"patient_id": str})
    assert wl["patient_id"].tolist() == ["7"]
