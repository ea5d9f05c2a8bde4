"""The DuckDB store: replacing a note's rows, dirty patients, transactions, refusing bad files."""
from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pytest

from pipelines.schemas import PATIENTS, QUARANTINE, conform
from pipelines.store import NOTES_SEEN, STORED_MENTIONS, Store
from tests.pipelines.helpers import mentions as make_mentions


def seen(*rows) -> pd.DataFrame:
    """rows: (note_id, patient_id, text_sha256)."""
    return conform(pd.DataFrame([{"note_id": n, "patient_id": p, "note_date": "2024-01-01", "note_type": "PT", "text_sha256": h,
                                  "pipeline_version": "v1", "run_id": "r1"} for n, p, h in rows]), NOTES_SEEN)


def stored_mentions(*rows) -> pd.DataFrame:
    m = make_mentions(*rows)
    return conform(m.assign(snippet=m["text"], snippet_start=m["start"]), STORED_MENTIONS)


def scores(*patient_ids) -> pd.DataFrame:
    return conform(pd.DataFrame([{"patient_id": p, "needs_referral": 1, "rule_flag": 1, "risk": 0.9, "reasons": "r",
                                  "first_red_flag_date": "2024-01-01", "first_referral_date": None, "delay_days": 3.0,
                                  "delay_censored": 1, "n_notes": 1, "first_note_date": "2024-01-01", "last_note_date": "2024-01-04"}
                                 for p in patient_ids]), PATIENTS)


def test_a_changed_note_replaces_its_rows_and_marks_its_patient(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        store.save_batch(seen(("a-1", "a", "h1"), ("b-1", "b", "h1")), stored_mentions(("a-1", "WEAKNESS"), ("a-1", "NUMBNESS"), ("b-1", "ATROPHY")))
        assert store.dirty_patients() == ["a", "b"]
        store.save_patients(scores("a", "b"), ["a", "b"], "m1")
        assert store.dirty_patients() == [] and store.get_state("model_version") == "m1"
        store.save_batch(seen(("a-1", "a", "h2")), stored_mentions(("a-1", "ATROPHY")))
        assert store.dirty_patients() == ["a"]
        m = store.table("mentions")
        assert m[m["note_id"] == "a-1"]["label"].tolist() == ["ATROPHY"] and len(m) == 2
        notes = store.table("notes_seen")
        assert notes["note_id"].tolist() == ["a-1", "b-1"] and notes.set_index("note_id").loc["a-1", "text_sha256"] == "h2"


def test_a_note_moved_to_another_patient_marks_both(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        store.save_batch(seen(("n1", "a", "h")), stored_mentions(("n1-x", "WEAKNESS")).assign(note_id="n1", patient_id="a"))
        store.save_patients(scores("a"), ["a"], "m1")
        store.save_batch(seen(("n1", "b", "h")), stored_mentions(("n1-x", "WEAKNESS")).assign(note_id="n1", patient_id="b"))
        assert store.dirty_patients() == ["a", "b"]
        assert store.all_patients() == ["a", "b"]  # a is still scored, so a full re-score replaces its row
        notes, mentions = store.patient_notes(["a"])
        assert notes.empty and mentions.empty


def test_a_failed_transaction_leaves_the_store_unchanged(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        store.save_batch(seen(("a-1", "a", "h1")), stored_mentions(("a-1", "WEAKNESS")))
        before = {t: store.table(t) for t in ("notes_seen", "mentions", "dirty")}
        with pytest.raises(RuntimeError), store.transaction():
            store.save_batch(seen(("a-1", "a", "h2"), ("c-1", "c", "h1")), stored_mentions(("c-1", "NUMBNESS")))
            raise RuntimeError("killed mid-batch")
        for name, frame in before.items():
            pd.testing.assert_frame_equal(store.table(name), frame)


def test_patient_notes_returns_only_the_wanted_patients(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        store.save_batch(seen(("a-1", "a", "h"), ("a-2", "a", "h"), ("b-1", "b", "h")),
                         stored_mentions(("a-1", "WEAKNESS"), ("a-2", "NUMBNESS"), ("b-1", "ATROPHY")))
        notes, mentions = store.patient_notes(["a"])
        assert notes["note_id"].tolist() == ["a-1", "a-2"] and set(mentions["patient_id"]) == {"a"}
        assert list(notes.columns) == list(NOTES_SEEN) and list(mentions.columns) == list(STORED_MENTIONS)


def test_notes_seen_returns_only_the_asked_notes_the_store_has(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        assert store.notes_seen(["a-1"]).empty
        store.save_batch(seen(("a-1", "a", "h1"), ("a-2", "a", "h2"), ("b-1", "b", "h3")), stored_mentions(("a-1", "WEAKNESS")))
        got = store.notes_seen(["b-1", "a-1", "zz"])
        assert got["note_id"].tolist() == ["a-1", "b-1"] and got["text_sha256"].tolist() == ["h1", "h3"]
        pd.testing.assert_frame_equal(got, conform(got, NOTES_SEEN))
        assert store.con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()[0] == 0


def test_quarantine_keeps_each_rejected_row_once(tmp_path):
    q = conform(pd.DataFrame([{"source": "n.csv", "row": 3, "note_id": "x", "patient_id": "", "reason": "missing patient_id"}]), QUARANTINE)
    with Store(tmp_path / "s.duckdb") as store:
        store.add_quarantine(q)
        store.add_quarantine(q)
        store.add_quarantine(q.iloc[:0])
        assert len(store.table("quarantine")) == 1


def test_runs_log_and_processed_at(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.start_run("r1", datetime(2024, 5, 1, 2, 0), "v1", "m1")
        store.save_batch(seen(("a-1", "a", "h")), stored_mentions(("a-1", "WEAKNESS")))
        assert store.processed_at().to_dict() == {"a-1": pd.Timestamp("2024-05-01 02:00")}
    with Store(path) as store:  # r1 was never finished: the process died
        store.start_run("r2", datetime(2024, 5, 2), "v1", "m1")
        store.finish_run("r2", datetime(2024, 5, 2, 0, 5), "done", {"read": 1}, {"total": 1.5})
        runs = store.table("runs").set_index("run_id")
        assert runs.loc["r1", "status"] == "interrupted" and runs.loc["r2", "status"] == "done"
        assert runs.loc["r2", "counts"] == '{"read": 1}'


def test_bad_store_paths_are_refused_with_a_message(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        Store(tmp_path)
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(ValueError, match="cannot open store"):
        Store(junk)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE notes_seen (note_id VARCHAR, text VARCHAR)")
    con.close()
    with pytest.raises(ValueError, match="other columns"):
        Store(other)
    with Store(tmp_path / "ok.duckdb") as store, pytest.raises(ValueError, match="no table"):
        store.table("notes; DROP TABLE runs")
