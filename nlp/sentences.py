"""Sentence splitting for clinical text: a regex scan, no statistical model.

Boundaries: blank lines; a line break unless the next line continues in lower case;
`.`, `?`, `!` followed by space and a letter, digit or bullet (not after a known
abbreviation such as `Dr.`, nor `pt.` / `wks.` when lower case follows); and every section header. A boundary
is always moved back to the start of its whitespace-delimited chunk, so a sentence
tokenizes identically alone or inside its note (the fast path relies on it).
"""

import bisect
import re

import numpy as np
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.rules import load_resource
from nlp.sections import NoteSection


def _abbreviations(key: str) -> set[str]:
    """A word list of sentences.json, lower-cased; each word letters and inner dots only."""
    words = {w.lower() for w in load_resource("sentences.json")[key]}
    bad = sorted(w for w in words if not re.fullmatch(r"[a-z]+(?:\.[a-z]+)*", w))
    if bad:
        raise ValueError(f"sentences.json: {key}: {', '.join(map(repr, bad))} must be letters with inner dots only")
    return words


#: Words whose "." never ends a sentence ("Dr.", "e.g."), and those whose "." does not when lower
#: case follows ("pt. states", "2 wks. ago"), from nlp/resources/sentences.json.
ABBREVIATIONS = _abbreviations("abbreviations")
LOWER_CASE_ABBREVIATIONS = _abbreviations("lower_case_abbreviations")


def _cased(word: str) -> str:
    """A regex for `word` in any letter case (ASCII only, as [A-Za-z] is)."""
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def _ends_with(words) -> str:
    """A zero-width test that the text just before holds one of `words` (any case) and a `.`, the word
    whole: not preceded by a letter or `.` (one lookbehind per word length, as lookbehinds need one)."""
    by_length: dict[int, list[str]] = {}
    for word in words:
        by_length.setdefault(len(word), []).append(_cased(word) if word else "[A-Za-z.]")
    return "|".join(f"(?<=(?<![A-Za-z.])(?:{'|'.join(sorted(found))})\\.)" for _, found in sorted(by_length.items()))


#: What a sentence's punctuation is followed by: a closing quote or bracket, spaces, then the next
#: sentence's first character (terse notes go on in lower case), looked at first and then consumed.
_PUNCTUATION_END = r"(?=[\"')\]]?[ \t]+[\"'(\[]?[A-Za-z0-9\-*•?])[\"')\]]?[ \t]+"
#: A `.` that ends an abbreviation: one of ABBREVIATIONS, or one of LOWER_CASE_ABBREVIATIONS or a
#: single character with lower case next; tested only after words short enough to be one.
_ABBREVIATION_DOT = (
    f"(?<![A-Za-z.]{{{max(map(len, ABBREVIATIONS | LOWER_CASE_ABBREVIATIONS)) + 1}}}\\.)"
    f"(?:{_ends_with(ABBREVIATIONS)}|(?:{_ends_with(LOWER_CASE_ABBREVIATIONS | {''})})(?=[\"')\\]]?[ \\t]+[a-z]))"
)
#: Sentence breaks, one regex per first character so that a search skips straight to it.
_BREAKS = (
    re.compile(r"\n[ \t]*\n\s*"  # blank line
               r"|\n(?=[ \t]*[^a-z\s])"),  # line break unless the next line continues in lower case
    re.compile(r"\?(?<=\S\?)" + _PUNCTUATION_END),
    re.compile(r"!(?<=\S!)" + _PUNCTUATION_END),
    re.compile(rf"\.(?<=\S\.)(?!{_ABBREVIATION_DOT})" + _PUNCTUATION_END),
)


def _chunk_start(text: str, pos: int) -> int:
    while pos > 0 and not text[pos - 1].isspace():
        pos -= 1
    return pos


def sentence_starts(text: str, sections: list[NoteSection]) -> list[int]:
    """Sorted character offsets where sentences start (always includes 0)."""
    starts = {m.end() for regex in _BREAKS for m in regex.finditer(text)}  # each after whitespace: a chunk's start
    starts.update(_chunk_start(text, s.start) for s in sections)
    starts.add(0)
    return sorted(s for s in starts if s < len(text) or s == 0)


def sentence_spans(text: str, sections: list[NoteSection]) -> list[tuple[int, int]]:
    """(start, end) character spans covering `text`, one per sentence."""
    starts = sentence_starts(text, sections)
    return list(zip(starts, starts[1:] + [len(text)]))


def mark_sentence_starts(doc: Doc, starts) -> Doc:
    """Set token.is_sent_start at the tokens holding character offsets `starts` (offsets in doc.text).

    An offset in a token's trailing space belongs to the next token. A line break and the
    indentation after it form one whitespace token; it ends the sentence before it rather
    than opening the next, so a template answer keeps the line break that ends it
    ("Weakness: No" then an indented "Numbness: denies").
    """
    n = len(doc)
    if not n:
        return doc
    idx, length, space = doc.to_array([IDX, LENGTH, IS_SPACE]).T.tolist()  # lists: windows are short
    flags = [-1] * n  # SENT_START: 1 starts a sentence, -1 does not
    flags[0] = 1
    for offset in starts:
        token = bisect.bisect_right(idx, offset) - 1
        if offset >= idx[token] + length[token]:  # in the trailing space
            token += 1
        if 0 <= token < n:
            flags[token + 1 if space[token] == 1 and 0 < token < n - 1 else token] = 1
    doc.from_array([SENT_START], np.array(flags, dtype=np.int64).view(np.uint64).reshape(-1, 1))
    return doc


class SentenceIndex:
    """`span.sent` for many spans of one doc, in log time: Span.sent walks the tokens to the sentence's
    edges (and first scans the whole doc for sentence annotation), quadratic over a long sentence's
    many mentions. Same result: from the sentence start at or before span.start to the next after it."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.starts: list[int] | None = None  # found on first use
        self.own = False  # whether Span.sent would take its own path (else it is asked)

    def sent(self, span: Span) -> Span:
        """The sentence holding `span`'s first token (span.sent)."""
        if self.starts is None:
            flags = self.doc.to_array(SENT_START).tolist()
            self.starts = [i for i, flag in enumerate(flags) if flag == 1]
            doc = self.doc  # its own path: no sentence hooks, and sentence starts set
            self.own = not ("sent" in doc.user_span_hooks or "sents" in doc.user_hooks) and (len(flags) == 1 or any(flags[1:]))
        if not self.own:
            return span.sent
        starts, i = self.starts, bisect.bisect_right(self.starts, span.start)
        return self.doc[starts[i - 1] if i else 0:starts[i] if i < len(starts) else len(self.doc)]


@Language.factory("nerveflag_sentences", requires=["doc._.note_sections"])
def make_sentence_splitter(nlp: Language, name: str):
    """Sets token.is_sent_start from `sentence_starts` (needs nerveflag_sections first)."""

    def split(doc: Doc) -> Doc:
        return mark_sentence_starts(doc, sentence_starts(doc.text, doc._.note_sections or []))

    return split
