"""The embedded store: one DuckDB file holding what every nightly run needs to be incremental.

Tables (created on open):

| table | columns | meaning |
|---|---|---|
| notes_seen | note_id PK, patient_id, note_date, note_type, text_sha256, pipeline_version | notes processed, by text hash and pipeline version |
| mentions | MENTIONS columns + snippet, snippet_start | mentions of processed notes; snippet = the sentence (evidence) |
| patients | PATIENTS columns | latest scores |
| quarantine | source, row, note_id, patient_id, reason (unique) | rejected input rows |
| dirty | patient_id PK | patients whose notes changed since they were last scored |
| state | key PK, value | model_version of the last scoring |
| runs | run_id PK, started, finished, status, summary (JSON) | run log (not part of the results) |

Every write that belongs together happens in one transaction, so a run killed at any
point leaves the store as it was after its last committed batch.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.schemas import MENTIONS, PATIENTS, QUARANTINE, conform

EVIDENCE_COLUMNS = {"snippet": "string", "snippet_start": "int64"}
STORED_MENTIONS = {**MENTIONS, **EVIDENCE_COLUMNS}
NOTES_SEEN = {"note_id": "string", "patient_id": "string", "note_date": "datetime64[ns]", "note_type": "string",
              "text_sha256": "string", "pipeline_version": "string"}
_SQL_TYPES = {"string": "VARCHAR", "int64": "BIGINT", "int8": "TINYINT", "float64": "DOUBLE", "datetime64[ns]": "TIMESTAMP"}
RESULT_TABLES = ("notes_seen", "mentions", "patients", "quarantine", "state", "dirty")


def _ddl(name: str, schema: dict, key: str = "") -> str:
    cols = ", ".join(f'"{c}" {_SQL_TYPES[t]}' for c, t in schema.items())
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols}{', ' + key if key else ''})"


class Store:
    """A DuckDB-backed store; use as a context manager."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.Error as err:
            raise ValueError(f"{self.path}: cannot open store ({str(err).splitlines()[0]})") from None
        self.con.execute(_ddl("notes_seen", NOTES_SEEN, "PRIMARY KEY (note_id)"))
        self.con.execute(_ddl("mentions", STORED_MENTIONS))
        self.con.execute(_ddl("patients", PATIENTS, "PRIMARY KEY (patient_id)"))
        self.con.execute(_ddl("quarantine", QUARANTINE, "PRIMARY KEY (source, row, note_id, reason)"))
        self.con.execute("CREATE TABLE IF NOT EXISTS state (key VARCHAR PRIMARY KEY, value VARCHAR)")
        self.con.execute("CREATE TABLE IF NOT EXISTS dirty (patient_id VARCHAR PRIMARY KEY)")
        self.con.execute("CREATE TABLE IF NOT EXISTS runs (run_id VARCHAR PRIMARY KEY, started TIMESTAMP, finished TIMESTAMP, status VARCHAR, summary VARCHAR)")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- reads ----------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """A whole table, in a stable order."""
        order = {"notes_seen": "note_id", "mentions": "note_id, start, \"end\", label", "patients": "patient_id",
                 "quarantine": "source, row, note_id, reason", "state": "key", "dirty": "patient_id", "runs": "started"}[name]
        return self.con.execute(f"SELECT * FROM {name} ORDER BY {order}").df()

    def seen(self) -> pd.DataFrame:
        return self.con.execute("SELECT note_id, text_sha256, pipeline_version FROM notes_seen").df()

    def dirty_patients(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT patient_id FROM dirty ORDER BY patient_id").fetchall()]

    def all_patients(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT patient_id FROM notes_seen ORDER BY patient_id").fetchall()]

    def get_state(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM state WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def patient_notes(self, patient_ids) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(notes metadata, mentions) of the given patients (all patients when None)."""
        if patient_ids is None:
            notes = self.con.execute("SELECT * FROM notes_seen").df()
            mentions = self.con.execute("SELECT * FROM mentions").df()
        else:
            ids = pd.DataFrame({"patient_id": pd.Series(list(patient_ids), dtype="string")})
            self.con.register("wanted", ids)
            notes = self.con.execute("SELECT n.* FROM notes_seen n JOIN wanted USING (patient_id)").df()
            mentions = self.con.execute("SELECT m.* FROM mentions m JOIN wanted USING (patient_id)").df()
            self.con.unregister("wanted")
        return conform(notes, NOTES_SEEN, "notes_seen"), conform(mentions, STORED_MENTIONS, "mentions")

    # -- writes (each one transaction) -----------------------------------------
    def _replace_rows(self, table: str, key: str, frame: pd.DataFrame, keys: list) -> None:
        self.con.register("incoming", frame)
        self.con.register("doomed", pd.DataFrame({key: pd.Series(list(keys), dtype="string")}))
        self.con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM doomed)")
        if len(frame):
            self.con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
        self.con.unregister("incoming")
        self.con.unregister("doomed")

    def save_batch(self, notes_seen: pd.DataFrame, mentions: pd.DataFrame) -> None:
        """Replace the mentions and notes_seen rows of a processed batch, atomically."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            ids = notes_seen["note_id"].tolist()
            self._replace_rows("mentions", "note_id", conform(mentions, STORED_MENTIONS, "mentions"), ids)
            self._replace_rows("notes_seen", "note_id", conform(notes_seen, NOTES_SEEN, "notes_seen"), ids)
            self.con.executemany("INSERT OR IGNORE INTO dirty VALUES (?)", [[p] for p in sorted(set(notes_seen["patient_id"]))])
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise

    def save_patients(self, patients: pd.DataFrame, patient_ids, model_version: str) -> None:
        """Replace the scores of `patient_ids`, mark them clean and record the model version, atomically."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            self._replace_rows("patients", "patient_id", conform(patients, PATIENTS, "patients"), list(patient_ids))
            self._replace_rows("dirty", "patient_id", pd.DataFrame({"patient_id": pd.Series([], dtype="string")}), list(patient_ids))
            self.con.execute("INSERT OR REPLACE INTO state VALUES ('model_version', ?)", [model_version])
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise

    def add_quarantine(self, quarantine: pd.DataFrame) -> None:
        if len(quarantine):
            self.con.register("incoming", conform(quarantine, QUARANTINE, "quarantine"))
            self.con.execute("INSERT OR IGNORE INTO quarantine SELECT * FROM incoming")
            self.con.unregister("incoming")

    def start_run(self, run_id: str, started) -> None:
        self.con.execute("INSERT INTO runs VALUES (?, ?, NULL, 'running', NULL)", [run_id, started])

    def finish_run(self, run_id: str, finished, summary: dict) -> None:
        self.con.execute("UPDATE runs SET finished = ?, status = 'done', summary = ? WHERE run_id = ?",
                         [finished, json.dumps(summary), run_id])
