"""The embedded store: one DuckDB file holding what every nightly run needs to be incremental.

Tables (created on open; a store whose tables have other columns is refused):

| table | columns | meaning |
|---|---|---|
| notes_seen | note_id PK, patient_id, note_date, note_type, text_sha256, pipeline_version, run_id | notes processed: text hash, pipeline version and the run that processed them (no note text) |
| mentions | MENTIONS columns + snippet, snippet_start | mentions of processed notes; snippet = the evidence sentence, starting at snippet_start |
| patients | PATIENTS columns | latest scores |
| quarantine | QUARANTINE columns (unique) | rejected input rows with the reason |
| dirty | patient_id PK | patients whose notes changed since they were last scored |
| state | key PK, value | model_version of the last scoring |
| runs | run_id PK, started, finished, status, pipeline_version, model_version, counts, timings | run log; counts and timings are JSON |

Writes that belong together happen in one transaction, so a run killed at any point
leaves the store as it was after its last committed transaction.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.schemas import MENTIONS, PATIENTS, QUARANTINE, conform

EVIDENCE_COLUMNS = {"snippet": "string", "snippet_start": "int64"}
STORED_MENTIONS = {**MENTIONS, **EVIDENCE_COLUMNS}
NOTES_SEEN = {"note_id": "string", "patient_id": "string", "note_date": "datetime64[ns]", "note_type": "string",
              "text_sha256": "string", "pipeline_version": "string", "run_id": "string"}
RUNS = {"run_id": "string", "started": "datetime64[ns]", "finished": "datetime64[ns]", "status": "string",
        "pipeline_version": "string", "model_version": "string", "counts": "string", "timings": "string"}
_SQL_TYPES = {"string": "VARCHAR", "int64": "BIGINT", "int8": "TINYINT", "float64": "DOUBLE", "datetime64[ns]": "TIMESTAMP"}
_TABLES = {
    "notes_seen": (NOTES_SEEN, "PRIMARY KEY (note_id)"),
    "mentions": (STORED_MENTIONS, ""),
    "patients": (PATIENTS, "PRIMARY KEY (patient_id)"),
    "quarantine": (QUARANTINE, "PRIMARY KEY (source, row, note_id, reason)"),
    "dirty": ({"patient_id": "string"}, "PRIMARY KEY (patient_id)"),
    "state": ({"key": "string", "value": "string"}, "PRIMARY KEY (key)"),
    "runs": (RUNS, "PRIMARY KEY (run_id)"),
}
_ORDER = {"notes_seen": "note_id", "mentions": 'note_id, start, "end", label', "patients": "patient_id",
          "quarantine": "source, row, note_id, reason", "dirty": "patient_id", "state": "key", "runs": "started, run_id"}
#: The tables that hold results (everything but the run log): equal after equal inputs.
RESULT_TABLES = ("notes_seen", "mentions", "patients", "quarantine", "dirty", "state")


def _ddl(name: str) -> str:
    schema, key = _TABLES[name]
    cols = ", ".join(f'"{c}" {_SQL_TYPES[t]}' for c, t in schema.items())
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols}{', ' + key if key else ''})"


def _ids(values) -> pd.DataFrame:
    return pd.DataFrame({"id": pd.Series(sorted(set(values)), dtype="string")})


class Store:
    """A DuckDB-backed store; use as a context manager. Only one process may open a store at a time."""

    def __init__(self, path):
        self.path = Path(path)
        if self.path.is_dir():
            raise ValueError(f"{self.path}: is a directory, not a store file")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.Error as err:
            raise ValueError(f"{self.path}: cannot open store ({str(err).splitlines()[0]})") from None
        self._in_transaction = False
        with self.transaction():
            for name in _TABLES:
                self.con.execute(_ddl(name))
        self._check_columns()

    def _check_columns(self) -> None:
        for name, (schema, _) in _TABLES.items():
            have = [r[0] for r in self.con.execute(f"DESCRIBE {name}").fetchall()]
            if have != list(schema):
                self.close()
                raise ValueError(f"{self.path}: table {name} has other columns than this version expects; "
                                 "use a new --store (its contents are rebuilt from the notes)")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def transaction(self):
        """Commit everything inside the block at once, or nothing (on an exception or a kill). Re-entrant."""
        if self._in_transaction:
            yield
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self._in_transaction = False

    @contextmanager
    def _registered(self, name: str, frame: pd.DataFrame):
        """`frame` visible to SQL as view `name` inside the block."""
        self.con.register(name, frame)
        try:
            yield
        finally:
            self.con.unregister(name)

    # -- reads ----------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """A whole table in a stable order, with the documented dtypes."""
        if name not in _TABLES:
            raise ValueError(f"no table {name!r} in the store")
        df = self.con.execute(f"SELECT * FROM {name} ORDER BY {_ORDER[name]}").df()
        return conform(df, _TABLES[name][0], name)

    def dirty_patients(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT patient_id FROM dirty ORDER BY patient_id").fetchall()]

    def all_patients(self) -> list[str]:
        """Every patient with a processed note or a score (a patient whose notes all moved still has one)."""
        query = "SELECT patient_id FROM notes_seen UNION SELECT patient_id FROM patients ORDER BY patient_id"
        return [r[0] for r in self.con.execute(query).fetchall()]

    def get_state(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM state WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def patient_notes(self, patient_ids=None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(notes_seen rows, stored mentions) of the given patients (all patients when None), in stable order."""
        if patient_ids is None:
            return self.table("notes_seen"), self.table("mentions")
        with self._registered("wanted", _ids(patient_ids)):
            notes = self.con.execute("SELECT n.* FROM notes_seen n JOIN wanted w ON n.patient_id = w.id ORDER BY note_id").df()
            mentions = self.con.execute(f"SELECT m.* FROM mentions m JOIN wanted w ON m.patient_id = w.id ORDER BY {_ORDER['mentions']}").df()
        return conform(notes, NOTES_SEEN, "notes_seen"), conform(mentions, STORED_MENTIONS, "mentions")

    def notes_seen(self, note_ids) -> pd.DataFrame:
        """The notes_seen rows of `note_ids` that the store has (one chunk's, when planning it), by note_id."""
        with self._registered("wanted_notes", _ids(note_ids)):
            seen = self.con.execute("SELECT n.* FROM notes_seen n JOIN wanted_notes w ON n.note_id = w.id ORDER BY note_id").df()
        return conform(seen, NOTES_SEEN, "notes_seen")

    def processed_at(self) -> pd.Series:
        """When each note was processed (start of the run that processed it), indexed by note_id."""
        df = self.con.execute("SELECT n.note_id, r.started FROM notes_seen n JOIN runs r USING (run_id)").df()
        return df.set_index("note_id")["started"]

    # -- writes -----------------------------------------------------------------
    def _replace_rows(self, table: str, key: str, frame: pd.DataFrame | None, keys) -> None:
        with self._registered("doomed", _ids(keys)):
            self.con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM doomed)")
        if frame is not None and len(frame):
            with self._registered("incoming", frame):
                self.con.execute(f"INSERT INTO {table} SELECT * FROM incoming")

    def _mark_dirty(self, patient_ids) -> None:
        with self._registered("touched", _ids(patient_ids)):
            self.con.execute("INSERT OR IGNORE INTO dirty SELECT id FROM touched")

    def save_batch(self, notes_seen: pd.DataFrame, mentions: pd.DataFrame) -> None:
        """Replace the notes_seen rows and mentions of a processed batch and mark their patients
        (and the former patients of moved notes) for re-scoring, in one transaction."""
        notes_seen = conform(notes_seen, NOTES_SEEN, "notes_seen")
        ids = notes_seen["note_id"].tolist()
        with self.transaction():
            with self._registered("batch_ids", _ids(ids)):
                former = [r[0] for r in self.con.execute(
                    "SELECT DISTINCT patient_id FROM notes_seen WHERE note_id IN (SELECT id FROM batch_ids)").fetchall()]
            self._replace_rows("mentions", "note_id", conform(mentions, STORED_MENTIONS, "mentions"), ids)
            self._replace_rows("notes_seen", "note_id", notes_seen, ids)
            self._mark_dirty(former + notes_seen["patient_id"].tolist())

    def save_patients(self, patients: pd.DataFrame, patient_ids, model_version: str) -> None:
        """Replace the scores of `patient_ids`, mark them clean and record the model version, in one transaction."""
        with self.transaction():
            self._replace_rows("patients", "patient_id", conform(patients, PATIENTS, "patients"), patient_ids)
            self._replace_rows("dirty", "patient_id", None, patient_ids)
            self.con.execute("INSERT OR REPLACE INTO state VALUES ('model_version', ?)", [model_version])

    def add_quarantine(self, quarantine: pd.DataFrame) -> None:
        """Record rejected rows (a row already recorded with the same reason is kept once)."""
        if len(quarantine):
            with self._registered("incoming", conform(quarantine, QUARANTINE, "quarantine")):
                self.con.execute("INSERT OR IGNORE INTO quarantine SELECT * FROM incoming")

    def start_run(self, run_id: str, started, pipeline_version: str, model_version: str) -> None:
        """Log a run as running; runs left 'running' by a killed process become 'interrupted'."""
        with self.transaction():
            self.con.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            self.con.execute("INSERT INTO runs VALUES (?, ?, NULL, 'running', ?, ?, NULL, NULL)",
                             [run_id, started, pipeline_version, model_version])

    def finish_run(self, run_id: str, finished, status: str, counts: dict, timings: dict) -> None:
        """Log the end of a run ('done' or 'failed') with its counts and timings."""
        self.con.execute("UPDATE runs SET finished = ?, status = ?, counts = ?, timings = ? WHERE run_id = ?",
                         [finished, status, json.dumps(counts), json.dumps(timings), run_id])
