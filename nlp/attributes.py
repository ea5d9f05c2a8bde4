"""Mention attributes from the text around a mention: MRC `grade`, `side`, `site`.

Vocabulary comes from attributes.json. A WEAKNESS grade grows to take in an adjacent
muscle ("Hip flex 4-/5", "2/5 hip flexion") so the mention names the finding.
"""

import bisect
import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.anchors import trie_regex
from nlp.rules import load_resource
from nlp.sentences import SentenceIndex

for _name in ("grade", "side", "site"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default="")


def _words_regex(phrases: dict[str, list[str]]) -> tuple[re.Pattern, dict[str, str]]:
    lookup = {p.lower(): norm for norm, ps in phrases.items() for p in ps}
    alt = trie_regex({" ".join(p.split()) for p in lookup}, space=r"\s+")  # longest phrase first at each position
    return re.compile(rf"(?<![\w/&])(?:{alt})(?![\w/&])", re.IGNORECASE), lookup


@lru_cache(maxsize=1)
def _vocab():
    data = load_resource("attributes.json")
    sides = _words_regex(data["sides"])
    sites = _words_regex(data["sites"])
    grade = re.compile(data["grade_regex"], re.IGNORECASE)
    joiners = "|".join(re.escape(j) for j in data["joiners"])
    gap = re.compile(rf"^(?:[\s:=,()]|(?<![\w/])(?:{joiners})(?![\w/])|{sides[0].pattern})*$", re.IGNORECASE)
    return sides, sites, grade, gap


def _normal(lookup: dict[str, str], text: str) -> str:
    return lookup[" ".join(text.lower().split())]


def mrc_grade(text: str) -> str:
    """The sub-normal MRC grade written in `text` ("4-", "2", "3+", "5-"), or ""."""
    m = _vocab()[2].search(text)
    if not m:
        return ""
    digit = next(g for g in m.groups()[0::2] if g)
    sign = next((g for g in m.groups()[1::2] if g), "")
    value = digit + sign
    return "" if value in ("5", "5+") else value


def _nearest(regex: re.Pattern, lookup: dict, text: str, start: int, end: int, lo: int, hi: int, found: dict) -> str:
    """Normalised value of the match nearest to [start, end) within [lo, hi), the first of equals in
    text order (inside wins). `found` keeps each (regex, lo, hi)'s matches for the doc's other spans."""
    key = (regex.pattern, lo, hi)
    if key not in found:
        matches = list(regex.finditer(text, lo, hi))
        found[key] = ([m.start() for m in matches], [m.end() for m in matches], [m.group() for m in matches])
    starts, ends, texts = found[key]
    # Matches do not overlap, so starts and ends both rise: before the span, the last is nearest;
    # overlapping it, the first (distance 0); after it, the first.
    before, after = bisect.bisect_right(ends, start), bisect.bisect_left(starts, end)
    candidates = [(start - ends[before - 1], before - 1)] if before else []
    if before < after:
        candidates.append((0, before))
    if after < len(starts):
        candidates.append((starts[after] - end, after))
    return _normal(lookup, texts[min(candidates)[1]]) if candidates else ""


def _clause(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    left = max(text.rfind(c, lo, start) for c in ",;\n") + 1
    rights = [i for i in (text.find(c, end, hi) for c in ",;\n") if i != -1]
    return max(left, lo), min(rights) if rights else hi


def _grow_to_muscle(span: Span, sent: Span, text: str, taken: set[int]) -> Span:
    """Extend a grade span over an adjacent muscle phrase in its sentence `sent` (`text`: the doc's)."""
    _, (sites, _), _, gap = _vocab()
    doc = span.doc
    lo, hi = sent.start_char, sent.end_char
    new_start, new_end = span.start_char, span.end_char
    for m in sites.finditer(text, max(lo, span.start_char - 40), span.start_char):
        if gap.match(text[m.end():span.start_char]):
            new_start = m.start()
            break
    if new_start == span.start_char:
        for m in sites.finditer(text, span.end_char, min(hi, span.end_char + 30)):
            if gap.match(text[span.end_char:m.start()]):
                new_end = m.end()
            break
    grown = doc.char_span(new_start, new_end, label=span.label_, alignment_mode="contract")
    if grown is None or grown.start < sent.start or grown.end > sent.end:
        return span
    if any(i in taken for i in range(grown.start, grown.end) if not span.start <= i < span.end):
        return span
    grown._.target_rule = span._.target_rule
    return grown


def annotate(doc: Doc) -> Doc:
    """Set grade/side/site on every entity (growing WEAKNESS grades first)."""
    (sides, side_lookup), (sites, site_lookup), _, _ = _vocab()
    ents = list(doc.ents)
    taken = {i for e in ents for i in range(e.start, e.end)}
    sentences, found, text = SentenceIndex(doc), {}, doc.text
    out = []
    for span in ents:
        sent = sentences.sent(span)  # a grown span stays inside it
        grade = mrc_grade(span.text) if span.label_ == "WEAKNESS" else ""
        if grade and not sites.search(span.text):
            span = _grow_to_muscle(span, sent, text, taken)
            taken.update(range(span.start, span.end))
        start, end = span.start_char, span.end_char
        lo, hi = _clause(text, start, end, sent.start_char, sent.end_char)
        span._.grade = grade
        span._.side = (_nearest(sides, side_lookup, text, start, end, lo, hi, found)
                       or _nearest(sides, side_lookup, text, start, end, sent.start_char, sent.end_char, found))
        if span.label_ in ("WEAKNESS", "ATROPHY", "NUMBNESS"):
            span._.site = (_nearest(sites, site_lookup, text, start, end, lo, hi, found)
                           or _nearest(sites, site_lookup, text, start, end, sent.start_char, sent.end_char, found))
        out.append(span)
    doc.ents = out
    return doc


@Language.factory("nerveflag_attributes", requires=["doc.ents"])
def make_attributes(nlp: Language, name: str):
    """Component setting Span._.grade, side and site."""
    return annotate
