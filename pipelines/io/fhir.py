"""FHIR R4 DocumentReference NDJSON, as written by a Bulk Data export.

Text comes from `content[].attachment.data` (base64), preferring text/plain among text/*
attachments; the charset in `contentType` is honoured (UTF-8 by default). Attachments
given only by `url`, or not text (PDF, images), are out of scope and quarantined, as are
resources with status entered-in-error. Patient from `subject.reference` ("Patient/123"
or an absolute URL ending so -> "123"); date from `date`, else `context.period.start`;
note_type from `type.text` or the first coding's display; note_id from `id`.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

import pandas as pd

from pipelines.io.jsonl import iter_json_lines, iter_line_frames
from pipelines.io.validate import REASON, ROW

_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
_PATIENT = re.compile(r"(?:^|/)Patient/([^/]+)(?:/_history/[^/]+)?$")
COLUMNS = ["note_id", "patient_id", "note_date", "text", "note_type", REASON, ROW]


def _media_type(attachment: dict) -> str:
    return str(attachment.get("contentType") or "").split(";")[0].strip().lower()


def attachment_text(content) -> tuple[str, str]:
    """(text, reason): the best inline text attachment decoded, or "" and why there is none."""
    attachments = [c.get("attachment") or {} for c in content or [] if isinstance(c, dict)]
    inline = [a for a in attachments if isinstance(a, dict) and a.get("data")]
    if not inline:
        return "", "attachment has no inline data (url-only attachments are out of scope)" if attachments else "no content"
    texts = [a for a in inline if _media_type(a) == "" or _media_type(a).startswith("text/")]
    if not texts:
        return "", f"no text attachment (content type {_media_type(inline[0])})"
    chosen = min(texts, key=lambda a: _media_type(a) != "text/plain")
    try:
        data = base64.b64decode(re.sub(r"\s+", "", str(chosen["data"])), validate=True)
    except (binascii.Error, ValueError):
        return "", "attachment data is not valid base64"
    charset = _CHARSET.search(str(chosen.get("contentType", "")))
    try:
        return data.decode(charset.group(1) if charset else "utf-8"), ""
    except LookupError:
        return "", "attachment charset is unknown"
    except UnicodeDecodeError:
        return "", "undecodable bytes (attachment does not decode with its charset)"


def document_row(resource: dict) -> dict:
    """A raw notes row (with `_reason` when unusable) from one FHIR resource."""
    note_id = str(resource.get("id") or "")
    kind = resource.get("resourceType")
    if kind != "DocumentReference":
        return {"note_id": note_id, REASON: f"not a DocumentReference ({kind or 'no resourceType'})"}
    subject = str((resource.get("subject") or {}).get("reference") or "")
    patient = _PATIENT.search(subject)
    doc_type = resource.get("type") or {}
    codings = doc_type.get("coding") or [{}]
    text, reason = attachment_text(resource.get("content"))
    if resource.get("status") == "entered-in-error":
        reason = "status entered-in-error"
    elif subject and not patient:
        reason = reason or "subject is not a Patient reference"
    return {
        "note_id": note_id,
        "patient_id": patient.group(1) if patient else "",
        "note_date": resource.get("date") or ((resource.get("context") or {}).get("period") or {}).get("start") or "",
        "text": text,
        "note_type": doc_type.get("text") or codings[0].get("display") or "",
        REASON: reason,
    }


def is_fhir(path: str) -> bool:
    """True when the first JSON object in the file is a FHIR resource (has a resourceType)."""
    for _line, obj, _reason in iter_json_lines(path):
        if obj is not None:
            return "resourceType" in obj
    return False


def _fhir_row(line_no: int, resource: dict | None, reason: str) -> dict:
    return {**(document_row(resource) if resource is not None else {REASON: reason}), ROW: line_no}


def iter_fhir(path: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Raw note rows from a DocumentReference NDJSON file, at most `chunk_rows` a frame; `_row` = 0-based line number."""
    return iter_line_frames(path, chunk_rows, _fhir_row, COLUMNS)
