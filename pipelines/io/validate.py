"""Turn raw rows from any reader into valid NOTES plus QUARANTINE rows with reasons.

Required columns missing -> ValueError (the file is unusable). Per-row problems never
crash the read and never drop a row silently: empty text, missing ids, unparseable or
missing dates, undecodable bytes, a note_id repeated with different text. Exact
duplicate rows collapse to one and are counted. Reasons never quote note text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipelines.schemas import NOTES, QUARANTINE, conform, empty

REQUIRED = ("patient_id", "note_id", "note_date", "text")


@dataclass
class ReadResult:
    """Notes that passed validation, the rows that did not, and the counts that tie them."""

    notes: pd.DataFrame
    quarantine: pd.DataFrame
    n_read: int
    duplicates_collapsed: int = 0
    sources: list[str] = field(default_factory=list)

    def __post_init__(self):
        assert self.n_read == len(self.notes) + len(self.quarantine) + self.duplicates_collapsed


def has_surrogates(value: str) -> bool:
    """True when text read with errors='surrogateescape' held undecodable bytes."""
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _clean(value):
    """A value as text: NaN/None -> "", undecodable bytes dropped (ids and dates only)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).encode("utf-8", "ignore").decode("utf-8") if has_surrogates(str(value)) else str(value)


def _as_text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip()


def validate_rows(raw: pd.DataFrame, source: str, columns: dict[str, str] | None = None, row_offset: int = 0) -> ReadResult:
    """Validate `raw` (one source's rows, in order) into a ReadResult.

    `columns` maps our column names to the source's ({"text": "note_text"}).
    A pre-filled `_reason` column marks rows a reader already knows are bad.
    """
    columns = columns or {}
    sources = {col: columns.get(col, col) for col in (*REQUIRED, "note_type")}
    missing = [f"{col}" + (f" (mapped to {src!r})" if src != col else "") for col, src in sources.items() if col in REQUIRED and src not in raw.columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {', '.join(missing)}")
    renamed = pd.DataFrame({col: raw[src] for col, src in sources.items() if src in raw.columns})
    if "_reason" in raw.columns:
        renamed["_reason"] = raw["_reason"]
    given = renamed["_reason"].fillna("").astype(str).tolist() if "_reason" in renamed else [""] * len(renamed)
    texts = ["" if pd.isna(t) else str(t) for t in renamed["text"].astype(object)]
    undecodable = [has_surrogates(t) for t in texts]
    df = pd.DataFrame({
        "patient_id": _as_text(renamed["patient_id"].astype(object).map(_clean)),
        "note_id": _as_text(renamed["note_id"].astype(object).map(_clean)),
        "text": pd.Series(["" if bad else t for t, bad in zip(texts, undecodable)], dtype="string"),
        "note_type": _as_text(renamed["note_type"].astype(object).map(_clean)) if "note_type" in renamed else "",
        "row": range(row_offset, row_offset + len(renamed)),
    })
    dates = renamed["note_date"].astype(object).map(_clean).astype("string")
    df["note_date"] = pd.to_datetime(dates, errors="coerce", utc=True, format="mixed").dt.tz_localize(None).to_numpy()
    checks = [
        ("missing note_id", lambda r, _: r.note_id == ""),
        ("missing patient_id", lambda r, _: r.patient_id == ""),
        ("undecodable bytes in text (not valid UTF-8)", lambda r, bad: bad),
        ("empty text", lambda r, _: not str(r.text).strip()),
        ("missing or unparseable note_date", lambda r, _: pd.isna(r.note_date)),
    ]
    reasons = [
        pre or next((why for why, failed in checks if failed(row, bad)), "")
        for row, pre, bad in zip(df.itertuples(index=False), given, undecodable)
    ]
    reason = pd.Series(reasons, dtype=object)
    good = df[reason == ""]
    exact = good.duplicated(subset=["note_id", "patient_id", "note_date", "text"], keep="first")
    collapsed = int(exact.sum())
    good = good[~exact]
    conflict = good.duplicated(subset=["note_id"], keep="first")
    reason.loc[good.index[conflict]] = "duplicate note_id with different text or metadata"
    good = good[~conflict]
    bad = df[reason != ""]
    quarantine = pd.DataFrame({
        "source": source,
        "row": bad["row"],
        "note_id": bad["note_id"],
        "patient_id": bad["patient_id"],
        "reason": reason[reason != ""],
    })
    notes = conform(good, NOTES, source) if len(good) else empty(NOTES)
    quarantine = conform(quarantine, QUARANTINE, "quarantine") if len(quarantine) else empty(QUARANTINE)
    return ReadResult(notes, quarantine, len(df), collapsed, [source])


def combine(results: list[ReadResult]) -> ReadResult:
    """One ReadResult from several sources; a note_id seen in an earlier source wins, later conflicts are quarantined."""
    if len(results) == 1:
        return results[0]
    notes = pd.concat([r.notes for r in results], ignore_index=True)
    quarantine = [r.quarantine for r in results]
    collapsed = sum(r.duplicates_collapsed for r in results)
    exact = notes.duplicated(subset=["note_id", "patient_id", "note_date", "text"], keep="first")
    collapsed += int(exact.sum())
    notes = notes[~exact]
    conflict = notes.duplicated(subset=["note_id"], keep="first")
    if conflict.any():
        bad = notes[conflict]
        quarantine.append(conform(pd.DataFrame({
            "source": "(combined inputs)", "row": -1, "note_id": bad["note_id"], "patient_id": bad["patient_id"],
            "reason": "duplicate note_id with different text or metadata (across input files)",
        }), QUARANTINE, "quarantine"))
    notes = notes[~conflict].reset_index(drop=True)
    q = pd.concat(quarantine, ignore_index=True) if quarantine else empty(QUARANTINE)
    return ReadResult(notes, q, sum(r.n_read for r in results), collapsed, [s for r in results for s in r.sources])
