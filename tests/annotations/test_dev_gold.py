"""The development gold set: built files match the sources and are internally consistent."""
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from pipelines.cli.tables import read_table
from pipelines.schemas import ATTRIBUTES, LABELS, MENTIONS, NOTES

ANNOTATIONS = Path(__file__).resolve().parents[2] / "annotations"


@pytest.fixture(scope="module")
def build_dev():
    spec = importlib.util.spec_from_file_location("build_dev", ANNOTATIONS / "build_dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def notes():
    return read_table(ANNOTATIONS / "dev" / "notes.csv")


@pytest.fixture(scope="module")
def mentions():
    return read_table(ANNOTATIONS / "dev" / "mentions.csv")


def test_built_files_are_up_to_date_with_sources(build_dev):
    stale = [path.name for path, content in build_dev.outputs(*build_dev.build()).items() if path.read_text(encoding="utf-8") != content]
    assert stale == [], "run python annotations/build_dev.py"


def test_columns_and_ids(notes, mentions):
    assert list(notes.columns) == list(NOTES) and list(mentions.columns) == list(MENTIONS)
    assert notes["note_id"].is_unique and notes["note_date"].notna().all() and (notes["text"] != "").all()
    assert set(mentions["note_id"]) <= set(notes["note_id"])


def test_size_and_shape(notes):
    per_patient = notes.groupby("patient_id").size()
    assert len(notes) >= 160 and per_patient.between(1, 6).all() and per_patient.size >= 40
    assert notes["text"].str.len().max() >= 2000 and notes["text"].str.len().min() < 200


def test_offsets_labels_and_attributes(notes, mentions):
    text = notes.set_index("note_id")["text"]
    assert all(text[m.note_id][m.start:m.end] == m.text for m in mentions.itertuples())
    assert set(mentions["label"]) == set(LABELS)
    for attribute in ATTRIBUTES:
        assert set(mentions[attribute]) <= {0, 1}
    assert (mentions["cues"] == "").all() and (mentions["section"] == "").all()
    assert set(mentions["side"]) <= {"", "left", "right", "bilateral"}
    graded = mentions[mentions["grade"] != ""]
    assert (graded["label"] == "WEAKNESS").all()


def test_mentions_carry_their_notes_patient_and_date(notes, mentions):
    joined = mentions.merge(notes, on="note_id", suffixes=("", "_note"))
    assert len(joined) == len(mentions)
    assert (joined["patient_id"] == joined["patient_id_note"]).all()
    assert (joined["note_date"] == joined["note_date_note"]).all()


def test_no_duplicate_mentions(mentions):
    assert not mentions.duplicated(["note_id", "label", "start", "end"]).any()


def test_source_errors_name_file_and_note(build_dev, tmp_path):
    (tmp_path / "px.md").write_text("## px-1 | 2024-01-01 | pt\nok <WEAKNESS>weak\n")
    with pytest.raises(ValueError, match=r"px.md: note px-1 \(header line 1\): line 1, column 4: <WEAKNESS> is never closed"):
        build_dev.build(tmp_path)
    (tmp_path / "px.md").write_text("stray text\n## px-1 | 2024-01-01 | pt\nok\n")
    with pytest.raises(ValueError, match="before the first"):
        build_dev.build(tmp_path)
    (tmp_path / "px.md").write_text("## px-1 | 2024-01-01 | pt\nok\n")
    (tmp_path / "py.md").write_text("## px-1 | 2024-02-01 | pt\nalso ok\n")
    with pytest.raises(ValueError, match="duplicate note ids: px-1"):
        build_dev.build(tmp_path)


def test_readme_counts_block(build_dev):
    readme = (ANNOTATIONS / "README.md").read_text(encoding="utf-8")
    block = readme.split(build_dev.COUNTS_BEGIN)[1].split(build_dev.COUNTS_END)[0]
    assert "| WEAKNESS |" in block and "| total |" in block
    with pytest.raises(ValueError, match="markers"):
        build_dev.readme_with_counts("no markers", "x")


def test_brat_round_trip_of_the_dev_set(notes, mentions, tmp_path):
    from pipelines.gold import read_brat, write_brat
    from pipelines.schemas import conform

    write_brat(notes, mentions, tmp_path)
    notes2, mentions2 = read_brat(tmp_path)
    pd.testing.assert_frame_equal(notes2, conform(notes, NOTES))
    key = ["note_id", "start", "end", "label"]
    pd.testing.assert_frame_equal(mentions2.sort_values(key).reset_index(drop=True),
                                  conform(mentions, MENTIONS).sort_values(key).reset_index(drop=True))


def test_check_mode_reports_up_to_date(build_dev, capsys):
    assert build_dev.main(["--check"]) == 0
    assert "| total |" in capsys.readouterr().out


# Measured on the dev gold when these floors were set (2026-12-02): lenient micro F1 0.926,
# negated 0.984, historical 0.857, hypothetical 1.000. The floors sit a little below, so a
# rule change that costs the dev set real mentions or assertions fails here.
DEV_FLOORS = {"micro_f1": 0.91, "negated": 0.96, "historical": 0.8, "hypothetical": 0.95}


def test_extraction_on_the_dev_gold_keeps_its_measured_quality(notes, mentions):
    from nlp import extract_mentions
    from pipelines.evaluate.mentions import evaluate_mentions

    result = evaluate_mentions(mentions, extract_mentions(notes), note_ids=notes["note_id"])
    assert result["lenient"]["ALL (micro)"]["f1"] >= DEV_FLOORS["micro_f1"]
    for attr in ("negated", "historical", "hypothetical"):
        assert result["attributes"][attr]["f1"] >= DEV_FLOORS[attr], attr
