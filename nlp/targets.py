"""Target matching: medspaCy's TargetMatcher over the rules in target_rules.json.

After matching, mentions are filtered by what the rule file says: EXCLUDE phrases
(which, being longer, have won over the finding inside them) are dropped; a match may not
cross a sentence boundary; `requires_sentence_labels` keeps a mention only next to one of
those labels in its sentence.
"""

from medspacy.target_matcher import TargetMatcher
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.rules import target_rules

EXCLUDE = "EXCLUDE"


def _keep(span: Span, labels_by_sentence: dict[int, set[str]]) -> bool:
    if span.label_ == EXCLUDE:
        return False
    if any(span.doc[i].is_sent_start for i in range(span.start + 1, span.end)):
        return False
    required = span._.target_rule.metadata.get("requires_sentence_labels") or ()
    return not required or bool(labels_by_sentence.get(span.sent.start, set()) & set(required))


class ClinicalTargetMatcher:
    """Finds red-flag mentions and writes them to `doc.ents`."""

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.matcher = TargetMatcher(nlp, name=name, result_type=None, prune=True)
        self.matcher.add(target_rules())

    def __call__(self, doc: Doc) -> Doc:
        spans = [s for s in self.matcher(doc) if s.label_ != EXCLUDE]
        labels_by_sentence: dict[int, set[str]] = {}
        for span in spans:
            labels_by_sentence.setdefault(span.sent.start, set()).add(span.label_)
        doc.ents = sorted((s for s in spans if _keep(s, labels_by_sentence)), key=lambda s: s.start)
        return doc


@Language.factory("nerveflag_targets")
def make_target_matcher(nlp: Language, name: str):
    """Target matcher component loading nlp/resources/target_rules.json."""
    return ClinicalTargetMatcher(nlp, name)
