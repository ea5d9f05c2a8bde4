"""The fast path: the full pipeline run only on the sentences that can hold a mention.

Sections and sentences come from the same cheap scans the full pipeline uses
(nlp.sections, nlp.sentences). A rule index (nlp.anchors) picks the sentences in which some
target rule meets all its requirements. Each run of such sentences is tokenized with `reach`
whitespace chunks on either side (nlp.windows): enough to hold whole any EXCLUDE phrase or
ConText modifier that crosses the run's edges, the only matches through which text outside
can change its mentions. An edge no such rule can cross (none of 2+ tokens has an anchor within
its reach of the edge and meets its requirements there) gets no chunks. When one does cross,
the run is widened to the sentences it touches and processed again, until none does. Only the
target and ConText rules that could match the window are run (nlp.subset_matcher), giving the
full matchers' results. Windows start and end on whitespace, so a window tokenizes as it does
inside the note; the mentions are those of the full pipeline (tests/nlp/test_fastpath.py,
`nerveflag bench --check`).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from medspacy.context import ConText
from medspacy.target_matcher import TargetMatcher
from spacy.language import Language
from spacy.tokens import Doc

from nlp.anchors import RuleIndex
from nlp.mentions import doc_mentions
from nlp.pipeline import build_pipeline
from nlp.subset_matcher import SubsetMatcher
from nlp.sections import NoteSection, find_sections
from nlp.sentences import mark_sentence_starts, sentence_spans
from nlp.targets import EXCLUDE, rule_labels
from nlp.windows import SENTENCE, chunks_after, chunks_before, reach, rule_reach, token_regions

@dataclass
class NoteScan:
    """What the fast path learns of a note before tokenizing any of it."""

    text: str
    lowered: str
    sections: list[NoteSection]
    spans: list[tuple[int, int]]  # sentences, as character spans
    chosen: list[int]  # sentences in which some target rule could make a mention
    hits: list | None  # the target rules' anchor hits (RuleIndex.hits); None if lower-casing changed the length

    def hits_in(self, start: int, end: int) -> list:
        """The hits overlapping characters [start, end), clipped to them and counted from `start`."""
        return [(max(a, start) - start, min(b, end) - start, ids) for a, b, ids in self.hits if a < end and b > start]


class FastExtractor:
    """Callable: note text -> mention rows, identical to the full pipeline's."""

    def __init__(self, nlp: Language | None = None):
        self.nlp = nlp or build_pipeline()
        self.targets = self.nlp.get_pipe("nerveflag_targets")
        self.attributes = self.nlp.get_pipe("nerveflag_attributes")
        self.context = self.nlp.get_pipe("nerveflag_context")
        target_rules = self.targets.matcher.rules
        context_rules = self.context.context.rules
        self.target_index = RuleIndex(self.nlp, target_rules)
        self.context_index = RuleIndex(self.nlp, context_rules)
        self.mention_rules = frozenset(i for i, r in enumerate(target_rules) if r.category != EXCLUDE)
        self.needs_labels = [frozenset((r.metadata or {}).get("requires_sentence_labels") or ()) for r in target_rules]
        self.labels = [frozenset(rule_labels(r)) for r in target_rules]
        # Whether a rule needing sentence labels can have them from another such rule. If not, a sentence
        # is chosen only for a rule that needs none, and only those rules' hits pick candidate sentences.
        needing = [i for i, needs in enumerate(self.needs_labels) if needs]
        self.labels_among_needing = bool(set().union(*(self.labels[i] for i in needing))
                                         & set().union(*(self.needs_labels[i] for i in needing)))
        self.choosing_rules = self.mention_rules if self.labels_among_needing else self.mention_rules - set(needing)
        self.every_sentence = bool(self.choosing_rules & set(self.target_index.unconditional))
        # A TargetMatcher and a ConText like the pipeline's, whose matchers run a rule subset.
        self.target_subset = SubsetMatcher(self.targets.matcher._TargetMatcher__matcher)
        self.target_matcher = TargetMatcher(self.nlp, name=self.targets.name, result_type=None, prune=False)
        self.target_matcher._TargetMatcher__matcher = self.target_subset
        self.context_subset = SubsetMatcher(self.context.context._ConText__matcher)
        self.context_matcher = ConText(self.nlp, name=self.context.name, rules=None, span_attrs=None, prune_on_target_overlap=True)
        self.context_matcher._ConText__matcher = self.context_subset
        # How far a rule's matches reach beyond its anchor (nlp.windows): mentions stay in their sentence.
        self.target_reach = [rule_reach(self.nlp, r) if r.category == EXCLUDE else SENTENCE for r in target_rules]
        self.context_reach = [rule_reach(self.nlp, r) for r in context_rules]
        self.reach = reach(self.nlp, [r for r in target_rules if r.category == EXCLUDE] + context_rules)
        # The rules that can cross a run's edge (EXCLUDE phrases and ConText modifiers of 2+ tokens), by
        # reach; used only when every reach is bounded (self.reach is not None).
        self.target_crossers = {i: n for i, n in enumerate(self.target_reach) if n not in (None, SENTENCE) and n > 1}
        self.context_crossers = {i: n for i, n in enumerate(self.context_reach) if n is not None and n > 1}
        self.unanchored_crosser = any(i in crossers for index, crossers in ((self.target_index, self.target_crossers),
                                      (self.context_index, self.context_crossers)) for i in index.unconditional)

    def scan(self, text: str) -> NoteScan:
        """Sections, sentences and the sentences in which some target rule could make a mention
        (nothing is scanned further when no rule's anchor occurs)."""
        lowered = text.lower()
        if self.every_sentence or len(lowered) != len(text):
            sections = find_sections(text)
            spans = sentence_spans(text, sections)
            return NoteScan(text, lowered, sections, spans, list(range(len(spans))), None)
        hits = self.target_index.hits(lowered)
        mention_hits = [(start, end, ids & self.choosing_rules) for start, end, ids in hits]
        mention_hits = [hit for hit in mention_hits if hit[2]]
        if not mention_hits:
            return NoteScan(text, lowered, [], [], [], hits)
        sections = find_sections(text)
        spans = sentence_spans(text, sections)
        starts = [s for s, _ in spans]
        by_sentence: dict[int, set[int]] = {}
        for start, end, ids in mention_hits:
            for i in range(bisect.bisect_right(starts, start) - 1, bisect.bisect_left(starts, end)):
                by_sentence.setdefault(i, set()).update(ids)
        chosen = [i for i, rules in sorted(by_sentence.items()) if self._can_mention(rules, lowered[spans[i][0]:spans[i][1]])]
        return NoteScan(text, lowered, sections, spans, chosen, hits)

    def _can_mention(self, rules: set[int], sentence: str) -> bool:
        """Whether one of `rules` meets its requirements in the lower-cased `sentence` and, if it
        needs sentence labels, another met rule gives one; stops at the first rule that will do."""
        index, needs, searched = self.target_index, self.needs_labels, {}
        free = [r for r in rules if not needs[r]]
        if any(index.meets(r, sentence, searched) for r in free):
            return True
        if len(free) == len(rules):
            return False
        met = [r for r in rules if needs[r] and index.meets(r, sentence, searched)]
        labels = set().union(*(self.labels[r] for r in met))
        return any(needs[r] & labels for r in met)

    @staticmethod
    def runs(chosen: list[int]) -> list[tuple[int, int]]:
        """Runs [first, last] of consecutive chosen sentence indices."""
        runs: list[list[int]] = []
        for i in chosen:
            if runs and i == runs[-1][1] + 1:
                runs[-1][1] = i
            else:
                runs.append([i, i])
        return [(a, b) for a, b in runs]

    def window(self, note: NoteScan, lo: int, hi: int) -> tuple[int, int]:
        """Characters [start, end) around sentences [lo, hi): `reach` chunks on each side some rule
        may match across, none on the others (the whole note if a reach is unbounded)."""
        text = note.text
        if self.reach is None:
            return 0, len(text)
        return (chunks_before(text, lo, self.reach if self.may_cross(note, lo) else 0),
                chunks_after(text, hi, self.reach if self.may_cross(note, hi) else 0))

    def may_cross(self, note: NoteScan, edge: int) -> bool:
        """Whether an EXCLUDE phrase or ConText modifier could match across sentence start `edge`.

        A match of n tokens crossing it lies within n - 1 chunks of it each side, its anchor too,
        and its text meets the rule's requirements (RuleIndex.meets, match_only). Needs bounded reaches.
        """
        text, lowered = note.text, note.lowered
        if not 0 < edge < len(text):
            return False
        if note.hits is None or self.unanchored_crosser:
            return True
        start, end = chunks_before(text, edge, self.reach - 1), chunks_after(text, edge, self.reach - 1)
        zones: dict[int, tuple[int, int, dict]] = {}  # chunks each side -> (start, end, searched), from `start`
        for index, hits, crossers in ((self.target_index, note.hits_in(start, end), self.target_crossers),
                                      (self.context_index, self.context_index.hits(lowered[start:end]), self.context_crossers)):
            for a, b, ids in hits:
                for i in ids & crossers.keys():
                    n = crossers[i] - 1
                    if n not in zones:
                        zones[n] = (chunks_before(text, edge, n) - start, chunks_after(text, edge, n) - start, {})
                    lo, hi, searched = zones[n]
                    if a < hi and b > lo and index.meets(i, lowered[start + lo:start + hi], searched, match_only=True):
                        return True
        return False

    def process_window(self, note: NoteScan, start: int, end: int, edges: tuple[int, ...]) -> tuple[Doc, list[tuple[int, int]]]:
        """Run targets, attributes and ConText on the note's characters [start, end); also return the
        (start, end) spans, in the note, of the EXCLUDE phrases or ConText modifiers that cross one of `edges`."""
        sections, spans = note.sections, note.spans
        window = note.text[start:end]
        doc = self.nlp.make_doc(window)
        # Only the section open at the window's start and those starting inside it can hold its mentions.
        starts = [s.start for s in sections]
        nearby = sections[max(0, bisect.bisect_right(starts, start) - 1):bisect.bisect_left(starts, end)]
        doc._.note_sections = [NoteSection(s.title, s.start - start, s.body_start - start, s.end - start) for s in nearby]
        sentence_starts = [s for s, _ in spans[bisect.bisect_left(spans, (start,)):bisect.bisect_left(spans, (end,))]]
        mark_sentence_starts(doc, [s - start for s in sentence_starts])  # as the nerveflag_sentences component does
        lowered = window.lower()
        hits = note.hits_in(start, end) if note.hits is not None else None
        targets = _met_spans(self.target_index, window, lowered, hits)
        self.target_subset.select(tuple(targets), token_regions(doc, targets, self.target_reach))
        found = self.targets.stand_alone(doc, self.target_matcher)
        crossing = _crossing([(s.start_char + start, s.end_char + start) for s in found], edges)
        if crossing:
            return doc, crossing
        doc = self.targets.set_entities(doc, found)
        if not doc.ents:
            return doc, []
        doc = self.attributes(doc)
        modifiers = _met_spans(self.context_index, window, lowered)
        self.context_subset.select(tuple(modifiers), token_regions(doc, modifiers, self.context_reach))
        doc = self.context(doc, context=self.context_matcher)
        matched = [(doc[a].idx + start, doc[b - 1].idx + len(doc[b - 1]) + start) for _, a, b in self.context_subset.unpruned]
        return doc, _crossing(matched, edges)

    def run_mentions(self, note: NoteScan, first: int, last: int):
        """(first, last, rows): the mentions of sentences first..last, widened until no match crosses their edges."""
        spans = note.spans
        while True:
            lo, hi = spans[first][0], spans[last][1]
            start, end = self.window(note, lo, hi)
            doc, crossing = self.process_window(note, start, end, tuple(e for e in (lo, hi) if start < e < end))
            if not crossing:
                return first, last, [r for r in doc_mentions(doc, offset=start) if lo <= r["start"] < hi]
            starts = [s for s, _ in spans]
            first = min(first, bisect.bisect_right(starts, min(a for a, _ in crossing)) - 1)
            last = max(last, bisect.bisect_left(starts, max(b for _, b in crossing)) - 1)

    def __call__(self, text: str) -> list[dict]:
        note = self.scan(text)
        rows: list[dict] = []
        done = 0  # mentions starting before this offset were written by an earlier run
        for first, last in self.runs(note.chosen):
            if note.spans[last][1] <= done:
                continue  # inside a run widened before
            first, last, found = self.run_mentions(note, first, last)
            rows.extend(r for r in found if r["start"] >= done)
            done = max(done, note.spans[last][1])
        return rows


def _met_spans(index: RuleIndex, window: str, lowered: str, hits: list | None = None) -> dict[int, tuple[int, int]]:
    """`index.met_spans` of the window; every rule over the whole window when lower-casing changed its length."""
    if len(lowered) != len(window):
        return dict.fromkeys(range(len(index.rules)), (0, len(window)))
    return index.met_spans(lowered, hits)


def _crossing(matched: list[tuple[int, int]], edges: tuple[int, ...]) -> list[tuple[int, int]]:
    """The (start, end) spans that hold characters on both sides of one of `edges`."""
    return [(a, b) for a, b in matched if any(a < e < b for e in edges)]
