"""The dispatcher: format detection, several inputs, options, errors; write_table."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from pipelines.io import detect_format, read_notes, write_table
from tests.pipelines.io.notes_data import ROWS, check_good


@pytest.mark.parametrize("name, fmt", [("a.csv", "csv"), ("a.PARQUET", "parquet"), ("a.jsonl", "jsonl"), ("a.ndjson", "jsonl"),
                                       ("a.duckdb", "omop"), ("a.db", "omop"), ("a.sqlite", "omop")])
def test_format_from_extension(tmp_path, name, fmt):
    (tmp_path / name).write_text("")
    assert detect_format(tmp_path / name) == fmt


def test_unknown_extension_missing_path_and_unknown_fmt_are_one_line_errors(tmp_path):
    (tmp_path / "notes.xlsx").write_text("x")
    with pytest.raises(ValueError, match="unknown notes format .xlsx"):
        read_notes(tmp_path / "notes.xlsx")
    with pytest.raises(FileNotFoundError, match="absent.csv: no such file"):
        read_notes(tmp_path / "absent.csv")
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        read_notes(tmp_path / "notes.xlsx", fmt="xml")
    with pytest.raises(ValueError, match="no notes input"):
        read_notes([])
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        read_notes(tmp_path / "dir.csv")
    with pytest.raises(ValueError, match="OMOP database files only"):
        read_notes(_csv(tmp_path), query="SELECT 1")


def test_fmt_overrides_the_extension(tmp_path):
    path = tmp_path / "notes.txt"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    check_good(read_notes(path, fmt="csv"))


def test_several_inputs_of_different_formats_validate_together(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.jsonl"
    pd.DataFrame(ROWS[:2]).to_csv(a, index=False)
    b.write_text("\n".join(json.dumps(r) for r in [ROWS[0], {**ROWS[1], "text": "changed"}, ROWS[2]]) + "\n")
    result = read_notes([a, b])
    check_good(result)
    assert result.duplicates_collapsed == 1
    assert result.quarantine[["source", "row", "note_id"]].values.tolist() == [[str(b), 1, "n2"]]
    assert result.sources == [str(a), str(b)]
    assert result.n_read == 5


def test_note_type_default_fills_only_missing_types(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame([ROWS[0], {**ROWS[1], "note_type": ""}]).to_csv(path, index=False)
    assert read_notes(path, note_type="progress note").notes["note_type"].tolist() == ["PT", "progress note"]


def test_fixed_date_and_one_column_for_two_fields(tmp_path):
    """MTSamples-style export: no dates, each note its own patient."""
    path = tmp_path / "mt.csv"
    pd.DataFrame({"note_id": ["1", "2", "3"], "transcription": ["Numb foot.", "", "Weak quad."]}).to_csv(path, index=False)
    columns = {"text": "transcription", "patient_id": "note_id"}
    result = read_notes(path, columns=columns, fixed_date="2024-06-01")
    assert list(result.notes["patient_id"]) == ["1", "3"] == list(result.notes["note_id"])
    assert (result.notes["note_date"] == pd.Timestamp("2024-06-01")).all()
    assert result.quarantine["reason"].tolist() == ["empty text"]
    with pytest.raises(ValueError, match="not a date"):
        read_notes(path, columns=columns, fixed_date="soon")


def test_write_table_round_trips_and_rejects_unknown_extension(tmp_path):
    notes = read_notes(_csv(tmp_path)).notes
    for name in ("out/notes.parquet", "out/notes.csv"):
        write_table(notes, tmp_path / name)
        check_good(read_notes(tmp_path / name))
    assert not list((tmp_path / "out").glob(".*tmp"))
    with pytest.raises(ValueError, match="must end in .csv or .parquet"):
        write_table(notes, tmp_path / "out.xlsx")


def _csv(tmp_path):
    path = tmp_path / "in.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    return path


def _mentions(n: int) -> pd.DataFrame:
    from pipelines.schemas import MENTIONS, conform

    rows = [{"note_id": f"n{i}", "patient_id": "p", "note_date": "2024-01-02", "label": "WEAKNESS", "start": i, "end": i + 3,
             "text": "weak, \"4/5\"", "section": "", "negated": i % 2, "uncertain": 0, "historical": 0, "hypothetical": 0,
             "family": 0, "grade": "4", "side": "", "site": "", "cues": ""} for i in range(n)]
    return conform(pd.DataFrame(rows, columns=list(MENTIONS)), MENTIONS)


def test_table_writer_appends_chunks_as_write_table_writes_the_whole(tmp_path):
    import pyarrow.parquet as pq

    from pipelines.io import TableWriter
    from pipelines.schemas import MENTIONS

    whole = _mentions(7)
    for suffix in (".csv", ".parquet"):
        write_table(whole, tmp_path / f"whole{suffix}")
        with TableWriter(tmp_path / f"one{suffix}", MENTIONS) as writer:
            writer.write(whole.iloc[:0])
            writer.write(whole)
        assert (tmp_path / f"one{suffix}").read_bytes() == (tmp_path / f"whole{suffix}").read_bytes(), suffix
        with TableWriter(tmp_path / f"chunks{suffix}", MENTIONS) as writer:
            for start in range(0, 7, 3):
                writer.write(whole.iloc[start:start + 3])
        assert writer.rows == 7
    assert (tmp_path / "chunks.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert pq.ParquetFile(tmp_path / "chunks.parquet").metadata.num_row_groups == 3
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "chunks.parquet"), pd.read_parquet(tmp_path / "whole.parquet"))
    assert not list(tmp_path.glob(".*tmp"))


def test_table_writer_leaves_nothing_behind_when_the_block_fails(tmp_path):
    from pipelines.io import TableWriter
    from pipelines.schemas import MENTIONS

    (tmp_path / "m.csv").write_text("old")
    for name in ("m.csv", "m.parquet"):
        with pytest.raises(RuntimeError), TableWriter(tmp_path / name, MENTIONS) as writer:
            writer.write(_mentions(2))
            raise RuntimeError("interrupted")
    assert (tmp_path / "m.csv").read_text() == "old" and not (tmp_path / "m.parquet").exists()
    assert not list(tmp_path.glob(".*tmp"))
