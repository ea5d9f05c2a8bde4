"""Parquet notes: one file or a directory of part files (a dataset), read in record batches."""
from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds


def iter_parquet(path: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Raw rows of a Parquet file or dataset directory, at most `chunk_rows` a frame (at least one frame).

    Binary columns stay bytes for validation; hive-style partition directories become
    columns and files starting with "." or "_" are skipped, as in pyarrow.parquet.read_table.
    Little is read ahead, but a row group is read whole: memory grows with row-group size.
    """
    try:
        dataset = ds.dataset(path, format="parquet", partitioning=ds.HivePartitioning.discover(infer_dictionary=True))
        yielded = False
        for batch in dataset.to_batches(batch_size=chunk_rows, batch_readahead=1, fragment_readahead=1):
            if batch.num_rows:
                yield batch.to_pandas()
                yielded = True
        if not yielded:
            yield dataset.schema.empty_table().to_pandas()
    except (pa.ArrowException, OSError) as err:
        raise ValueError(f"{path}: not a readable Parquet file or directory ({type(err).__name__})") from None
