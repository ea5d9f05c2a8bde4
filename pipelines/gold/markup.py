"""Inline markup for annotated notes: one mention is one tag around its span.

    Left <WEAKNESS grade="4-" side="left" site="quadriceps">quad 4-/5</WEAKNESS>,
    <NUMBNESS negated="1">numbness</NUMBNESS> denied.

Tag names are the labels of `schemas.LABELS`. Attributes are the five assertion booleans
(`negated="1"`; default 0) and `grade`, `side`, `site` (default ""). Tags may nest (a
PROGRESSION around a WEAKNESS) but not cross. A `<` that does not start a tag-shaped
`<UPPER ...>` or `</UPPER>` is plain text, so "BP <140" needs no escaping.

Errors are `MarkupError` (a ValueError) naming the line, column and tag, never the text.
"""
from __future__ import annotations

import re

from pipelines.schemas import ATTRIBUTES, LABELS

STRING_ATTRIBUTES = ("grade", "side", "site")
SIDES = ("left", "right", "bilateral")
#: MRC grades below full strength: 0- to 4+, and 5-.
GRADES = tuple(f"{n}{s}" for n in "01234" for s in ("-", "", "+")) + ("5-",)

_TAG = re.compile(r"<(/?)([A-Z][A-Z_]*)((?:\s+[a-z_]+=\"[^\"<>]*\")*)\s*>")
_ATTR = re.compile(r"([a-z_]+)=\"([^\"<>]*)\"")


class MarkupError(ValueError):
    """Malformed markup: unbalanced, crossing or unknown tags, bad attribute values."""


def _where(marked: str, pos: int) -> str:
    line = marked.count("\n", 0, pos) + 1
    col = pos - (marked.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def _attributes(raw: str, label: str, where: str) -> dict:
    values = {a: 0 for a in ATTRIBUTES} | {a: "" for a in STRING_ATTRIBUTES}
    seen = set()
    for name, value in _ATTR.findall(raw):
        if name in seen:
            raise MarkupError(f"{where}: <{label}> repeats attribute {name!r}")
        seen.add(name)
        if name in ATTRIBUTES:
            if value not in ("0", "1"):
                raise MarkupError(f"{where}: <{label}> {name} must be \"0\" or \"1\"")
            values[name] = int(value)
        elif name in STRING_ATTRIBUTES:
            values[name] = value
        else:
            raise MarkupError(f"{where}: <{label}> has unknown attribute {name!r}")
    if values["side"] and values["side"] not in SIDES:
        raise MarkupError(f"{where}: <{label}> side must be one of {', '.join(SIDES)}")
    if values["grade"] and values["grade"] not in GRADES:
        raise MarkupError(f"{where}: <{label}> grade must be an MRC grade below 5 (0 to 4+, 5-)")
    return values


def parse_markup(marked: str) -> tuple[str, list[dict]]:
    """Plain text and its mentions from marked-up text.

    Each mention is a dict: label, start, end, text (== plain[start:end]), the five
    assertion booleans as 0/1, grade, side, site. Mentions are ordered by (start, -end).
    """
    plain: list[str] = []
    length = 0
    open_tags: list[tuple[str, int, dict, int]] = []  # label, start, attributes, markup pos
    mentions: list[dict] = []
    pos = 0
    for match in _TAG.finditer(marked):
        chunk = marked[pos:match.start()]
        plain.append(chunk)
        length += len(chunk)
        pos = match.end()
        closing, label, raw = match.group(1) == "/", match.group(2), match.group(3)
        where = _where(marked, match.start())
        if label not in LABELS:
            raise MarkupError(f"{where}: unknown label <{'/' if closing else ''}{label}>")
        if not closing:
            open_tags.append((label, length, _attributes(raw, label, where), match.start()))
            continue
        if raw.strip():
            raise MarkupError(f"{where}: closing tag </{label}> has attributes")
        if not open_tags:
            raise MarkupError(f"{where}: </{label}> closes nothing")
        open_label, start, attrs, _ = open_tags.pop()
        if open_label != label:
            raise MarkupError(f"{where}: </{label}> closes <{open_label}>")
        if start == length:
            raise MarkupError(f"{where}: <{label}> is empty")
        mentions.append({"label": label, "start": start, "end": length, **attrs})
    if open_tags:
        label, _, _, at = open_tags[-1]
        raise MarkupError(f"{_where(marked, at)}: <{label}> is never closed")
    plain.append(marked[pos:])
    text = "".join(plain)
    for m in mentions:
        m["text"] = text[m["start"]:m["end"]]
    mentions.sort(key=lambda m: (m["start"], -m["end"]))
    return text, mentions


def _open_tag(m: dict) -> str:
    attrs = [f'{a}="1"' for a in ATTRIBUTES if int(m.get(a, 0) or 0)]
    for a in STRING_ATTRIBUTES:
        if m.get(a):
            if set(str(m[a])) & set('"<>\n'):
                raise MarkupError(f"mention at {m['start']}-{m['end']}: {a} may not contain quotes, <, > or newlines")
            attrs.append(f'{a}="{m[a]}"')
    return "<" + " ".join([m["label"], *attrs]) + ">"


def to_markup(text: str, mentions) -> str:
    """Inline markup for `text` and its mentions (dicts or a MENTIONS frame); the inverse of parse_markup.

    Raises MarkupError for crossing spans, spans outside the text, and text that already
    contains something tag-shaped (it would not parse back to the same text).
    """
    if _TAG.search(text):
        raise MarkupError("text contains a tag-shaped '<...>' sequence; cannot mark it up reversibly")
    rows = mentions.to_dict("records") if hasattr(mentions, "to_dict") else list(mentions)
    rows = sorted(rows, key=lambda m: (int(m["start"]), -int(m["end"])))
    events: list[tuple] = []
    stack: list[dict] = []
    for i, m in enumerate(rows):
        start, end = int(m["start"]), int(m["end"])
        if m["label"] not in LABELS:
            raise MarkupError(f"mention at {start}-{end} has unknown label {m['label']!r}")
        if not 0 <= start < end <= len(text):
            raise MarkupError(f"mention {m['label']} at {start}-{end} is outside the text (length {len(text)})")
        while stack and int(stack[-1]["end"]) <= start:
            stack.pop()
        if stack and end > int(stack[-1]["end"]):
            raise MarkupError(f"mention {m['label']} at {start}-{end} crosses another at {stack[-1]['start']}-{stack[-1]['end']}")
        stack.append(m)
        tag = _open_tag(m)
        _attributes(tag[len(m["label"]) + 1:-1], m["label"], f"mention at {start}-{end}")
        # at one offset closings come first, innermost (latest opened) first; then openings, outermost first
        events.append((start, 1, i, tag))
        events.append((end, 0, -i, f"</{m['label']}>"))
    events.sort(key=lambda e: e[:3])
    out, pos = [], 0
    for offset, _, _, tag in events:
        out.append(text[pos:offset])
        out.append(tag)
        pos = offset
    out.append(text[pos:])
    return "".join(out)
