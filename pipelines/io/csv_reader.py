"""CSV notes (RFC 4180 quoting, embedded newlines; UTF-8)."""
from __future__ import annotations

import csv
import sys

import pandas as pd



def read_csv(path: str) -> pd.DataFrame:
    """Raw rows of a CSV file; malformed rows (wrong field count) carry a `_reason`."""
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: empty file (no header row)")
        rows, bad = [], []
        for line_no, fields in enumerate(reader, start=1):
            if len(fields) == len(header):
                rows.append(fields)
            elif not fields:
                continue
            else:
                bad.append(line_no - 1)
                rows.append((fields + [""] * len(header))[: len(header)])
    raw = pd.DataFrame(rows, columns=header, dtype=object)
    raw["_reason"] = ""
    for i in bad:
        raw.loc[i, "_reason"] = f"malformed CSV row (field count differs from the header's {len(header)})"
    return raw
