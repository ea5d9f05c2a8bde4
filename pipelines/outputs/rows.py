"""Fast row iteration: pandas' itertuples is slow on Arrow-backed string columns."""
from __future__ import annotations

from collections import namedtuple

import pandas as pd


def records(df: pd.DataFrame) -> list:
    """The rows of `df` as namedtuples of plain Python values (other column names become _0, _1 ...)."""
    Row = namedtuple("Row", [str(c) for c in df.columns], rename=True)
    return [Row(*values) for values in zip(*(df[c].tolist() for c in df.columns))]
