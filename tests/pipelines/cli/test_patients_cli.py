"""train / score / evaluate patients on small hand-made CSVs with given mentions (no extractor)."""
import json

import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.schemas import PATIENTS
from tests.pipelines.helpers import mentions, notes

FINDINGS = {"ATROPHY": "quad atrophy", "WEAKNESS": "quad 3/5", "NUMBNESS": "numb thigh", "REFERRAL": "EMG ordered"}


@pytest.fixture
def cohort(tmp_path):
    """Ten patients, two notes each: five with atrophy and no referral (need referral), five without findings."""
    rows, found = [], []
    for i in range(10):
        pid = f"p{i}"
        rows += [(pid, f"{pid}-1", "2024-01-01"), (pid, f"{pid}-2", f"2024-01-{10 + i}")]
        found += [(f"{pid}-1", "ATROPHY"), (f"{pid}-2", "WEAKNESS")] if i < 5 else [(f"{pid}-2", "REFERRAL")]
    n = notes(*rows)
    n["text"] = "Visit note."
    n.loc[len(n)] = {"patient_id": "q", "note_id": "q-1", "note_date": pd.NaT, "text": "no date", "note_type": ""}
    m = mentions(*found)
    m["text"] = m["label"].map(FINDINGS)
    n.to_csv(tmp_path / "notes.csv", index=False, date_format="%Y-%m-%d")
    m.to_csv(tmp_path / "mentions.csv", index=False)
    labels = pd.DataFrame({"patient_id": [f"p{i}" for i in range(9)] + ["ghost"], "needs_referral": [1] * 5 + [0] * 4 + [1]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    return tmp_path


def test_train_score_evaluate_end_to_end(cohort, capsys):
    d = cohort
    assert main(["train", "--notes", str(d / "notes.csv"), "--labels", str(d / "labels.csv"), "--mentions", str(d / "mentions.csv"),
                 "-o", str(d / "m.skops"), "--estimator", "logistic"]) == 3  # the undated note is quarantined; 9 patients are too few for trees
    err = capsys.readouterr().err
    assert "trained on 9 patients (5 positive); 1 labels for unknown patients ignored; 1 patients without a label left out" in err
    assert "numb" not in err and "atrophy" not in err  # no note or mention text in messages
    assert main(["score", str(d / "notes.csv"), "--mentions", str(d / "mentions.csv"), "--model", str(d / "m.skops"),
                 "-o", str(d / "p.parquet")]) == 3
    p = pd.read_parquet(d / "p.parquet").set_index("patient_id")
    assert list(p.reset_index().columns) == list(PATIENTS) and len(p) == 10
    assert p["needs_referral"].tolist() == [1] * 5 + [0] * 5 and p["risk"].between(0, 1).all()
    assert "rule: atrophy on 2024-01-01 (2024-01-01 ATROPHY 'quad atrophy'), no referral since" in p.loc["p0", "reasons"]
    p.reset_index().to_csv(d / "p.csv", index=False)
    gold = pd.DataFrame({"patient_id": [f"p{i}" for i in range(10)], "needs_referral": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]})
    gold.to_csv(d / "gold.csv", index=False)
    capsys.readouterr()
    assert main(["evaluate", "patients", "--gold", str(d / "gold.csv"), "--pred", str(d / "p.csv"), "--json"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert (m["tp"], m["fp"], m["tn"], m["fn"]) == (4, 1, 5, 0) and m["sensitivity"] == 1.0 and m["npv"] == 1.0
    assert main(["evaluate", "patients", "--gold", str(d / "gold.csv"), "--pred", str(d / "p.csv")]) == 0
    assert "specificity  0.833" in capsys.readouterr().out


def test_score_without_a_model_file_and_bad_inputs(cohort, capsys):
    d = cohort
    assert main(["score", str(d / "notes.csv"), "--mentions", str(d / "mentions.csv"), "--model", str(d / "absent.skops"),
                 "-o", str(d / "p.csv")]) == 1
    assert main(["train", "--notes", str(d / "notes.csv"), "--labels", str(d / "labels.csv"), "-o", str(d / "m.pkl")]) == 1
    (d / "bad.csv").write_text("patient_id,needs_referral\np0,maybe\n")
    assert main(["train", "--notes", str(d / "notes.csv"), "--labels", str(d / "bad.csv"), "--mentions", str(d / "mentions.csv"),
                 "-o", str(d / "m.skops")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("nerveflag score: error:") and "absent.skops" in err[0]
    assert "must end in .skops" in err[1] and "needs_referral must be 0 or 1" in err[-1]
