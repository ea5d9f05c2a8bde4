"""Turn raw rows from any reader into valid NOTES plus QUARANTINE rows with reasons, chunk by chunk.

Readers hand over raw rows (any column names, values as text, numbers, dates or bytes)
plus two optional columns: `_reason` (the reader already knows the row is bad, e.g. a
line that is not JSON) and `_row` (the row's 0-based row or line number in the source;
positional when absent). They hand them over in chunks; `standardize` maps one chunk to
text columns and `validate` checks it against a `Seen` record of the note_ids and row
digests of every earlier chunk, so duplicates are found across chunks and files while
only 16-byte digests (never text) are kept.

A missing required column -> ValueError naming it (the file is unusable), raised at the
first chunk that has data columns. Per-row problems never crash the read and never drop a
row silently; each becomes one quarantine row: undecodable bytes, missing ids, empty
text, missing or unparseable dates, a note_id repeated with different content (the first
one wins). Exact duplicate rows (all FIELDS equal, dates compared parsed) collapse to one
and are counted. Reasons never quote note text.

Undecodable bytes: text readers decode with errors="surrogateescape", so each invalid
UTF-8 byte becomes a lone surrogate (U+DC80-U+DCFF); a row holding one in any field is
quarantined. Dates keep the wall-clock time as written: a UTC offset ("Z", "-05:00") is
dropped rather than converted, so a visit keeps its local calendar day.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.schemas import NOTES, QUARANTINE, conform, empty

REQUIRED = ("patient_id", "note_id", "note_date", "text")
FIELDS = (*REQUIRED, "note_type")
REASON, ROW, SOURCE = "_reason", "_row", "_source"
UNDECODABLE = re.compile("[\udc80-\udcff]")
_UTC_OFFSET = r"(\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"


@dataclass
class ReadResult:
    """Notes that passed validation, the rows that did not, and the counts that tie them.

    `notes`: schemas.NOTES; `quarantine`: schemas.QUARANTINE; `n_read`: rows read from the
    sources (== len(notes) + len(quarantine) + duplicates_collapsed); `sources`: paths read.
    """

    notes: pd.DataFrame
    quarantine: pd.DataFrame
    n_read: int
    duplicates_collapsed: int = 0
    sources: list[str] = field(default_factory=list)

    def __post_init__(self):
        assert self.n_read == len(self.notes) + len(self.quarantine) + self.duplicates_collapsed

    @classmethod
    def concat(cls, results: Iterable[ReadResult], sources: list[str]) -> ReadResult:
        """One result from consecutive chunk results (of `sources`, in order)."""
        tally = ReadTally()
        notes = [tally.add(r).notes for r in results]
        return cls(notes=_concat(notes, NOTES), quarantine=tally.quarantine, n_read=tally.n_read,
                   duplicates_collapsed=tally.duplicates_collapsed, sources=list(sources))


@dataclass
class ReadTally:
    """Running totals over chunk results, keeping only their quarantine rows (which hold no note text)."""

    n_read: int = 0
    n_notes: int = 0
    n_quarantined: int = 0
    duplicates_collapsed: int = 0
    quarantine_chunks: list[pd.DataFrame] = field(default_factory=list)

    def add(self, chunk: ReadResult) -> ReadResult:
        """Count `chunk` in; returns it."""
        self.n_read += chunk.n_read
        self.n_notes += len(chunk.notes)
        self.n_quarantined += len(chunk.quarantine)
        self.duplicates_collapsed += chunk.duplicates_collapsed
        self.quarantine_chunks.append(chunk.quarantine)
        return chunk

    @property
    def quarantine(self) -> pd.DataFrame:
        """Every quarantine row so far (schemas.QUARANTINE)."""
        return _concat(self.quarantine_chunks, QUARANTINE)


def _concat(frames: list[pd.DataFrame], schema: dict) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty(schema)


def row_digest(values: Iterable[str]) -> bytes:
    """16-byte BLAKE2b of a row's field texts (length-prefixed, so field boundaries count)."""
    digest = hashlib.blake2b(digest_size=16)
    for value in values:
        data = value.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.digest()


@dataclass
class Seen:
    """What earlier chunks held: the note_ids of valid rows, and a digest of each valid row's FIELDS."""

    note_ids: set[str] = field(default_factory=set)
    digests: set[bytes] = field(default_factory=set)

    def check(self, good: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(exact repeat, conflicting note_id) masks of valid rows (FIELDS, parsed dates), in order; records them."""
        dates = good["note_date"].to_numpy(dtype="datetime64[ns]").view("int64").astype(str)
        columns = [good[c].tolist() for c in ("patient_id", "note_id")] + [dates.tolist()] + [good[c].tolist() for c in ("text", "note_type")]
        exact, conflict = np.zeros(len(good), dtype=bool), np.zeros(len(good), dtype=bool)
        for i, values in enumerate(zip(*columns)):
            digest = row_digest(values)
            exact[i] = digest in self.digests
            conflict[i] = not exact[i] and values[1] in self.note_ids
            self.digests.add(digest)
            self.note_ids.add(values[1])
        return exact, conflict


def cell_text(value) -> str:
    """One raw value as text: missing -> "", bytes decoded (surrogateescape), 12.0 -> "12"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))  # integer ids read back as float because of NULLs
    return str(value)


