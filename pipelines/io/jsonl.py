"""JSON Lines notes: one JSON object per line, keys are column names."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from itertools import islice

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


def iter_line_frames(path: str, chunk_rows: int, to_row: Callable[[int, dict | None, str], dict],
                     columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """Frames of at most `chunk_rows` raw rows, `to_row(line number, object, reason)` each (at least one frame).

    `columns`: the frame's columns (default: the keys the chunk's rows have). Values stay
    objects: they may hold surrogates.
    """
    lines, yielded = iter_json_lines(path), False
    while True:
        records = [to_row(*line) for line in islice(lines, chunk_rows)]
        if not records and yielded:
            return
        yield pd.DataFrame(records, columns=columns or (None if records else [REASON, ROW]), dtype=object)
        yielded = True


def _scalar(value):
    """Nested JSON values are kept as JSON text; scalars as they are."""
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def _json_row(line_no: int, obj: dict | None, reason: str) -> dict:
    return {**{k: _scalar(v) for k, v in (obj or {}).items()}, REASON: reason, ROW: line_no}


def iter_jsonl(path: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Raw rows of a JSONL file, `_row` = 0-based line number; unusable lines carry a `_reason`."""
    return iter_line_frames(path, chunk_rows, _json_row)
