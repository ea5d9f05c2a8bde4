"""JSON Lines notes: one JSON object per line, keys are column names."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd

from pipelines.io.validate import REASON, ROW


def iter_json_lines(path: str) -> Iterator[tuple[int, dict | None, str]]:
    """(0-based line number, parsed object or None, reason when None) for each non-blank line.

    Lines are decoded with errors="surrogateescape", so invalid UTF-8 reaches validation
    as surrogates inside the string values instead of failing the whole file.
    """
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh):
            text = raw.decode("utf-8", "surrogateescape").strip().lstrip("\ufeff")
            if not text:
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError:
                yield line_no, None, "invalid JSON line"
                continue
            if not isinstance(obj, dict):
                yield line_no, None, "JSON line is not an object"
                continue
            yield line_no, obj, ""


def _scalar(value):
    """Nested JSON values are kept as JSON text; scalars as they are."""
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def read_jsonl(path: str) -> pd.DataFrame:
    """Raw rows of a JSONL file, `_row` = 0-based line number; unusable lines carry a `_reason`."""
    records = [
        {**{k: _scalar(v) for k, v in (obj or {}).items()}, REASON: reason, ROW: line_no}
        for line_no, obj, reason in iter_json_lines(path)
    ]
    return pd.DataFrame(records, columns=None if records else [REASON, ROW], dtype=object)  # object: values may hold surrogates
