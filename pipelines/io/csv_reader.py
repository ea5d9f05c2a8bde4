"""CSV notes: RFC 4180 quoting (fields may hold commas, quotes and newlines), UTF-8 with or without BOM."""
from __future__ import annotations

import csv
import sys
from collections.abc import Iterator

import pandas as pd

from pipelines.io.validate import REASON


def _frame(header: list[str], rows: list[list[str]], reasons: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=header, dtype=object).assign(**{REASON: reasons})


def iter_csv(path: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Raw rows of a CSV file as text, at most `chunk_rows` per frame (at least one frame, maybe empty).

    Rows are numbered by position (`_row` = 0-based record number, blank lines skipped). Invalid UTF-8
    bytes survive as surrogates (errors="surrogateescape") for validation to quarantine per
    row. A record whose field count differs from the header's carries a `_reason`. A 0-byte
    file gives no rows and no columns.
    """
    csv.field_size_limit(sys.maxsize)  # one note may be megabytes long
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        rows, reasons, yielded = [], [], False
        for fields in reader:
            if not fields:
                continue
            ok = len(fields) == len(header)
            reasons.append("" if ok else f"malformed CSV row ({len(fields)} fields, header has {len(header)})")
            rows.append(fields if ok else (fields + [""] * len(header))[: len(header)])
            if len(rows) == chunk_rows:
                yield _frame(header, rows, reasons)
                rows, reasons, yielded = [], [], True
        if rows or not yielded:
            yield _frame(header, rows, reasons)
