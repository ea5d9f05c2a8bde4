"""The Spark engine (local[2]) gives the local engine's mentions and patients, row for row."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Java is not installed", allow_module_level=True)

from nlp import extract_mentions  # noqa: E402
from pipelines.engines import spark as engine  # noqa: E402
from pipelines.io import read_notes  # noqa: E402
from pipelines.score import score_patients  # noqa: E402

pytestmark = pytest.mark.spark
DEMO = "pipelines/data/demo/notes.csv"


@pytest.fixture(scope="module")
def spark():
    session = engine.session("local[2]")
    yield session
    session.stop()


def local_and_spark(spark, notes_csv, tmp_path, columns=None, fixed_date=None):
    read = read_notes(notes_csv, columns=columns, fixed_date=fixed_date)
    raw = pd.read_csv(notes_csv, dtype=str, keep_default_na=False)
    if fixed_date:
        raw["_fixed_date"] = fixed_date
        columns = {**(columns or {}), "note_date": "_fixed_date"}
    raw.to_parquet(tmp_path / "notes.parquet")
    counts = engine.run(spark, str(tmp_path / "notes.parquet"), tmp_path / "out", columns=columns)
    mentions = extract_mentions(read.notes)
    patients = score_patients(read.notes, mentions)
    return read, mentions, patients, counts, tmp_path / "out"


def sort(df, keys):
    return df.sort_values(keys).reset_index(drop=True)


def assert_rows_equal(local: pd.DataFrame, spark_dir, keys):
    got = pd.read_parquet(spark_dir)
    got = got.astype({c: local[c].dtype for c in local.columns if str(local[c].dtype) != "datetime64[ns]"})
    for c in local.columns:
        if str(local[c].dtype) == "datetime64[ns]":
            got[c] = pd.to_datetime(got[c]).astype("datetime64[ns]")
    pd.testing.assert_frame_equal(sort(local, keys), sort(got[list(local.columns)], keys), check_exact=False, rtol=1e-9)


def test_demo_cohort_equals_local_engine(spark, tmp_path):
    read, mentions, patients, counts, out = local_and_spark(spark, DEMO, tmp_path)
    assert counts["notes"] == len(read.notes) and counts["mentions"] == len(mentions)
    assert_rows_equal(mentions, out / "mentions", ["note_id", "start", "end", "label"])
    assert_rows_equal(patients, out / "patients", ["patient_id"])


def test_mtsamples_sample_equals_local_engine_and_quarantines_bad_rows(spark, tmp_path, shared_dir):
    sample = pd.read_csv(shared_dir / "data" / "mtsamples" / "mtsamples.csv", dtype=str, keep_default_na=False).head(2000)
    path = tmp_path / "mt.csv"
    sample.to_csv(path, index=False)
    columns = {"text": "transcription", "patient_id": "note_id"}
    read, mentions, patients, counts, out = local_and_spark(spark, path, tmp_path, columns, "2024-01-01")
    assert counts["quarantined"] == len(read.quarantine) > 0  # empty transcriptions
    assert sorted(pd.read_parquet(out / "quarantine")["note_id"]) == sorted(read.quarantine["note_id"])
    assert_rows_equal(mentions, out / "mentions", ["note_id", "start", "end", "label"])
    assert_rows_equal(patients, out / "patients", ["patient_id"])


def test_extract_command_on_spark(spark, tmp_path):
    from pipelines.cli import main

    pd.read_csv(DEMO, dtype=str, keep_default_na=False).to_parquet(tmp_path / "notes.parquet")
    assert main(["extract", str(tmp_path / "notes.parquet"), "--engine", "spark", "-o", str(tmp_path / "m")]) == 0
    local = extract_mentions(read_notes(DEMO).notes)
    assert len(pd.read_parquet(tmp_path / "m")) == len(local)
    assert main(["extract", str(tmp_path / "notes.parquet"), "--engine", "spark", "--fixed-date", "2024-01-01", "-o", str(tmp_path / "m2")]) == 1


def test_run_command_on_spark(spark, tmp_path):
    from pipelines.cli import main

    pd.read_csv(DEMO, dtype=str, keep_default_na=False).to_parquet(tmp_path / "notes.parquet")
    code = main(["run", str(tmp_path / "notes.parquet"), "--engine", "spark", "--store", str(tmp_path / "unused.duckdb"),
                 "--out", str(tmp_path / "out")])
    assert code == 0
    patients = pd.read_parquet(tmp_path / "out" / "patients")
    assert len(patients) == read_notes(DEMO).notes["patient_id"].nunique()
