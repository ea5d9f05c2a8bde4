"""Mention evaluation on tiny hand-made gold/prediction tables with known answers."""
import argparse
import json
import math

import pandas as pd
import pytest

from pipelines.evaluate.mentions import add_parser, check_gold_spans, evaluate_mentions, match
from pipelines.schemas import MENTIONS, conform


def table(*rows) -> pd.DataFrame:
    """rows: (note_id, label, start, end[, {column: value}]) -> a MENTIONS table."""
    data = []
    for r in rows:
        row = {"note_id": r[0], "patient_id": "p", "note_date": "2024-01-01", "label": r[1], "start": r[2], "end": r[3],
               "text": "", "section": "", "negated": 0, "uncertain": 0, "historical": 0, "hypothetical": 0, "family": 0,
               "grade": "", "side": "", "site": "", "cues": ""}
        row.update(r[4] if len(r) > 4 else {})
        data.append(row)
    return conform(pd.DataFrame(data), MENTIONS)


GOLD = table(
    ("n1", "WEAKNESS", 0, 10, {"grade": "4"}),
    ("n1", "NUMBNESS", 20, 28, {"negated": 1}),
    ("n1", "NUMBNESS", 40, 48),
    ("n2", "ATROPHY", 0, 7),
    ("n2", "WEAKNESS", 10, 14, {"grade": "3+", "historical": 1}),
)
PRED = table(
    ("n1", "WEAKNESS", 5, 10, {"grade": "4"}),      # lenient only
    ("n1", "NUMBNESS", 20, 28, {"negated": 1}),     # strict
    ("n1", "NUMBNESS", 44, 52, {"negated": 1}),     # lenient only, attribute wrong
    ("n1", "REFERRAL", 60, 70),                     # false positive
    ("n2", "WEAKNESS", 10, 14, {"grade": "3"}),     # strict, grade and historical wrong
    ("n3", "WEAKNESS", 0, 4),                       # a note outside the gold: ignored by default
)


def test_strict_and_lenient_counts_per_label_and_micro():
    r = evaluate_mentions(GOLD, PRED)
    assert r["notes"] == 2 and r["gold"] == 5 and r["pred"] == 5
    assert (r["strict"]["WEAKNESS"]["tp"], r["strict"]["WEAKNESS"]["fp"], r["strict"]["WEAKNESS"]["fn"]) == (1, 1, 1)
    assert (r["lenient"]["WEAKNESS"]["tp"], r["lenient"]["WEAKNESS"]["fp"], r["lenient"]["WEAKNESS"]["fn"]) == (2, 0, 0)
    assert r["strict"]["NUMBNESS"]["tp"] == 1 and r["lenient"]["NUMBNESS"]["tp"] == 2
    assert r["lenient"]["ATROPHY"] == pytest.approx({"tp": 0, "fp": 0, "fn": 1, "precision": 0.0, "recall": 0.0, "f1": 0.0})
    assert r["lenient"]["REFERRAL"]["fp"] == 1
    assert r["strict"]["ALL (micro)"] == pytest.approx({"tp": 2, "fp": 3, "fn": 3, "precision": 0.4, "recall": 0.4, "f1": 0.4})
    assert r["lenient"]["ALL (micro)"] == pytest.approx({"tp": 4, "fp": 1, "fn": 1, "precision": 0.8, "recall": 0.8, "f1": 0.8})


def test_attributes_and_grade_are_scored_on_lenient_pairs():
    r = evaluate_mentions(GOLD, PRED)
    assert r["attribute_pairs"] == 4
    assert (r["attributes"]["negated"]["tp"], r["attributes"]["negated"]["fp"], r["attributes"]["negated"]["fn"]) == (1, 1, 0)
    assert r["attributes"]["negated"]["f1"] == pytest.approx(2 / 3)
    assert r["attributes"]["historical"]["fn"] == 1 and r["attributes"]["historical"]["f1"] == 0.0
    assert r["grade_n"] == 2 and r["grade_accuracy"] == 0.5


def test_annotated_notes_without_gold_mentions_count_false_positives():
    r = evaluate_mentions(GOLD, PRED, note_ids=["n1", "n2", "n3"])
    assert r["lenient"]["WEAKNESS"]["fp"] == 1 and r["pred"] == 6
    with pytest.raises(ValueError, match="outside the evaluated notes"):
        evaluate_mentions(GOLD, PRED, note_ids=["n1"])


