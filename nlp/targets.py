"""Target matching: medspaCy's TargetMatcher over the rules in target_rules.json.

After matching, mentions are filtered by what the rule file says. First each match's own
conditions: it may not cross a sentence boundary (EXCLUDE phrases may), `requires_sentence_words`
keeps it only when its sentence holds one of those words, `requires_unequal_numbers` only when
its numbers differ (48 vs 52 cm, not 48 vs 48 cm). Then overlapping matches are pruned (the
longest stands) and EXCLUDE phrases, having won over the finding inside them, are dropped.
Last, `requires_sentence_labels` keeps a mention only when its sentence holds one of those labels;
`also_labels` are labels the span carries too (they count for `requires_sentence_labels`, and
nlp.mentions writes one more mention per label).
"""

from medspacy.common.util import prune_overlapping_matches
from medspacy.target_matcher import TargetMatcher, TargetRule
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.rules import target_rules
from nlp.sentences import SentenceIndex

EXCLUDE = "EXCLUDE"


def _numbers(span: Span) -> set[float]:
    return {float(t.text) for t in span if t.like_num and t.text.replace(".", "", 1).isdigit()}


def rule_labels(rule: TargetRule) -> list[str]:
    """The labels a match of `rule` carries: its category and its `also_labels`."""
    return [rule.category, *(rule.metadata or {}).get("also_labels", ())]


def span_labels(span: Span) -> list[str]:
    """The labels of a matched span (`rule_labels` of the rule that matched it)."""
    return rule_labels(span._.target_rule)


def _stands_alone(span: Span, sentences: SentenceIndex, sentence_words: dict[int, set[str]]) -> bool:
    """The rule's conditions on the match itself: inside one sentence, sentence words, unequal numbers.

    An EXCLUDE phrase may cross a sentence start: in dictated run-together text a header can
    split a chunk ("generalized weakness.,History of ...") and the phrase must still win.
    `sentence_words` holds the lower-cased words of the sentences seen so far, by start token.
    """
    if span.label_ != EXCLUDE and any(span.doc[i].is_sent_start for i in range(span.start + 1, span.end)):
        return False
    meta = span._.target_rule.metadata
    words = meta.get("requires_sentence_words")
    if words:
        sent = sentences.sent(span)
        if sent.start not in sentence_words:
            sentence_words[sent.start] = {t.lower_ for t in sent}
        if not sentence_words[sent.start] & set(words):
            return False
    return not (meta.get("requires_unequal_numbers") and len(_numbers(span)) < 2)


def _longest(spans: list[Span]) -> list[Span]:
    """medspaCy's pruning (of overlapping matches the longest stands; ties to the first), on spans."""
    kept = prune_overlapping_matches([(i, s.start, s.end) for i, s in enumerate(spans)])
    return [spans[i] for i, _, _ in kept]


def _has_sentence_labels(span: Span, sentence: int, labels_by_sentence: dict[int, set[str]]) -> bool:
    """`requires_sentence_labels`: some mention of the span's sentence (its start token) carries one of those labels."""
    required = span._.target_rule.metadata.get("requires_sentence_labels")
    return not required or bool(labels_by_sentence.get(sentence, set()) & set(required))


class ClinicalTargetMatcher:
    """Finds red-flag mentions and writes them to `doc.ents`.

    Matches that fail their own conditions are dropped before overlapping matches are
    pruned, so a girth pattern that took an MMT row ("L 3/5, R 5/5") in a sentence with no
    girth word cannot hide the grade inside it.
    """

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.matcher = TargetMatcher(nlp, name=name, result_type=None, prune=False)
        self.matcher.add(target_rules(nlp.tokenizer))

    def stand_alone(self, doc: Doc, matcher: TargetMatcher | None = None) -> list[Span]:
        """Matches meeting their own conditions, before pruning; `matcher` (default: the one over all
        rules, unpruned) may be one over a subset of the rules."""
        sentences, sentence_words = SentenceIndex(doc), {}
        return [s for s in (self.matcher if matcher is None else matcher)(doc) if _stands_alone(s, sentences, sentence_words)]

    def set_entities(self, doc: Doc, found: list[Span]) -> Doc:
        """Prune `found` (stand_alone's matches), drop EXCLUDE and unmet sentence labels; set `doc.ents`."""
        spans = [s for s in _longest(found) if s.label_ != EXCLUDE]
        sentences = SentenceIndex(doc)
        starts = [sentences.sent(span).start for span in spans]
        labels_by_sentence: dict[int, set[str]] = {}
        for span, start in zip(spans, starts):
            labels_by_sentence.setdefault(start, set()).update(span_labels(span))
        kept = [span for span, start in zip(spans, starts) if _has_sentence_labels(span, start, labels_by_sentence)]
        doc.ents = sorted(kept, key=lambda s: s.start)
        return doc

    def __call__(self, doc: Doc) -> Doc:
        """Set `doc.ents` from every rule's matches."""
        return self.set_entities(doc, self.stand_alone(doc))


@Language.factory("nerveflag_targets")
def make_target_matcher(nlp: Language, name: str):
    """Target matcher component loading nlp/resources/target_rules.json."""
    return ClinicalTargetMatcher(nlp, name)
