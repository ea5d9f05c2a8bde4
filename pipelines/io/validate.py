"""Turn raw rows from any reader into valid NOTES plus QUARANTINE rows with reasons.

Readers hand over raw rows (any column names, values as text, numbers, dates or bytes)
plus two optional columns: `_reason` (the reader already knows the row is bad, e.g. a
line that is not JSON) and `_row` (the row's 0-based row or line number in the source;
positional when absent).

A missing required column -> ValueError naming it (the file is unusable). Per-row problems
never crash the read and never drop a row silently; each becomes one quarantine row:
undecodable bytes, missing ids, empty text, missing or unparseable dates, a note_id
repeated with different content (the first one wins). Exact duplicate rows collapse to
one and are counted. Reasons never quote note text.

Undecodable bytes: text readers decode with errors="surrogateescape", so each invalid
UTF-8 byte becomes a lone surrogate (U+DC80-U+DCFF); a row holding one in any field is
quarantined. Dates keep the wall-clock time as written: a UTC offset ("Z", "-05:00") is
dropped rather than converted, so a visit keeps its local calendar day.
"""
from __future__ import annotations

import math
import re
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
                fixed: dict[str, str] | None = None) -> pd.DataFrame:
    """One source's raw rows as text columns FIELDS plus `_source`, `_row`, `_reason`.

    `columns` maps our names to the source's ({"text": "note_text"}); one source column
    may feed several of ours. `fixed` gives a column one value for every row (the source
    then needs no such column). A source with no data columns at all (an empty file, or
    only lines the reader already rejected) is not an error.
    """
    columns, fixed = columns or {}, fixed or {}
    mapped = {col: columns.get(col, col) for col in FIELDS if col not in fixed}
    data_columns = [c for c in raw.columns if c not in (REASON, ROW)]
    missing = [col + (f" (mapped to {src!r})" if src != col else "")
               for col, src in mapped.items() if col in REQUIRED and src not in raw.columns]
    if missing and data_columns:
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
    out[ROW] = raw[ROW].to_numpy(dtype="int64") if ROW in raw.columns else np.arange(len(raw), dtype="int64")
    given = [cell_text(v) for v in raw[REASON].to_numpy(dtype=object)] if REASON in raw.columns else [""] * len(raw)
    out[REASON] = [g or ("undecodable bytes (not valid UTF-8)" if u else "") for g, u in zip(given, undecodable)]
    return out.astype({col: str for col in (*FIELDS, SOURCE, REASON)})


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


def validate(rows: pd.DataFrame, sources: list[str]) -> ReadResult:
    """Validate standardized rows (from `standardize`) of `sources`, in order."""
    rows = rows.reset_index(drop=True)
    for col in ("patient_id", "note_id", "note_type"):
        rows[col] = rows[col].str.strip()
    dates = parse_dates(rows["note_date"])
    reason = _first_reason(rows, dates)
    good = rows.assign(note_date=dates)[reason == ""]
    exact = good.duplicated(subset=list(FIELDS), keep="first")
    good = good[~exact]
    conflict = good.duplicated(subset=["note_id"], keep="first")
    reason[good.index[conflict.to_numpy()]] = "duplicate note_id with different content (first one kept)"
    good = good[~conflict]
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
