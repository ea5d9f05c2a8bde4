"""The command line end to end: exit codes, one-line errors, outputs."""
import json

import pandas as pd
import pytest

from pipelines.cli import main

NOTES = pd.DataFrame({
    "patient_id": ["a", "a", "b", "c"], "note_id": ["1", "2", "3", "4"],
    "note_date": ["2024-01-01", "2024-02-01", "2024-01-05", "not a date"],
    "text": ["L quad 4+/5. Numbness anterior thigh.", "quad 2/5, can't climb stairs. Continue PT.", "Strength 5/5. Denies numbness.", "weak"],
})


@pytest.fixture
def notes_csv(tmp_path):
    path = tmp_path / "notes.csv"
    NOTES.to_csv(path, index=False)
    return path


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("extract", "score", "train", "evaluate", "synth"):
        assert command in out


def test_extract_then_score_with_quarantine_exit_code(notes_csv, tmp_path, capsys):
    assert main(["extract", str(notes_csv), "-o", str(tmp_path / "m.parquet"), "--quarantine", str(tmp_path / "q.csv"), "--processes", "1"]) == 3
    m = pd.read_parquet(tmp_path / "m.parquet")
    text = dict(zip(NOTES["note_id"], NOTES["text"]))
    assert all(text[r.note_id][r.start:r.end] == r.text for r in m.itertuples())
    assert pd.read_csv(tmp_path / "q.csv")["reason"].tolist() == ["missing or unparseable note_date"]
    assert main(["score", str(notes_csv), "--mentions", str(tmp_path / "m.parquet"), "-o", str(tmp_path / "p.csv")]) == 3
    p = pd.read_csv(tmp_path / "p.csv", dtype={"patient_id": str}).set_index("patient_id")
    assert p.loc["a", "needs_referral"] == 1 and p.loc["b", "needs_referral"] == 0
    assert "weak" not in capsys.readouterr().err  # note text never in messages


def test_fatal_errors_are_one_line(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "absent.csv"), "-o", str(tmp_path / "m.csv")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nerveflag extract: error:")
    bad = tmp_path / "bad.csv"
    NOTES.drop(columns=["text"]).to_csv(bad, index=False)
    assert main(["extract", str(bad), "-o", str(tmp_path / "m.csv")]) == 1
    assert "missing column(s) text" in capsys.readouterr().err


def test_synth_train_score_evaluate(tmp_path, capsys):
    assert main(["synth", "--patients", "40", "--seed", "11", "-o", str(tmp_path / "c")]) == 0
    c = tmp_path / "c"
    assert main(["train", "--notes", str(c / "notes.csv"), "--labels", str(c / "patients.csv"), "--mentions", str(c / "mentions.csv"),
                 "-o", str(tmp_path / "m.skops")]) == 0
    assert main(["score", str(c / "notes.csv"), "--model", str(tmp_path / "m.skops"), "-o", str(tmp_path / "p.csv"), "--processes", "1"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "patients", "--gold", str(c / "patients.csv"), "--pred", str(tmp_path / "p.csv"), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["n"] == 40 and metrics["sensitivity"] >= 0.9
    assert main(["evaluate", "mentions", "--gold", str(c / "mentions.csv"), "--notes", str(c / "notes.csv"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["lenient"]["ALL (micro)"]["f1"] > 0.9


def test_train_with_labels_for_unknown_patients(tmp_path, capsys):
    main(["synth", "--patients", "30", "--seed", "12", "-o", str(tmp_path / "c")])
    labels = pd.read_csv(tmp_path / "c" / "patients.csv")
    labels = pd.concat([labels, pd.DataFrame({"patient_id": ["ghost"], "needs_referral": [1]})])
    labels.to_csv(tmp_path / "labels.csv", index=False)
    assert main(["train", "--notes", str(tmp_path / "c" / "notes.csv"), "--labels", str(tmp_path / "labels.csv"),
                 "--mentions", str(tmp_path / "c" / "mentions.csv"), "-o", str(tmp_path / "m.skops")]) == 0
    assert "1 labels for unknown patients ignored" in capsys.readouterr().err


def test_synth_rejects_zero_patients(tmp_path):
    assert main(["synth", "--patients", "0", "-o", str(tmp_path / "c")]) == 1
