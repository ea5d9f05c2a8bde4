"""The fast path: the full pipeline run only on sentences that can hold a mention.

Sections and sentences are found by the same cheap scans the full pipeline uses
(nlp.sections, nlp.sentences); an anchor regex (nlp.anchors) picks the sentences that
contain a possible target; only those are tokenized and run through the target matcher,
attributes and ConText. Every step of the full pipeline after sentence splitting is
sentence-local, and sentence boundaries always fall on whitespace, so the mentions are
exactly those of running the full pipeline on the whole note (tests/nlp/test_fastpath.py).
"""
from __future__ import annotations

import bisect

from spacy.language import Language

from nlp.anchors import anchor_regex
from nlp.mentions import doc_mentions
from nlp.pipeline import build_pipeline
from nlp.rules import target_rules
from nlp.sections import NoteSection, find_sections
from nlp.sentences import sentence_spans

SENTENCE_COMPONENTS = ("nerveflag_targets", "nerveflag_attributes", "nerveflag_context")


class FastExtractor:
    """Callable: note text -> mention rows, identical to the full pipeline's."""

    def __init__(self, nlp: Language | None = None):
        self.nlp = nlp or build_pipeline()
        self.components = [self.nlp.get_pipe(name) for name in SENTENCE_COMPONENTS]
        self.anchors = anchor_regex(self.nlp, target_rules(self.nlp.tokenizer))

    def candidate_sentences(self, text: str, sections: list[NoteSection]) -> list[tuple[int, int]]:
        """Sentence spans of `text` that contain an anchor."""
        hits = [m.start() for m in self.anchors.finditer(text)]
        if not hits:
            return []
        spans = sentence_spans(text, sections)
        starts = [s for s, _ in spans]
        chosen = sorted({bisect.bisect_right(starts, pos) - 1 for pos in hits})
        return [spans[i] for i in chosen]

    def __call__(self, text: str) -> list[dict]:
        sections = find_sections(text)
        rows: list[dict] = []
        for start, end in self.candidate_sentences(text, sections):
            doc = self.nlp.make_doc(text[start:end])
            if not len(doc):
                continue
            doc._.note_sections = [NoteSection(s.title, s.start - start, s.body_start - start, s.end - start) for s in sections]
            for token in doc:
                token.is_sent_start = token.i == 0
            for component in self.components:
                doc = component(doc)
            rows.extend(doc_mentions(doc, offset=start))
        return rows
