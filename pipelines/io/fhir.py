"""FHIR R4 DocumentReference NDJSON, as written by a Bulk Data export.

Text comes from `content[].attachment.data` (base64), preferring text/plain; the charset in
`contentType` is honoured (UTF-8 by default). Attachments given only by `url` are out of
scope and quarantined. Patient from `subject.reference` ("Patient/123" -> "123"); date from
`date`, else `context.period.start`; note_type from `type.text` or the first coding's display.
"""
from __future__ import annotations

import base64
import binascii
import re

import pandas as pd

from pipelines.io.jsonl import iter_json_lines

_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.-]+)", re.IGNORECASE)


def _attachment_text(content: list) -> tuple[str, str]:
    """(text, reason): the best inline attachment decoded, or "" and why not."""
    attachments = [c.get("attachment") or {} for c in content or [] if isinstance(c, dict)]
    inline = [a for a in attachments if a.get("data")]
    if not inline:
        return "", "no inline attachment data (url-only attachments are out of scope)" if attachments else "no content"
    inline.sort(key=lambda a: not str(a.get("contentType", "")).lower().startswith("text/plain"))
    chosen = inline[0]
    charset = _CHARSET.search(str(chosen.get("contentType", "")))
    try:
        data = base64.b64decode(chosen["data"], validate=True)
    except (binascii.Error, ValueError):
        return "", "attachment data is not valid base64"
    try:
        return data.decode(charset.group(1) if charset else "utf-8"), ""
    except (UnicodeDecodeError, LookupError):
        return "", "attachment bytes do not decode with the declared charset"


def document_row(resource: dict) -> dict:
    """A raw notes row (with `_reason`) from one DocumentReference resource."""
    if resource.get("resourceType") != "DocumentReference":
        return {"note_id": str(resource.get("id", "")), "_reason": f"not a DocumentReference ({resource.get('resourceType', 'no resourceType')})"}
    subject = (resource.get("subject") or {}).get("reference", "")
    doc_type = resource.get("type") or {}
    codings = doc_type.get("coding") or [{}]
    text, reason = _attachment_text(resource.get("content"))
    return {
        "note_id": str(resource.get("id", "")),
        "patient_id": subject.split("/", 1)[1] if subject.startswith("Patient/") else "",
        "note_date": resource.get("date") or ((resource.get("context") or {}).get("period") or {}).get("start") or "",
        "text": text,
        "note_type": doc_type.get("text") or codings[0].get("display") or "",
        "_reason": reason if reason else ("" if subject.startswith("Patient/") else "subject is not a Patient reference"),
    }


def read_fhir(path: str) -> pd.DataFrame:
    """Raw note rows from a DocumentReference NDJSON file; bad lines and resources carry a `_reason`."""
    rows = []
    for _line_no, obj, reason in iter_json_lines(path):
        rows.append(document_row(obj) if obj is not None else {"_reason": reason})
    raw = pd.DataFrame(rows, columns=["note_id", "patient_id", "note_date", "text", "note_type", "_reason"])
    return raw.fillna("")
