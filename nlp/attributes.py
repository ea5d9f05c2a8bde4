"""Mention attributes from the text around a mention: MRC `grade`, `side`, `site`.

Vocabulary comes from attributes.json. A WEAKNESS grade grows to take in an adjacent
muscle ("Hip flex 4-/5", "2/5 hip flexion") so the mention names the finding.
"""

import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.anchors import trie_regex
from nlp.rules import load_resource

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


def _nearest(regex: re.Pattern, lookup: dict, text: str, start: int, end: int, lo: int, hi: int) -> str:
    """Normalised value of the match nearest to [start, end) within [lo, hi); inside wins."""
    best, best_dist = "", None
    for m in regex.finditer(text, lo, hi):
        dist = 0 if m.start() < end and m.end() > start else min(abs(m.start() - end), abs(start - m.end()))
        if best_dist is None or dist < best_dist:
            best, best_dist = _normal(lookup, m.group()), dist
    return best


def _clause(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    left = max(text.rfind(c, lo, start) for c in ",;\n") + 1
    rights = [i for i in (text.find(c, end, hi) for c in ",;\n") if i != -1]
    return max(left, lo), min(rights) if rights else hi


def _grow_to_muscle(span: Span, taken: set[int]) -> Span:
    """Extend a grade span over an adjacent muscle phrase in the same sentence."""
    _, (sites, _), _, gap = _vocab()
    doc, text = span.doc, span.doc.text
    sent = span.sent
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
    out = []
    for span in ents:
        grade = mrc_grade(span.text) if span.label_ == "WEAKNESS" else ""
        if grade and not sites.search(span.text):
            span = _grow_to_muscle(span, taken)
            taken.update(range(span.start, span.end))
        text, sent = doc.text, span.sent
        lo, hi = _clause(text, span.start_char, span.end_char, sent.start_char, sent.end_char)
        span._.grade = grade
        span._.side = _nearest(sides, side_lookup, text, span.start_char, span.end_char, lo, hi) or _nearest(
            sides, side_lookup, text, span.start_char, span.end_char, sent.start_char, sent.end_char
        )
        if span.label_ in ("WEAKNESS", "ATROPHY", "NUMBNESS"):
            span._.site = _nearest(sites, site_lookup, text, span.start_char, span.end_char, lo, hi) or _nearest(
                sites, site_lookup, text, span.start_char, span.end_char, sent.start_char, sent.end_char
            )
        out.append(span)
    doc.ents = out
    return doc


@Language.factory("nerveflag_attributes", requires=["doc.ents"])
def make_attributes(nlp: Language, name: str):
    """Component setting Span._.grade, side and site."""
    return annotate
