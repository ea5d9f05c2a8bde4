"""Building note text from phrases while recording gold mention offsets.

A phrase is vocabulary text whose [bracketed] parts are findings; `[X:text]` names the
label by its initial and brackets nest (`[P:worsening [W:weakness]]`). `NoteBuilder.add`
appends the phrase without brackets and records each bracketed span as a mention at the
offset where it is written, so offsets are exact by construction (never searched for).
"""
from __future__ import annotations

import re

from pipelines.schemas import ATTRIBUTES

INITIALS = {"A": "ATROPHY", "W": "WEAKNESS", "N": "NUMBNESS", "P": "PROGRESSION", "F": "FUNCTIONAL_DECLINE", "R": "REFERRAL"}
DEFICIT_LABELS = ("ATROPHY", "WEAKNESS", "NUMBNESS")
_SLOT = re.compile(r"\{(\w+)\}")
_OPEN = re.compile(r"\[(?:([AWNPFR]):)?")
_FIRST_LETTER = re.compile(r"^((?:\[(?:[AWNPFR]:)?)*)([a-z])")


def fill(phrase: str, slots: dict) -> str:
    """Replace {slot} names with values (an unknown slot is a KeyError)."""
    return _SLOT.sub(lambda m: str(slots[m.group(1)]), phrase)


def capitalize(phrase: str) -> str:
    """Upper-case the first letter of a phrase, looking past opening brackets."""
    return _FIRST_LETTER.sub(lambda m: m.group(1) + m.group(2).upper(), phrase, count=1)


def strip_brackets(phrase: str) -> str:
    """The phrase as it reads in the note."""
    return _OPEN.sub("", phrase).replace("]", "")


class NoteBuilder:
    """Accumulates a note's text and its gold mentions."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.mentions: list[dict] = []

    def raw(self, text: str) -> None:
        """Append text that holds no findings."""
        self.parts.append(text)
        self.length += len(text)

    def add(self, phrase: str, label: str = "", attributes: dict | None = None, details: dict | None = None) -> None:
        """Append a filled phrase; every [finding] becomes a mention.

        `label` is the label of unprefixed brackets; `attributes` (assertion flags) apply to
        every mention of the phrase, `details` (grade, side, site) to its WEAKNESS, NUMBNESS
        and ATROPHY mentions (grade to WEAKNESS only).
        """
        attributes, details = attributes or {}, details or {}
        stack: list[tuple[str, int]] = []
        pos = 0
        while pos < len(phrase):
            opening = _OPEN.match(phrase, pos)
            if opening:
                stack.append((INITIALS[opening.group(1)] if opening.group(1) else label, self.length))
                pos = opening.end()
                continue
            if phrase[pos] == "]":
                found, start = stack.pop()
                self._record(found, start, attributes, details)
                pos += 1
                continue
            end = min((i for i in (phrase.find("[", pos), phrase.find("]", pos)) if i >= 0), default=len(phrase))
            self.raw(phrase[pos:end])
            pos = end
        if stack:
            raise ValueError("unbalanced brackets in a vocabulary phrase")

    def _record(self, label: str, start: int, attributes: dict, details: dict) -> None:
        if not label:
            raise ValueError("a bracketed finding without a label")
        text = "".join(self.parts)[start:]
        mention = {"label": label, "start": start, "end": self.length, "text": text}
        mention.update({a: int(bool(attributes.get(a, 0))) for a in ATTRIBUTES})
        deficit = label in DEFICIT_LABELS
        mention["grade"] = details.get("grade", "") if label == "WEAKNESS" else ""
        mention["side"] = details.get("side", "") if deficit else ""
        mention["site"] = details.get("site", "") if deficit else ""
        self.mentions.append(mention)

    def mark(self) -> tuple[int, int]:
        """A point to roll back to."""
        return len(self.parts), len(self.mentions)

    def rollback(self, mark: tuple[int, int]) -> None:
        """Drop everything appended since `mark`."""
        self.parts, self.mentions = self.parts[: mark[0]], self.mentions[: mark[1]]
        self.length = sum(map(len, self.parts))

    @property
    def text(self) -> str:
        return "".join(self.parts)
