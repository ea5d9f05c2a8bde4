"""Section detection by a cheap scan for header phrases (titles in sections.json).

One function, `find_sections`, serves both the spaCy component (full documents) and the
fast path (which never tokenizes the whole note), so both see the same sections.
A header is a known phrase at the start of a line, or after `,` `.` `;` (dictated
transcriptions run sections together: `...,HISTORY OF PRESENT ILLNESS:,  The patient`),
followed by `:` -- or alone on its line when it is 4 or more characters long.
"""

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.language import Language
from medspacy.section_detection import Section
from spacy.tokens import Doc, Span

from nlp.anchors import trie_regex
from nlp.rules import load_resource


@dataclass(frozen=True)
class NoteSection:
    """A section of a note in characters: header at [start, body_start), body up to `end`."""

    title: str
    start: int
    body_start: int
    end: int


#: Characters no header phrase may hold: the breaks a header follows, and the colon that ends it.
_DELIMITERS = "\n,.;:"


@lru_cache(maxsize=1)
def _header_regex() -> tuple[re.Pattern, dict]:
    """(header regex, tried where a header may start; phrase -> title)."""
    titles: dict[str, str] = {}
    for title, phrases in load_resource("sections.json")["sections"].items():
        for phrase in phrases:
            if any(c in _DELIMITERS for c in phrase):
                raise ValueError(f"sections.json: header phrase {phrase!r} ({title}) may not contain any of , . ; : or a line break")
            titles.setdefault(" ".join(phrase.lower().split()), title)
    def alt(phrases):  # a trie tries longer phrases first, as a longest-first alternation would
        return trie_regex(phrases, space=r"[ \t]+")
    long_phrases = [p for p in titles if len(p) >= 4]
    stars = r"[ \t]*(?:\*+[ \t]*)?"  # spaces, stars, spaces: as [ \t]*\**[ \t]*, but linear, not cubic, in a run of spaces
    regex = re.compile(
        rf"{stars}(?:(?P<colon>{alt(titles)}){stars}:|(?P<alone>{alt(long_phrases)}){stars}(?=\r?\n|$))",
        re.IGNORECASE,
    )
    return regex, titles


#: A break (`\n` `,` `.` `;`) whose next delimiter is the colon that ends a header, a line end, or the text end.
#: (`(?=(x*))\1` takes x* whole, never giving back: a possessive x*+ before Python 3.11.)
_TO_NEXT_DELIMITER = rf"(?=([^{re.escape(_DELIMITERS)}]*))\1(?:[:\n]|\Z)"
_HEADER_BREAK = re.compile(rf"[{re.escape(_DELIMITERS.replace(':', ''))}](?={_TO_NEXT_DELIMITER})")
_HEADER_AT_START = re.compile(_TO_NEXT_DELIMITER)


def _header_starts(text: str) -> list[int]:
    """Where a header may start: the text's start or just after `\n` `,` `.` `;`, and only where the
    next delimiter is the colon that ends a header or the line end (or text end) after one alone."""
    starts = [m.end() for m in _HEADER_BREAK.finditer(text)]
    return [0, *starts] if _HEADER_AT_START.match(text) else starts


def _header_matches(text: str):
    """Header matches in order, none overlapping (a header's own text is not searched again)."""
    regex, resume = _header_regex()[0], 0
    for pos in _header_starts(text):
        if pos < resume:
            continue
        m = regex.match(text, pos)
        if m:
            resume = m.end()
            yield m


def find_sections(text: str) -> list[NoteSection]:
    """Sections of `text` in order; text before the first header has no section."""
    titles = _header_regex()[1]
    found = []
    for m in _header_matches(text):
        phrase = m.group("colon") or m.group("alone")
        start = m.start("colon") if m.group("colon") else m.start("alone")
        found.append((start, m.end(), titles[" ".join(phrase.lower().split())]))
    sections = []
    for i, (start, body_start, title) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        sections.append(NoteSection(title, start, body_start, end))
    return sections


def section_at(sections: list[NoteSection], offset: int) -> str:
    """Title of the section holding character `offset` ("" when none)."""
    i = bisect.bisect_right([s.start for s in sections], offset) - 1
    return sections[i].title if i >= 0 else ""


def span_section(span: Span) -> str:
    """Section title of a mention span ("" when before any header)."""
    return section_at(span.doc._.note_sections or [], span.start_char)


def set_medspacy_sections(doc: Doc, sections: list[NoteSection]) -> None:
    """Mirror `sections` into medspaCy's `doc._.sections` / `token._.section`, as its Sectionizer would."""
    out = []
    for section in sections:
        title = doc.char_span(section.start, section.body_start, alignment_mode="expand")
        body = doc.char_span(section.body_start, section.end, alignment_mode="expand")
        if title is None:
            continue
        body_start, body_end = (body.start, body.end) if body is not None else (title.end, title.end)
        ms = Section(section.title, title.start, title.end, body_start, body_end)
        out.append(ms)
        for token in doc[title.start:body_end]:
            token._.section = ms
    doc._.sections = out


if not Doc.has_extension("note_sections"):
    Doc.set_extension("note_sections", default=None)


@Language.factory("nerveflag_sections")
def make_sectionizer(nlp: Language, name: str):
    """Sets `doc._.note_sections` (character spans) and medspaCy's `doc._.sections` from the header scan."""

    def sectionize(doc: Doc) -> Doc:
        doc._.note_sections = find_sections(doc.text)
        set_medspacy_sections(doc, doc._.note_sections)
        return doc

    return sectionize
