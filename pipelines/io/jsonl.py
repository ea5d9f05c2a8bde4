"""JSON Lines notes: one JSON object per line."""
from __future__ import annotations

import json

import pandas as pd



def iter_json_lines(path: str):
    """(line number, parsed object or None, error reason) for each non-blank line."""
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            text = raw.decode("utf-8", "surrogateescape").strip()
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


def read_jsonl(path: str, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """Raw rows of a JSONL file; invalid lines carry a `_reason`."""
    records = []
    for line_no, obj, reason in iter_json_lines(path):
        row = {k: (v if isinstance(v, str) or v is None else json.dumps(v) if isinstance(v, (dict, list)) else str(v)) for k, v in (obj or {}).items()}
        row["_reason"] = reason
        row["_line"] = line_no
        records.append(row)
    raw = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["_reason", "_line"])
    names = dict(columns or {})
    for col in ("patient_id", "note_id", "note_date", "text"):
        source_col = names.get(col, col)
        if source_col not in raw.columns and len(raw) and (raw["_reason"] != "").all():
            raw[source_col] = ""
    return raw
