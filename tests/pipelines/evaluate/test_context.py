"""ConText evaluation: hand-written corpus rows, and the real NegEx/ConText corpus (ours vs medspaCy)."""
import argparse
import json

import pytest

from pipelines.evaluate.context import add_parser, evaluate_context, format_report, load_corpus, locate

HEADER = "row_id\tconcept\tsentence\tnegation\ttemporality\texperiencer\tannotation_note\n"
ROWS = [
    ("1", "cough", "She denies any COUGH.", "Negated", "Recent", "Patient", ""),
    ("2", "diabetes", "History of DIABETES.", "Affirmed", "Historical", "Patient", ""),
    ("3", "chest pain", "Return to the ED if CHEST PAIN develops.", "Affirmed", "Not particular", "Patient", ""),
    ("4", "colon cancer", "Her mother had COLON CANCER.", "Affirmed", "Recent", "Family member", ""),
    ("5", "leg pain", "The patient has LEG PAIN.", "Affirmed", "Recent", "Patient", ""),
    ("6", "neck:  supple.  no lymphadenopathy", "NECK:  Supple.", "Negated", "Recent", "Patient", "plts"),
]
# Out-of-the-box medspaCy on the real corpus, as issue 2 measured it.
ISSUE_MEDSPACY_F1 = {"negated": 0.930, "historical": 0.629, "hypothetical": 0.809}
# Ours as measured after the rule work (negated 0.972, historical 0.691, hypothetical 0.945,
# family 0.727): floors, never to be lowered. Historical stays below the issue's 0.80: 56 of its
# misses are bare list items ("HYPERTENSION.") whose section header the corpus split off.
OUR_FLOORS = {"negated": 0.97, "historical": 0.69, "hypothetical": 0.94, "family": 0.72}


@pytest.fixture
def mini(tmp_path):
    path = tmp_path / "mini.tsv"
    path.write_text(HEADER + "".join("\t".join(r) + "\n" for r in ROWS))
    return path


def test_locate_prefers_the_upper_cased_occurrence():
    assert locate("Schizophrenia:  long history of SCHIZOPHRENIA.", "schizophrenia") == 32
    assert locate("History of Diabetes.", "diabetes") == 11
    assert locate("NECK:  Supple.", "neck:  supple.  no lymphadenopathy") == -1


def test_rows_whose_concept_is_not_in_the_sentence_are_counted_and_named(mini):
    df, skipped = load_corpus(mini)
    assert len(df) == 5 and skipped == 1 and df.loc[0, "start"] == 15 and df.loc[0, "end"] == 20
    result = evaluate_context(mini, systems=("nerveflag",))
    assert result["rows"] == 5 and result["skipped"] == 1 and result["skipped_row_ids"] == ["6"]
    assert "skipped 1" in format_report(result, ("nerveflag",)) and "row_id 6" in format_report(result, ("nerveflag",))


def test_each_attribute_is_scored_against_its_corpus_label(mini):
    result = evaluate_context(mini, systems=("nerveflag",))
    assert result["gold"] == {"negated": 1, "historical": 1, "hypothetical": 1, "family": 1}
    for attr in ("negated", "historical", "hypothetical", "family"):
        m = result["nerveflag"][attr]
        assert (m["tp"], m["fp"], m["fn"], m["f1"]) == (1, 0, 0, 1.0), attr


def test_baseline_runs_on_the_same_rows(mini):
    result = evaluate_context(mini)
    assert set(result) >= {"nerveflag", "medspacy"}
    assert result["medspacy"]["negated"]["tp"] == 1 and result["medspacy"]["historical"]["tp"] == 1
    table = format_report(result)
    assert "nerveflag" in table and "medspacy" in table


def test_bad_input(tmp_path, mini):
    path = tmp_path / "bad.tsv"
    path.write_text("row_id\tconcept\tsentence\n1\tcough\tCOUGH.\n")
    with pytest.raises(ValueError, match="missing column.*negation"):
        evaluate_context(path)
    with pytest.raises(ValueError, match="unknown system.*negex"):
        evaluate_context(mini, systems=("negex",))
    with pytest.raises(FileNotFoundError):
        evaluate_context(tmp_path / "absent.tsv")


def test_command_prints_json(mini, capsys):
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["context", str(mini), "--ours-only", "--json"])
    assert args.func(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["skipped"] == 1 and result["nerveflag"]["negated"]["f1"] == 1.0 and "medspacy" not in result


def test_real_corpus_ours_beats_out_of_the_box_medspacy(shared_dir):
    result = evaluate_context(shared_dir / "data" / "negex" / "context_annotations.tsv")
    assert result["rows"] == 2364 and result["skipped"] == 12
    for attr, f1 in ISSUE_MEDSPACY_F1.items():
        assert result["medspacy"][attr]["f1"] == pytest.approx(f1, abs=0.01), attr
    for attr, floor in OUR_FLOORS.items():
        assert result["nerveflag"][attr]["f1"] >= floor, attr
        assert result["nerveflag"][attr]["f1"] > result["medspacy"][attr]["f1"], attr
