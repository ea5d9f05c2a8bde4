"""Reading notes from EHR exports and writing tables.

`read_notes(paths)` picks a reader by extension (or `fmt`): CSV, Parquet (file or
directory), JSONL, FHIR DocumentReference NDJSON, OMOP NOTE in a database file. Every
reader returns a `ReadResult`: valid notes (schemas.NOTES), quarantined rows with reasons
(schemas.QUARANTINE) and counts with n_read == notes + quarantine + duplicates_collapsed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from pipelines.io.csv_reader import read_csv
from pipelines.io.fhir import read_fhir
from pipelines.io.jsonl import read_jsonl
from pipelines.io.omop import read_omop
from pipelines.io.parquet import read_parquet
from pipelines.io.validate import ReadResult, combine

FORMATS = ("csv", "parquet", "jsonl", "fhir", "omop")
__all__ = ["FORMATS", "ReadResult", "detect_format", "read_notes", "write_table"]


def detect_format(path: str) -> str:
    """The reader for `path`, from its extension (and, for JSON lines, its first resource)."""
    p = Path(path)
    if p.is_dir():
        return "parquet"
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".duckdb", ".db", ".sqlite", ".sqlite3"):
        return "omop"
    if suffix in (".jsonl", ".ndjson", ".json"):
        with open(p, "rb") as fh:
            for raw in fh:
                if raw.strip():
                    try:
                        first = json.loads(raw)
                    except json.JSONDecodeError:
                        return "jsonl"
                    return "fhir" if isinstance(first, dict) and first.get("resourceType") else "jsonl"
        return "jsonl"
    raise ValueError(f"{path}: unknown notes format {suffix or '(no extension)'}; use --format")


def read_one(path: str, fmt: str | None = None, columns: dict | None = None, query: str | None = None) -> ReadResult:
    """Read one notes source."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file or directory")
    fmt = fmt or detect_format(path)
    if fmt == "csv":
        return read_csv(path, columns)
    if fmt == "parquet":
        return read_parquet(path, columns)
    if fmt == "jsonl":
        return read_jsonl(path, columns)
    if fmt == "fhir":
        return read_fhir(path, columns)
    if fmt == "omop":
        return read_omop(path, query, columns)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def read_notes(paths, *, fmt: str | None = None, columns: dict | None = None, query: str | None = None) -> ReadResult:
    """Notes from one or more sources, validated, with a note_id seen first winning."""
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not paths:
        raise ValueError("no notes input given")
    return combine([read_one(str(p), fmt, columns, query) for p in paths])


def write_table(df: pd.DataFrame, path) -> None:
    """Write `df` as .csv or .parquet (by extension), atomically (temp file then rename)."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise ValueError(f"{path}: output must end in .csv or .parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix.lower() == ".csv":
        df.to_csv(tmp, index=False, date_format="%Y-%m-%d")
    else:
        df.to_parquet(tmp, index=False)
    os.replace(tmp, path)
