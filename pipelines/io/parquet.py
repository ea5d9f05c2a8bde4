"""Parquet notes: one file or a directory of part files (a dataset)."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def read_parquet(path: str) -> pd.DataFrame:
    """Raw rows of a Parquet file or dataset directory (binary columns stay bytes for validation)."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        raise ValueError(f"{path}: not a readable Parquet file or directory ({type(err).__name__})") from None
    return table.to_pandas()
