"""`nerveflag extract` reads, extracts and writes chunk by chunk: the same bytes as extracting the whole input at once."""
from __future__ import annotations

import pandas as pd
import pytest

from nlp import extract_mentions
from pipelines.cli import main
from pipelines.io import read_notes, write_table

TEXTS = ["L quad 4-/5. Numbness to the knee, worse.", "Strength 5/5. Denies numbness.", "Can't climb stairs; quad 3/5.",
         "Thigh 2 cm smaller on the left. Refer to neurology."]


@pytest.fixture
def notes_csv(tmp_path):
    """30 notes across patients, plus an empty text, a bad date, a conflicting and an exact duplicate in later rows."""
    rows = [{"patient_id": f"p{i % 4}", "note_id": f"n{i}", "note_date": f"2024-02-{1 + i % 20:02d}", "text": TEXTS[i % 4]} for i in range(30)]
    rows += [{**rows[3], "text": "changed"}, dict(rows[5]), {**rows[0], "note_id": "e1", "text": ""},
             {**rows[0], "note_id": "d1", "note_date": "never"}]
    path = tmp_path / "notes.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("processes", [1, 2])
def test_chunked_output_is_byte_identical_to_the_whole_input_path(notes_csv, tmp_path, capsys, processes):
    whole = read_notes(notes_csv)
    mentions = extract_mentions(whole.notes, processes=1)
    for suffix, chunk_rows in ((".csv", "4"), (".csv", "1000"), (".parquet", "1000")):
        expected, got, quarantine = tmp_path / f"expected{suffix}", tmp_path / f"got{suffix}", tmp_path / "q.csv"
        write_table(mentions, expected)
        code = main(["extract", str(notes_csv), "-o", str(got), "--quarantine", str(quarantine), "--chunk-rows", chunk_rows,
                     "--processes", str(processes)])
        assert code == 3
        assert got.read_bytes() == expected.read_bytes(), (suffix, chunk_rows)
        write_table(whole.quarantine, tmp_path / "q_expected.csv")
        assert quarantine.read_bytes() == (tmp_path / "q_expected.csv").read_bytes()
        err = capsys.readouterr().err
        assert f"read 34 rows: 30 notes, 3 quarantined; {len(mentions)} mentions" in err
    assert not list(tmp_path.glob(".*tmp"))


def test_parquet_output_in_several_chunks_has_the_same_rows(notes_csv, tmp_path):
    write_table(extract_mentions(read_notes(notes_csv).notes), tmp_path / "expected.parquet")
    assert main(["extract", str(notes_csv), "-o", str(tmp_path / "got.parquet"), "--chunk-rows", "7", "--processes", "1"]) == 3
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "got.parquet"), pd.read_parquet(tmp_path / "expected.parquet"))


def test_a_failure_in_a_later_source_leaves_no_output(notes_csv, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,note_id,text\np,n,weak\n")
    out = tmp_path / "m.csv"
    assert main(["extract", str(notes_csv), str(bad), "-o", str(out), "--chunk-rows", "5", "--processes", "1"]) == 1
    assert "bad.csv: missing column(s) note_date" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".*tmp"))


def test_empty_input_gives_a_header_only_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("patient_id,note_id,note_date,text\n")
    assert main(["extract", str(path), "-o", str(tmp_path / "m.csv"), "--processes", "1"]) == 0
    write_table(extract_mentions(read_notes(path).notes), tmp_path / "expected.csv")
    assert (tmp_path / "m.csv").read_bytes() == (tmp_path / "expected.csv").read_bytes()
