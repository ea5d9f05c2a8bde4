"""Reading small tables (labels, mentions, gold) given on the command line."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_table(path) -> pd.DataFrame:
    """A .csv or .parquet table with ids kept as text and date columns parsed."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path, dtype={"patient_id": str, "note_id": str}, keep_default_na=False, na_values=[""])
    elif path.suffix.lower() == ".parquet" or path.is_dir():
        df = pd.read_parquet(path)
    else:
        raise ValueError(f"{path}: expected a .csv or .parquet table")
    for col in df.columns:
        if col.endswith("_date"):
            df[col] = pd.to_datetime(df[col], errors="coerce")
    for col in ("grade", "side", "site", "section", "cues", "text", "note_type"):
        if col in df:
            df[col] = df[col].fillna("").astype(str)
    return df
