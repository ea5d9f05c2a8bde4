"""CSV notes: RFC 4180 quoting (fields may hold commas, quotes and newlines), UTF-8 with or without BOM."""
from __future__ import annotations

import csv
import sys

import pandas as pd

from pipelines.io.validate import REASON, ROW


def read_csv(path: str) -> pd.DataFrame:
    """Raw rows of a CSV file as text, `_row` = 0-based record number (blank lines skipped).

    Invalid UTF-8 bytes survive as surrogates (errors="surrogateescape") for validation to
    quarantine per row. A record whose field count differs from the header's carries a
    `_reason`. A 0-byte file gives no rows and no columns.
    """
    csv.field_size_limit(sys.maxsize)  # one note may be megabytes long
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        rows, reasons = [], []
        for fields in reader:
            if not fields:
                continue
            ok = len(fields) == len(header)
            reasons.append("" if ok else f"malformed CSV row ({len(fields)} fields, header has {len(header)})")
            rows.append(fields if ok else (fields + [""] * len(header))[: len(header)])
    raw = pd.DataFrame(rows, columns=header, dtype=object)
    raw[REASON] = reasons
    raw[ROW] = range(len(raw))
    return raw
