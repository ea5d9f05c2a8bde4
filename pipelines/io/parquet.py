"""Parquet notes: one file or a directory of part files."""
from __future__ import annotations

import pyarrow.parquet as pq

import pandas as pd


def read_parquet(path: str) -> pd.DataFrame:
    """Raw rows of a Parquet file or dataset directory."""
    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises several types for unreadable files
        raise ValueError(f"{path}: not a readable Parquet file or directory ({type(err).__name__})") from None
    raw = table.to_pandas()
    for col in raw.columns:
        if raw[col].map(lambda v: isinstance(v, bytes)).any():
            decoded = raw[col].map(lambda v: v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else v)
            raw[col] = decoded
    return raw