def test_one_prediction_pairs_with_one_gold_mention_largest_overlap_first():
    gold = table(("n", "WEAKNESS", 0, 10), ("n", "WEAKNESS", 12, 30))
    pred = table(("n", "WEAKNESS", 8, 20))
    assert match(gold, pred, strict=False) == [(1, 0)]
    r = evaluate_mentions(gold, pred)
    assert (r["lenient"]["WEAKNESS"]["tp"], r["lenient"]["WEAKNESS"]["fn"]) == (1, 1)


def test_no_graded_pair_gives_no_grade_accuracy():
    r = evaluate_mentions(table(("n", "NUMBNESS", 0, 4)), table(("n", "NUMBNESS", 0, 4)))
    assert math.isnan(r["grade_accuracy"]) and r["grade_n"] == 0


@pytest.mark.parametrize("change, message", [
    (lambda df: df.drop(columns=["negated"]), "gold: missing column.*negated"),
    (lambda df: df.assign(label="WEAK"), "unknown label.*WEAK"),
    (lambda df: df.assign(start=["x"] + [0] * (len(df) - 1)), "start has empty or non-numeric"),
])
def test_bad_gold_is_a_clear_error(change, message):
    with pytest.raises(ValueError, match=message):
        evaluate_mentions(change(GOLD), PRED)


def test_gold_spans_are_checked_against_the_notes_without_echoing_text():
    notes = pd.DataFrame({"note_id": ["n"], "text": ["Secret note: L quad weakness."]})
    good = table(("n", "WEAKNESS", 15, 28, {"text": "quad weakness"}))
    check_gold_spans(good, notes)
    with pytest.raises(ValueError, match=r"1 mention\(s\) whose offsets do not match.*rows 0") as err:
        check_gold_spans(table(("n", "WEAKNESS", 14, 28, {"text": "quad weakness"})), notes)
    assert "weakness" not in str(err.value) and "Secret" not in str(err.value)
    with pytest.raises(ValueError, match="do not match"):
        check_gold_spans(table(("n", "WEAKNESS", 20, 99)), notes)
    with pytest.raises(ValueError, match="1 note id.*not in the notes"):
        check_gold_spans(table(("other", "WEAKNESS", 0, 4)), notes)


def run_cli(argv):
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_command_scores_a_prediction_file_as_json_and_as_tables(tmp_path, capsys):
    text = "Pt has L quad weakness 4/5 and denies numbness."
    notes = pd.DataFrame({"patient_id": ["p"], "note_id": ["n"], "note_date": ["2024-01-01"], "text": [text]})
    notes.to_csv(tmp_path / "notes.csv", index=False)
    gold = table(("n", "WEAKNESS", 9, 22, {"text": "quad weakness"}), ("n", "NUMBNESS", 38, 46, {"text": "numbness", "negated": 1}))
    gold.to_csv(tmp_path / "gold.csv", index=False)
    table(("n", "WEAKNESS", 16, 26)).to_csv(tmp_path / "pred.csv", index=False)
    base = ["mentions", "--gold", str(tmp_path / "gold.csv"), "--notes", str(tmp_path / "notes.csv")]
    assert run_cli(base + ["--pred", str(tmp_path / "pred.csv"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["lenient"]["ALL (micro)"]["tp"] == 1 and result["strict"]["ALL (micro)"]["tp"] == 0
    assert result["grade_accuracy"] is None
    assert run_cli(base + ["--pred", str(tmp_path / "pred.csv")]) == 0
    out = capsys.readouterr().out
    assert "strict (exact span + label)" in out and "lenient (overlap + label)" in out and "grade accuracy -" in out


def test_command_runs_the_extractor_without_pred(tmp_path, capsys):
    text = "Pt has L quad weakness 4/5 and denies numbness."
    pd.DataFrame({"patient_id": ["p"], "note_id": ["n"], "note_date": ["2024-01-01"], "text": [text]}).to_csv(tmp_path / "notes.csv", index=False)
    table(("n", "NUMBNESS", 38, 46, {"text": "numbness", "negated": 1})).to_csv(tmp_path / "gold.csv", index=False)
    assert run_cli(["mentions", "--gold", str(tmp_path / "gold.csv"), "--notes", str(tmp_path / "notes.csv"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["lenient"]["NUMBNESS"]["tp"] == 1 and result["attributes"]["negated"]["tp"] == 1
