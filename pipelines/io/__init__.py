"""Reading notes from EHR exports and writing tables.

`read_notes(paths)` picks a reader by extension (or `fmt`): CSV, Parquet (file or
directory of parts), JSONL, FHIR DocumentReference NDJSON, OMOP NOTE in a DuckDB or SQLite
file. Each reader (one module per format) returns raw rows; `validate` turns all sources
together into a `ReadResult`: valid notes (schemas.NOTES), quarantined rows with reasons
(schemas.QUARANTINE) and counts with n_read == notes + quarantine + duplicates_collapsed.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from pipelines.io.csv_reader import read_csv
from pipelines.io.fhir import is_fhir, read_fhir
from pipelines.io.jsonl import read_jsonl
from pipelines.io.omop import OMOP_COLUMNS, read_omop
from pipelines.io.parquet import read_parquet
from pipelines.io.validate import ReadResult, standardize, validate

FORMATS = ("csv", "parquet", "jsonl", "fhir", "omop")
EXTENSIONS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
              ".json": "jsonl", ".duckdb": "omop", ".db": "omop", ".sqlite": "omop", ".sqlite3": "omop"}
__all__ = ["FORMATS", "ReadResult", "detect_format", "read_notes", "write_table"]


def detect_format(path) -> str:
    """The format of `path` from its extension: a directory without one is Parquet parts, JSON lines are FHIR when they hold resources."""
    p = Path(path)
    if p.is_dir() and not p.suffix:
        return "parquet"
    fmt = EXTENSIONS.get(p.suffix.lower())
    if fmt is None:
        raise ValueError(f"{p}: unknown notes format {p.suffix or '(no extension)'}; give fmt (one of {', '.join(FORMATS)})")
    return "fhir" if fmt == "jsonl" and is_fhir(str(p)) else fmt


def _raw_rows(path: str, fmt: str, query: str | None) -> pd.DataFrame:
    if fmt == "omop":
        return read_omop(path, query)
    if query is not None:
        raise ValueError(f"{path}: query applies to OMOP database files only, not {fmt}")
    if fmt != "parquet" and os.path.isdir(path):
        raise ValueError(f"{path}: is a directory; only Parquet inputs may be directories")
    return {"csv": read_csv, "parquet": read_parquet, "jsonl": read_jsonl, "fhir": read_fhir}[fmt](path)


def read_notes(paths, *, fmt: str | None = None, columns: dict[str, str] | None = None, query: str | None = None,
               note_type: str | None = None, fixed_date: str | None = None) -> ReadResult:
    """Notes from one or more sources (path or list of paths), validated together in order.

    fmt: csv, parquet, jsonl, fhir or omop (default: from each path's extension).
    columns: our column name -> the source's ({"text": "note_text", "patient_id": "person_id"}).
    query: SQL for OMOP database files (default SELECT * FROM note).
    note_type: note_type for notes whose source gives none (no column or an empty value).
    fixed_date: give every note this date (exports without dates); no date column needed then.
    A note_id seen first wins: later rows with the same id and different content are
    quarantined, exact repeats collapsed, across files too.
    """
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not paths:
        raise ValueError("no notes input given")
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fixed_date is not None and pd.isna(pd.to_datetime(fixed_date, errors="coerce")):
        raise ValueError(f"fixed date: not a date: {fixed_date!r}")
    fixed = {"note_date": fixed_date} if fixed_date is not None else None
    paths, frames = [str(p) for p in paths], []
    for path in paths:
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no such file or directory")
        path_fmt = fmt or detect_format(path)
        mapping = {**OMOP_COLUMNS, **(columns or {})} if path_fmt == "omop" else columns
        frames.append(standardize(_raw_rows(path, path_fmt, query), path, mapping, fixed))
    result = validate(pd.concat(frames, ignore_index=True), paths)
    if note_type:
        result.notes["note_type"] = result.notes["note_type"].mask(result.notes["note_type"] == "", note_type)
    return result


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
