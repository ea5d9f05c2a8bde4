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
from pipelines.io.omop import OMOP_COLUMNS, read_omop
from pipelines.io.parquet import read_parquet
from pipelines.io.validate import ReadResult, combine, validate_rows

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


FIXED_DATE_COLUMN = "_fixed_date"


def read_one(path: str, fmt: str | None = None, columns: dict | None = None, query: str | None = None,
             fixed_date: str | None = None) -> ReadResult:
    """Read one notes source."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file or directory")
    fmt = fmt or detect_format(path)
    readers = {"csv": read_csv, "parquet": read_parquet, "jsonl": lambda p: read_jsonl(p, columns), "fhir": read_fhir,
               "omop": lambda p: read_omop(p, query)}
    if fmt not in readers:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    raw = readers[fmt](path)
    if fmt == "omop":
        columns = {**OMOP_COLUMNS, **(columns or {})}
    if fixed_date is not None:
        raw = raw.assign(**{FIXED_DATE_COLUMN: fixed_date})
    return validate_rows(raw, path, columns)


def read_notes(paths, *, fmt: str | None = None, columns: dict | None = None, query: str | None = None,
               fixed_date: str | None = None) -> ReadResult:
    """Notes from one or more sources, validated, with a note_id seen first winning.

    `fixed_date` gives every note that date (exports without dates); the source needs no date column then.
    """
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not paths:
        raise ValueError("no notes input given")
    if fixed_date is not None:
        if pd.isna(pd.to_datetime(fixed_date, errors="coerce")):
            raise ValueError(f"--fixed-date: not a date: {fixed_date!r}")
        columns = {**(columns or {}), "note_date": FIXED_DATE_COLUMN}
    return combine([read_one(str(p), fmt, columns, query, fixed_date) for p in paths])


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