def standardize(raw: pd.DataFrame, source: str, columns: dict[str, str] | None = None,
                fixed: dict[str, str] | None = None, *, check_columns: bool = True, first_row: int = 0) -> pd.DataFrame:
    """One source's raw rows as text columns FIELDS plus `_source`, `_row`, `_reason`.

    `columns` maps our names to the source's ({"text": "note_text"}); one source column
    may feed several of ours. `fixed` gives a column one value for every row (the source
    then needs no such column). A source with no data columns at all (an empty file, or
    only lines the reader already rejected) is not an error. With `check_columns` off, an
    absent column gives empty values (and so quarantined rows) instead of an error. Rows
    without a `_row` are numbered by position from `first_row`.
    """
    columns, fixed = columns or {}, fixed or {}
    mapped = {col: columns.get(col, col) for col in FIELDS if col not in fixed}
    data_columns = [c for c in raw.columns if c not in (REASON, ROW)]
    missing = [col + (f" (mapped to {src!r})" if src != col else "")
               for col, src in mapped.items() if col in REQUIRED and src not in raw.columns]
    if missing and data_columns and check_columns:
        raise ValueError(f"{source}: missing column(s) {', '.join(missing)}")
    out = pd.DataFrame(index=range(len(raw)))
    undecodable = np.zeros(len(raw), dtype=bool)
    for col in FIELDS:
        if col in fixed:
            out[col] = fixed[col]
            continue
        values = [cell_text(v) for v in raw[mapped[col]].to_numpy(dtype=object)] if mapped[col] in raw.columns else [""] * len(raw)
        bad = np.fromiter((not v.isascii() and UNDECODABLE.search(v) is not None for v in values), dtype=bool, count=len(values))
        undecodable |= bad
        out[col] = [UNDECODABLE.sub("\ufffd", v) if b else v for v, b in zip(values, bad)]
    out[SOURCE] = source
    out[ROW] = raw[ROW].to_numpy(dtype="int64") if ROW in raw.columns else np.arange(first_row, first_row + len(raw), dtype="int64")
    given = [cell_text(v) for v in raw[REASON].to_numpy(dtype=object)] if REASON in raw.columns else [""] * len(raw)
    out[REASON] = [g or ("undecodable bytes (not valid UTF-8)" if u else "") for g, u in zip(given, undecodable)]
    return out.astype({col: str for col in (*FIELDS, SOURCE, REASON)})


def standardize_chunks(chunks: Iterable[pd.DataFrame], source: str, columns: dict[str, str] | None = None,
                       fixed: dict[str, str] | None = None) -> Iterator[pd.DataFrame]:
    """`standardize` each raw chunk of one source, positions (`_row`) counted across chunks.

    Required columns are checked at the first chunk with data columns only: JSON lines name
    their keys row by row, so a later chunk may lack a key that the file as a whole has;
    its rows are quarantined instead.
    """
    checked, first_row = False, 0
    for raw in chunks:
        yield standardize(raw, source, columns, fixed, check_columns=not checked, first_row=first_row)
        checked = checked or any(c not in (REASON, ROW) for c in raw.columns)
        first_row += len(raw)


def parse_dates(values: pd.Series) -> pd.Series:
    """datetime64[ns] from date text, wall-clock time kept (offset dropped); NaT when unparseable or out of range."""
    text = values.astype(str).str.strip().str.replace(_UTC_OFFSET, r"\1", regex=True)
    parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    in_range = parsed.notna() & (parsed >= pd.Timestamp.min) & (parsed <= pd.Timestamp.max)
    return parsed.where(in_range).astype("datetime64[ns]")


def _first_reason(rows: pd.DataFrame, dates: pd.Series) -> pd.Series:
    """The first problem of each row ("" when none), reader reasons first."""
    checks = [
        (rows[REASON] != "", rows[REASON]),
        (rows["note_id"] == "", "missing note_id"),
        (rows["patient_id"] == "", "missing patient_id"),
        (rows["text"].str.strip() == "", "empty text"),
        (dates.isna(), "missing or unparseable note_date"),
    ]
    conditions = [np.asarray(c, dtype=bool) for c, _ in checks]
    choices = [np.asarray(r, dtype=object) if isinstance(r, pd.Series) else r for _, r in checks]
    return pd.Series(np.select(conditions, choices, default=""), index=rows.index, dtype=object)


def validate(rows: pd.DataFrame, sources: list[str], seen: Seen | None = None) -> ReadResult:
    """Validate standardized rows (from `standardize`) of `sources`, in order.

    `seen` carries note_ids and row digests from earlier chunks (and is updated), so
    duplicates are judged as if all chunks were validated together; default: none earlier.
    """
    rows = rows.reset_index(drop=True)
    for col in ("patient_id", "note_id", "note_type"):
        rows[col] = rows[col].str.strip()
    dates = parse_dates(rows["note_date"])
    reason = _first_reason(rows, dates)
    good = rows.assign(note_date=dates)[reason == ""]
    exact, conflict = (seen if seen is not None else Seen()).check(good)
    reason[good.index[conflict]] = "duplicate note_id with different content (first one kept)"
    good = good[~exact & ~conflict]
    bad = rows[reason != ""]
    quarantine = pd.DataFrame({
        "source": bad[SOURCE],
        "row": bad[ROW],
        "note_id": bad["note_id"],
        "patient_id": bad["patient_id"],
        "reason": reason[reason != ""],
    })
    return ReadResult(
        notes=conform(good, NOTES, "notes") if len(good) else empty(NOTES),
        quarantine=conform(quarantine, QUARANTINE, "quarantine") if len(quarantine) else empty(QUARANTINE),
        n_read=len(rows),
        duplicates_collapsed=int(exact.sum()),
        sources=list(sources),
    )


def validate_rows(raw: pd.DataFrame, source: str, columns: dict[str, str] | None = None) -> ReadResult:
    """Validate one source's raw rows; `columns` maps our column names to the source's."""
    return validate(standardize(raw, source, columns), [source])
