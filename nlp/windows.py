"""How far a window around candidate sentences must reach, counted in whitespace-delimited chunks.

A mention's fate depends on the matches it overlaps, and on theirs in turn; pruning treats each
run of overlapping matches on its own. Mentions never cross a sentence boundary; what can
reach into a run of sentences from outside is an EXCLUDE phrase or a ConText modifier that
crosses its edge. Such a match holds at most `reach` non-whitespace tokens, one at least inside
the run, so a window of `reach` chunks on either side holds it whole: if none crosses an edge,
the run's mentions are those the whole note would give (nlp.fastpath checks, and widens).
"""
from __future__ import annotations

import bisect
import re

from spacy.attrs import IDX, IS_SPACE, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

#: A token pattern's OP -> most tokens it consumes (None: unbounded).
_OP_TOKENS = {None: 1, "1": 1, "!": 0, "?": 1, "*": None, "+": None}
_REPEAT = re.compile(r"^\{(\d*)(?:(,)(\d*))?\}$")


def _op_tokens(op: str | None) -> int | None:
    if op in _OP_TOKENS:
        return _OP_TOKENS[op]
    m = _REPEAT.match(op or "")
    if not m:
        raise ValueError(f"unknown token pattern OP {op!r}")
    low, comma, high = m.groups()
    return int(low) if not comma else (int(high) if high else None)


def _only_whitespace(token: dict) -> bool:
    """A token pattern only whitespace tokens meet: such tokens lie between chunks, never in one."""
    return token.get("IS_SPACE") is True and set(token) <= {"IS_SPACE", "OP"}


def rule_reach(nlp: Language, rule) -> int | None:
    """Most non-whitespace tokens a match of `rule` (target or ConText) can hold; None if unbounded."""
    if rule.pattern is None:
        return len(nlp.make_doc(rule.literal.lower()))
    if not isinstance(rule.pattern, list):
        return None  # a regular expression over characters
    total = 0
    for token in rule.pattern:
        if _only_whitespace(token):
            continue
        n = _op_tokens(token.get("OP"))
        if n is None:
            return None
        total += n
    return total


def reach(nlp: Language, rules: list) -> int | None:
    """The largest `rule_reach` of `rules` (0 for none); None if any is unbounded."""
    found = [rule_reach(nlp, rule) for rule in rules]
    return None if None in found else max(found, default=0)


def chunks_before(text: str, pos: int, n: int) -> int:
    """Start of the n-th whitespace-delimited chunk before `pos` (0 if there are fewer)."""
    for _ in range(n):
        while pos > 0 and text[pos - 1].isspace():
            pos -= 1
        while pos > 0 and not text[pos - 1].isspace():
            pos -= 1
        if pos == 0:
            return 0
    return pos


def chunks_after(text: str, pos: int, n: int) -> int:
    """Start of the chunk after the n-th whitespace-delimited chunk from `pos` (len(text) if there are fewer)."""
    end = len(text)
    for _ in range(n):
        while pos < end and text[pos].isspace():
            pos += 1
        while pos < end and not text[pos].isspace():
            pos += 1
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


#: A rule whose matches only count inside one sentence (targets other than EXCLUDE).
SENTENCE = "sentence"


def token_regions(doc: Doc, char_spans: dict[int, tuple[int, int]], reaches: list) -> dict[int, tuple[int, int]]:
    """Rule -> tokens [a, b) of `doc` holding every match of the rule that counts.

    `char_spans` (from RuleIndex.met_spans) bound the rule's anchor occurrences, and every match
    holds one. A match reaches `reaches[rule]` non-whitespace tokens at most, or stays inside
    its sentence (SENTENCE), or is unbounded (None: the whole doc).
    """
    n = len(doc)
    if not n:
        return {}
    idx, space, sent = doc.to_array([IDX, IS_SPACE, SENT_START]).T.tolist()
    sentence_starts = [i for i, flag in enumerate(sent) if flag == 1]
    regions = {}
    for rule, (start, end) in char_spans.items():
        reach = reaches[rule]
        if reach is None:
            regions[rule] = (0, n)
            continue
        first = max(bisect.bisect_right(idx, start) - 1, 0)
        last = max(bisect.bisect_right(idx, end - 1) - 1, first)
        if reach == SENTENCE:
            i, j = bisect.bisect_right(sentence_starts, first), bisect.bisect_right(sentence_starts, last)
            regions[rule] = (sentence_starts[i - 1] if i else 0, sentence_starts[j] if j < len(sentence_starts) else n)
        else:
            regions[rule] = (_back(space, first, reach - 1), _forward(space, last + 1, reach - 1, n))
    return regions


def _back(space, a: int, words: int) -> int:
    """Token index `words` non-whitespace tokens before token `a`, and the whitespace before them."""
    while a > 0 and words > 0:
        a -= 1
        words -= not space[a]
    while a > 0 and space[a - 1]:
        a -= 1
    return a


def _forward(space, b: int, words: int, n: int) -> int:
    """Token end `words` non-whitespace tokens after end `b`, and the whitespace after them."""
    while b < n and words > 0:
        words -= not space[b]
        b += 1
    while b < n and space[b]:
        b += 1
    return b
