"""Building note text from phrases while recording gold mention offsets.

A phrase is vocabulary text with {slots} and [bracketed] findings; `[X:text]` names the
label by its initial. `NoteBuilder.add(phrase, label, **attributes)` appends the phrase and
records every bracketed span as a mention with exact offsets (never searched afterwards).
"""
from __future__ import annotations

import re

INITIALS = {"A": "ATROPHY", "W": "WEAKNESS", "N": "NUMBNESS", "P": "PROGRESSION", "F": "FUNCTIONAL_DECLINE", "R": "REFERRAL"}
_BRACKET = re.compile(r"\[(?:([AWNPFR]):)?([^\]]+)\]")
_SLOT = re.compile(r"\{(\w+)\}")


def fill(phrase: str, slots: dict) -> str:
    """Replace {slot} names with values (unknown slots are an error)."""
    return _SLOT.sub(lambda m: str(slots[m.group(1)]), phrase)


class NoteBuilder:
    """Accumulates text and mentions."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.mentions: list[dict] = []

    def raw(self, text: str) -> None:
        """Append text with no mentions (brackets not allowed)."""
        self.parts.append(text)
        self.length += len(text)

    def add(self, phrase: str, slots: dict, label: str = "", **attrs) -> None:
        """Append a phrase; each [finding] becomes a mention with `label` (or its [X:] initial) and `attrs`."""
        text = fill(phrase, slots)
        pos = 0
        for m in _BRACKET.finditer(text):
            self.raw(text[pos:m.start()])
            span = m.group(2)
            mention = {"label": INITIALS[m.group(1)] if m.group(1) else label, "start": self.length, "end": self.length + len(span), "text": span}
            mention.update({k: int(bool(attrs.get(k, 0))) for k in ("negated", "uncertain", "historical", "hypothetical", "family")})
            mention.update({k: attrs.get(k, "") for k in ("grade", "side", "site")})
            self.mentions.append(mention)
            self.raw(span)
            pos = m.end()
        self.raw(text[pos:])

    @property
    def text(self) -> str:
        return "".join(self.parts)
