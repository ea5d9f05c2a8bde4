"""Reading notes from EHR exports, chunk by chunk, and writing tables.

`iter_notes(paths)` picks a reader by extension (or `fmt`): CSV, Parquet (file or
directory of parts), JSONL, FHIR DocumentReference NDJSON, OMOP NOTE in a DuckDB or SQLite
file. Each reader (one module per format) yields raw rows in chunks of at most
`chunk_rows`; `validate` turns each chunk into a `ReadResult`: valid notes (schemas.NOTES),
quarantined rows with reasons (schemas.QUARANTINE) and counts with n_read == notes +
quarantine + duplicates_collapsed. Duplicates are judged across chunks and files by a
`Seen` record of note_ids and 16-byte row digests, so memory holds one chunk plus that
record however large the input. `read_notes(paths)` is the concatenation of the chunks.

`write_table` writes a whole table; `TableWriter` appends chunks of one schema to a
table file. Both write under a temporary name and rename it into place at the end.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from pipelines.io.csv_reader import iter_csv
from pipelines.io.fhir import is_fhir, iter_fhir
from pipelines.io.jsonl import iter_jsonl
from pipelines.io.omop import OMOP_COLUMNS, iter_omop
from pipelines.io.parquet import iter_parquet
from pipelines.io.validate import ReadResult, ReadTally, Seen, standardize_chunks, validate

FORMATS = ("csv", "parquet", "jsonl", "fhir", "omop")
EXTENSIONS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
              ".json": "jsonl", ".duckdb": "omop", ".db": "omop", ".sqlite": "omop", ".sqlite3": "omop"}
#: Rows per chunk by default: a few MB of typical notes, so memory stays flat.
CHUNK_ROWS = 2000
__all__ = ["CHUNK_ROWS", "FORMATS", "ReadResult", "ReadTally", "TableWriter", "detect_format", "iter_notes", "read_notes", "write_table"]


def detect_format(path) -> str:
    """The format of `path` from its extension: a directory without one is Parquet parts, JSON lines are FHIR when they hold resources."""
    p = Path(path)
    if p.is_dir() and not p.suffix:
        return "parquet"
    fmt = EXTENSIONS.get(p.suffix.lower())
    if fmt is None:
        raise ValueError(f"{p}: unknown notes format {p.suffix or '(no extension)'}; give fmt (one of {', '.join(FORMATS)})")
    return "fhir" if fmt == "jsonl" and is_fhir(str(p)) else fmt


def _raw_chunks(path: str, fmt: str, query: str | None, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if fmt == "omop":
        return iter_omop(path, chunk_rows, query)
    return {"csv": iter_csv, "parquet": iter_parquet, "jsonl": iter_jsonl, "fhir": iter_fhir}[fmt](path, chunk_rows)


def _check_source(path: str, fmt: str | None, query: str | None) -> str:
    """The format of one input path, or a one-line error for an absent or unusable one."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file or directory")
    path_fmt = fmt or detect_format(path)
    if query is not None and path_fmt != "omop":
        raise ValueError(f"{path}: query applies to OMOP database files only, not {path_fmt}")
    if path_fmt != "parquet" and os.path.isdir(path):
        raise ValueError(f"{path}: is a directory; only Parquet inputs may be directories")
    return path_fmt


def _paths(paths) -> list[str]:
    """One path or several, as a list of strings."""
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not paths:
        raise ValueError("no notes input given")
    return [str(p) for p in paths]


def _check_options(fmt: str | None, fixed_date: str | None, chunk_rows: int) -> None:
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fixed_date is not None and pd.isna(pd.to_datetime(fixed_date, errors="coerce")):
        raise ValueError(f"fixed date: not a date: {fixed_date!r}")
    if chunk_rows < 1:
        raise ValueError("chunk rows must be at least 1")


