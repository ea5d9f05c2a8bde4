"""The fast path: the full pipeline run only on the sentences that can hold a mention.

Sections and sentences come from the same cheap scans the full pipeline uses
(nlp.sections, nlp.sentences). A rule index (nlp.anchors) picks the sentences in which some
target rule meets all its requirements; each is tokenized together with the sentence on
either side, because a match that crosses a sentence boundary, though never a mention
itself, can still prune the matches it overlaps in the full pipeline. Only the target and
ConText rules that could match the window are run (nlp.subset_matcher), giving the full
matchers' results, ties between rules included. Sentence
boundaries fall on whitespace, so a window tokenizes as it does inside the note; the
mentions are those of the full pipeline (tests/nlp/test_fastpath.py, `nerveflag bench --check`).
"""
from __future__ import annotations

import bisect

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

#: Sentences of context taken on each side of a candidate sentence.
NEIGHBOURS = 1


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
        self.mention_index = RuleIndex(self.nlp, [r for r in target_rules if r.category != EXCLUDE])
        self.needs_labels = [frozenset((r.metadata or {}).get("requires_sentence_labels") or ()) for r in self.mention_index.rules]
        self.labels = [frozenset(rule_labels(r)) for r in self.mention_index.rules]
        self.every_sentence = bool(self.mention_index.unconditional)
        # A TargetMatcher and a ConText like the pipeline's, whose matchers run a rule subset.
        self.target_subset = SubsetMatcher(self.targets.matcher._TargetMatcher__matcher)
        self.target_matcher = TargetMatcher(self.nlp, name=self.targets.name, result_type=None, prune=False)
        self.target_matcher._TargetMatcher__matcher = self.target_subset
        self.context_subset = SubsetMatcher(self.context.context._ConText__matcher)
        self.context_matcher = ConText(self.nlp, name=self.context.name, rules=None, span_attrs=None, prune_on_target_overlap=True)
        self.context_matcher._ConText__matcher = self.context_subset

    def candidate_sentences(self, text: str) -> tuple[list[NoteSection], list[tuple[int, int]], list[int]]:
        """The sections and sentence spans of `text`, and the indices of the sentences in which some
        target rule could make a mention (nothing is scanned further when no rule's anchor occurs)."""
        lowered = text.lower()
        if self.every_sentence or len(lowered) != len(text):
            sections = find_sections(text)
            spans = sentence_spans(text, sections)
            return sections, spans, list(range(len(spans)))
        hits = self.mention_index.hits(lowered)
        if not hits:
            return [], [], []
        sections = find_sections(text)
        spans = sentence_spans(text, sections)
        starts = [s for s, _ in spans]
        by_sentence: dict[int, set[int]] = {}
        for start, end, ids in hits:
            for i in range(bisect.bisect_right(starts, start) - 1, bisect.bisect_left(starts, end)):
                by_sentence.setdefault(i, set()).update(ids)
        index, chosen = self.mention_index, []
        for i, rules in sorted(by_sentence.items()):
            sentence = lowered[spans[i][0]:spans[i][1]]
            searched: dict = {}
            met = [r for r in rules if index.meets(r, sentence, searched)]
            labels = set().union(*(self.labels[r] for r in met))
            if any(not self.needs_labels[r] or self.needs_labels[r] & labels for r in met):
                chosen.append(i)
        return sections, spans, chosen

    @staticmethod
    def windows(chosen: list[int], n_sentences: int) -> list[tuple[int, int]]:
        """Merged runs [first, last] of sentence indices: each chosen sentence with its neighbours."""
        runs: list[list[int]] = []
        for i in chosen:
            first, last = max(0, i - NEIGHBOURS), min(n_sentences - 1, i + NEIGHBOURS)
            if runs and first <= runs[-1][1] + 1:
                runs[-1][1] = last
            else:
                runs.append([first, last])
        return [(a, b) for a, b in runs]

    def process_window(self, text: str, spans: list[tuple[int, int]], first: int, last: int, sections: list[NoteSection]) -> Doc:
        """Run targets, attributes and ConText on sentences first..last of `text`."""
        start, end = spans[first][0], spans[last][1]
        window = text[start:end]
        doc = self.nlp.make_doc(window)
        # Only the section open at the window's start and those starting inside it can hold its mentions.
        starts = [s.start for s in sections]
        nearby = sections[max(0, bisect.bisect_right(starts, start) - 1):bisect.bisect_left(starts, end)]
        doc._.note_sections = [NoteSection(s.title, s.start - start, s.body_start - start, s.end - start) for s in nearby]
        mark_sentence_starts(doc, [s - start for s, _ in spans[first:last + 1]])  # as the nerveflag_sentences component does
        lowered = window.lower()
        exact = len(lowered) == len(window)
        targets = tuple(self.target_index.met(lowered)) if exact else tuple(range(len(self.target_index.rules)))
        self.target_subset.select(targets)
        doc = self.targets(doc, matcher=self.target_matcher)
        if not doc.ents:
            return doc
        doc = self.attributes(doc)
        modifiers = tuple(self.context_index.met(lowered)) if exact else tuple(range(len(self.context_index.rules)))
        self.context_subset.select(modifiers)
        return self.context(doc, context=self.context_matcher)

    def __call__(self, text: str) -> list[dict]:
        sections, spans, chosen = self.candidate_sentences(text)
        rows: list[dict] = []
        for first, last in self.windows(chosen, len(spans)):
            doc = self.process_window(text, spans, first, last, sections)
            rows.extend(doc_mentions(doc, offset=spans[first][0]))
        return rows
