"""`nerveflag bench` on a tiny input: valid JSON with the documented keys, --check, errors. No timing asserts."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from pipelines.bench import MEDSPACY, RESULT_KEYS, ROW_KEYS, check_identity, format_table
from pipelines.cli import main

TEXTS = ["L quad 4+/5. Numbness anterior thigh.", "Routine visit.", "Pt can't climb stairs; referred for EMG.", ""]


@pytest.fixture
def notes_csv(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame({
        "patient_id": ["a", "a", "b", "c"], "note_id": ["1", "2", "3", "4"],
        "note_date": ["2024-01-01"] * 4, "text": TEXTS,
    }).to_csv(path, index=False)
    return path


def test_json_has_documented_keys(notes_csv, capsys):
    paths = ["regex_scan", "spacy_tokenizer", MEDSPACY, "nerveflag_fast_1proc", "nerveflag_fast_nproc"]
    code = main(["bench", str(notes_csv), "--json", "--processes", "2", "--baseline-limit", "2", "--limit", "6", "--paths", *paths])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(RESULT_KEYS) <= set(result)
    assert result["notes"] == 6 and result["baseline_limit"] == 2 and result["processes"] == 2
    assert [r["name"] for r in result["results"]] == paths
    for row in result["results"]:
        assert set(row) == set(ROW_KEYS)
        assert row["notes"] == (2 if row["name"] == MEDSPACY else 6)
        assert row["notes_per_s"] > 0 and row["peak_rss_mb"] > 0
    medspacy_row = result["results"][2]
    assert medspacy_row["vs_medspacy"] == 1.0
    fast_rows = [r for r in result["results"] if r["name"].startswith("nerveflag_fast")]
    assert fast_rows[0]["mentions"] == fast_rows[1]["mentions"] > 0
    assert result["speedup_processes"] > 0
    assert "nerveflag_fast_1proc" in format_table(result)


def test_repeats_take_turns_and_pair_the_process_counts(monkeypatch):
    import pipelines.bench as bench

    order, seconds = [], iter([2.0, 1.0, 3.0, 1.2])  # 1proc, nproc, 1proc, nproc

    def fake(name, texts, processes=1):
        order.append(name)
        return {"name": name, "notes": len(texts), "seconds": next(seconds), "cpu_seconds": 1.0, "mentions": 0, "peak_rss_mb": 1.0}

    reference = iter([(2.0, 1.25), (1.6, 1.0)])  # (one process, two) per turn

    def fake_reference(processes):
        order.append("reference")
        return next(reference)

    monkeypatch.setattr(bench, "measure_in_child", fake)
    monkeypatch.setattr(bench, "reference_scaling", fake_reference)
    result = bench.run_bench(["a", "b"], processes=2, paths=["nerveflag_fast_1proc", "nerveflag_fast_nproc"], repeat=2)
    assert order == ["nerveflag_fast_1proc", "nerveflag_fast_nproc", "reference"] * 2
    assert result["speedup_processes"] == 2.0  # fastest against fastest
    assert result["speedup_processes_by_run"] == [2.0, 2.5]
    assert result["machine_speedup_processes"] == 1.6  # 1.6 s in one / 1.0 s in two
    assert result["machine_speedup_processes_by_run"] == [1.6, 1.6]
    table = format_table(result)
    assert "run by run: 2.00x, 2.50x (median 2.25x)" in table
    assert "machine ceiling, the same CPU-bound Python work shared by 2 processes vs 1: 1.60x (fastest runs)" in table


def test_no_machine_ceiling_without_the_parallel_path(monkeypatch):
    import pipelines.bench as bench

    def fake(name, texts, processes=1):
        return {"name": name, "notes": len(texts), "seconds": 1.0, "cpu_seconds": 1.0, "mentions": 0, "peak_rss_mb": 1.0}

    monkeypatch.setattr(bench, "measure_in_child", fake)
    monkeypatch.setattr(bench, "reference_scaling", lambda processes: pytest.fail("measured without the N-process path"))
    result = bench.run_bench(["a"], processes=2, paths=["nerveflag_fast_1proc"])
    assert result["machine_speedup_processes"] is None and result["machine_speedup_processes_by_run"] == []
    assert "machine ceiling" not in format_table(result)


def test_reference_scaling_times_the_same_work_in_one_and_in_several_processes():
    from pipelines.bench import reference_scaling

    alone, together = reference_scaling(2, iterations=40_000, units=8)
    assert 0 < alone < 5 and 0 < together < 5


def test_check_passes_and_prints_a_table(notes_csv, capsys):
    code = main(["bench", str(notes_csv), "--check", "--processes", "1", "--paths", "regex_scan"])
    captured = capsys.readouterr()
    assert code == 0
    assert "regex_scan" in captured.out and "identical" in captured.err


def test_check_reports_first_differing_note_id_only(monkeypatch):
    import nlp.extract

    real = nlp.extract.iter_note_mentions

    def skewed(texts, *, fast=True, **kw):
        for i, rows in enumerate(real(texts, fast=fast, **kw)):
            yield rows + ([{"label": "X"}] if fast and i == 2 else [])

    monkeypatch.setattr(nlp.extract, "iter_note_mentions", skewed)
    result = check_identity(["a", "b", "c", "d"], TEXTS)
    assert result == {"notes": 4, "differing": 1, "first_differing_note_id": "c"}


def test_missing_input_is_a_one_line_error(tmp_path, capsys):
    assert main(["bench", str(tmp_path / "absent.csv"), "--paths", "regex_scan"]) == 1
    assert "error" in capsys.readouterr().err


def test_bad_limit_is_rejected(notes_csv, capsys):
    assert main(["bench", str(notes_csv), "--limit", "0", "--paths", "regex_scan"]) == 1


def test_memory_bench_on_a_tiny_input_reports_each_run(notes_csv, capsys):
    from pipelines.bench import MEMORY_KEYS, MEMORY_ROW_KEYS

    code = main(["bench", str(notes_csv), "--memory", "--memory-sizes", "5", "20", "--memory-processes", "1", "2", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == set(MEMORY_KEYS) and result["distinct_texts"] == 3  # the empty text is quarantined, not measured
    assert [(r["notes"], r["processes"]) for r in result["runs"]] == [(5, 1), (5, 2), (20, 1), (20, 2)]
    assert all(set(r) == set(MEMORY_ROW_KEYS) and r["peak_rss_mb"] > 0 for r in result["runs"])
    assert set(result["ratio"]) == {"1", "2"}


def test_memory_bench_input_has_unique_ids_and_one_date(tmp_path):
    from pipelines.bench import MEMORY_DATE, write_memory_input
    from pipelines.io import read_notes

    write_memory_input(TEXTS[:3], 7, tmp_path / "n.csv")
    notes = read_notes(tmp_path / "n.csv").notes
    assert notes["note_id"].is_unique and notes["patient_id"].is_unique and len(notes) == 7
    assert notes["text"].tolist() == [TEXTS[i % 3] for i in range(7)] and (notes["note_date"] == pd.Timestamp(MEMORY_DATE)).all()


def test_memory_bench_rejects_bad_sizes(notes_csv, capsys):
    assert main(["bench", str(notes_csv), "--memory", "--memory-sizes", "0"]) == 1
    assert "--memory-sizes" in capsys.readouterr().err


def test_repeat_keeps_the_fastest_run(notes_csv, monkeypatch, capsys):
    from pipelines import bench

    times = iter([3.0, 1.0, 2.0])
    monkeypatch.setattr(bench, "measure_in_child", lambda name, texts, processes: {
        "name": name, "notes": len(texts), "seconds": next(times), "cpu_seconds": 1.0, "mentions": 0, "peak_rss_mb": 1.0})
    result = bench.run_bench(["a", "b"], processes=1, paths=["regex_scan"], repeat=3)
    assert result["results"][0]["seconds"] == 1.0
    assert main(["bench", str(notes_csv), "--repeat", "0", "--paths", "regex_scan"]) == 1
    assert "--repeat" in capsys.readouterr().err