def iter_notes(paths, *, fmt: str | None = None, columns: dict[str, str] | None = None, query: str | None = None,
               note_type: str | None = None, fixed_date: str | None = None, chunk_rows: int = CHUNK_ROWS) -> Iterator[ReadResult]:
    """One ReadResult per chunk of at most `chunk_rows` rows, source after source, in order.

    fmt: csv, parquet, jsonl, fhir or omop (default: from each path's extension).
    columns: our column name -> the source's ({"text": "note_text", "patient_id": "person_id"}).
    query: SQL for OMOP database files (default SELECT * FROM note).
    note_type: note_type for notes whose source gives none (no column or an empty value).
    fixed_date: give every note this date (exports without dates); no date column needed then.
    A note_id seen first wins: later rows with the same id and different content are
    quarantined, exact repeats collapsed, across chunks and files too. Options and paths
    are checked before this returns; a source's missing column is an error at its first chunk.
    Each chunk's `sources` names its source; every source yields at least one (maybe empty) chunk.
    """
    paths = _paths(paths)
    _check_options(fmt, fixed_date, chunk_rows)
    formats = [_check_source(path, fmt, query) for path in paths]
    fixed = {"note_date": fixed_date} if fixed_date is not None else None
    return _chunk_results(paths, formats, columns, query, note_type, fixed, chunk_rows)


def _chunk_results(paths, formats, columns, query, note_type, fixed, chunk_rows) -> Iterator[ReadResult]:
    seen = Seen()
    for path, path_fmt in zip(paths, formats):
        mapping = {**OMOP_COLUMNS, **(columns or {})} if path_fmt == "omop" else columns
        for rows in standardize_chunks(_raw_chunks(path, path_fmt, query, chunk_rows), path, mapping, fixed):
            result = validate(rows, [path], seen)
            if note_type:
                result.notes["note_type"] = result.notes["note_type"].mask(result.notes["note_type"] == "", note_type)
            yield result


def read_notes(paths, **options) -> ReadResult:
    """All notes from one or more sources (path or list of paths): the chunks of `iter_notes` (same options) joined."""
    paths = _paths(paths)
    return ReadResult.concat(iter_notes(paths, **options), paths)


def _output_path(path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise ValueError(f"{path}: output must end in .csv or .parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed onto it when the block ends well and removed when it fails."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_table(df: pd.DataFrame, path) -> None:
    """Write `df` as .csv or .parquet (by extension), atomically (temp file then rename)."""
    path = _output_path(path)
    with _atomic(path) as tmp:
        if path.suffix.lower() == ".csv":
            df.to_csv(tmp, index=False, date_format="%Y-%m-%d")
        else:
            df.to_parquet(tmp, index=False)


class TableWriter:
    """Append frames of one schema (pipelines.schemas) to a .csv or .parquet file; use as a context manager.

    The file appears (renamed into place) only when the block ends without an error. CSV:
    the header once, then rows as `write_table` writes them; Parquet: one row group per
    non-empty frame, with the schema's Arrow types whatever the frames hold.
    """

    def __init__(self, path, schema: dict):
        from pipelines.schemas import empty

        self.path, self.empty, self.rows = _output_path(path), empty(schema), 0

    def __enter__(self) -> TableWriter:
        self._atomic = _atomic(self.path)
        self._tmp = self._atomic.__enter__()
        if self.path.suffix.lower() == ".csv":
            self.empty.to_csv(self._tmp, index=False)
            self._parquet = None
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            self._schema = pa.Schema.from_pandas(self.empty, preserve_index=False)
            self._parquet = pq.ParquetWriter(self._tmp, self._schema)
        return self

    def write(self, df: pd.DataFrame) -> None:
        """Append `df` (the schema's columns, in order)."""
        self.rows += len(df)
        if self._parquet is None:
            df.to_csv(self._tmp, mode="a", header=False, index=False, date_format="%Y-%m-%d")
        elif len(df):
            import pyarrow as pa

            self._parquet.write_table(pa.Table.from_pandas(df, schema=self._schema, preserve_index=False))

    def __exit__(self, *exc) -> None:
        if self._parquet is not None:
            self._parquet.close()
        self._atomic.__exit__(*exc)
