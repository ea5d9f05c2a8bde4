"""Assertion: medspaCy ConText with our rules, then section implications and audit cues.

Sets on every entity the five booleans `is_negated`, `is_uncertain`, `is_historical`,
`is_hypothetical`, `is_family`, and `cues`: one "attribute: 'cue' (section)" entry per
attribute set, so an auditor sees why ("negated: 'denies' (ros)"). WEAKNESS in the scope
of an illness word ("weak and tired with the flu") with no muscle, limb or grade named is
generalized weakness: not a mention, so it is removed.
"""

from functools import lru_cache

from medspacy.context import ConText
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.rules import context_rules, load_resource
from nlp.sections import span_section
from nlp.sentences import SentenceIndex

#: ConText category -> (Span extension, mention attribute name)
CATEGORIES = {
    "NEGATED_EXISTENCE": ("is_negated", "negated"),
    "POSSIBLE_EXISTENCE": ("is_uncertain", "uncertain"),
    "HISTORICAL": ("is_historical", "historical"),
    "HYPOTHETICAL": ("is_hypothetical", "hypothetical"),
    "FAMILY": ("is_family", "family"),
    "GENERALIZED": ("is_generalized", "generalized"),
}
ATTRIBUTE_EXTENSIONS = {attr: ext for ext, attr in CATEGORIES.values()}

for _ext, _ in CATEGORIES.values():
    if not Span.has_extension(_ext):
        Span.set_extension(_ext, default=False)
if not Span.has_extension("cues"):
    Span.set_extension("cues", default="")


@lru_cache(maxsize=1)
def _section_implications() -> dict:
    data = load_resource("section_context.json")["sections"]
    def phrases(words):
        return [tuple(w.lower().split()) for w in words]
    return {
        title: (spec["attribute"], phrases(spec.get("when_sentence_has", [])), phrases(spec.get("unless_sentence_has", [])))
        for title, spec in data.items()
    }


def _has_phrase(tokens: list[str], phrases: list[tuple[str, ...]]) -> bool:
    for phrase in phrases:
        n = len(phrase)
        if any(tuple(tokens[i:i + n]) == phrase for i in range(len(tokens) - n + 1)):
            return True
    return False


def _crosses_sentence(doc: Doc, start: int, end: int) -> bool:
    """A cue spanning two sentences is ignored (a sentence alone could not contain it)."""
    return any(doc[i].is_sent_start for i in range(start + 1, end))


class ClinicalContext:
    """ConText plus section implications, cue recording and generalized-weakness removal."""

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.context = ConText(nlp, name=name, rules=None, span_attrs=None, prune_on_target_overlap=True)
        self.context.add(context_rules(nlp.tokenizer))

    def _apply_section(self, span: Span, sentences: SentenceIndex) -> None:
        section = span_section(span)
        implied = _section_implications().get(section)
        if not implied:
            return
        attribute, when, unless = implied
        ext = ATTRIBUTE_EXTENSIONS[attribute]
        if getattr(span._, ext):
            return
        tokens = [t.lower_ for t in sentences.sent(span)]
        if (when and not _has_phrase(tokens, when)) or _has_phrase(tokens, unless):
            return
        setattr(span._, ext, True)
        span._.cues = "; ".join(filter(None, [span._.cues, f"{attribute}: section {section}"]))

    def __call__(self, doc: Doc, context: ConText | None = None) -> Doc:
        """Assert `doc.ents`; `context` (default: ConText over all rules) may be one over a subset of the rules."""
        if not doc.ents:
            return doc
        (self.context if context is None else context)(doc)
        kept, sentences = [], SentenceIndex(doc)
        for span in doc.ents:
            cues = []
            for modifier in span._.modifiers:
                start, end = modifier.modifier_span
                if modifier.category in CATEGORIES and not _crosses_sentence(doc, start, end):
                    setattr(span._, CATEGORIES[modifier.category][0], True)
                    where = f" ({span_section(span)})" if span_section(span) else ""
                    cues.append(f"{CATEGORIES[modifier.category][1]}: '{doc[start:end].text.strip()}'{where}")
            span._.cues = "; ".join(dict.fromkeys(cues))
            if span._.is_generalized and not (span._.is_negated or span._.grade or span._.site):
                continue
            self._apply_section(span, sentences)
            kept.append(span)
        doc.ents = kept
        return doc


@Language.factory("nerveflag_context", requires=["doc.ents"])
def make_context(nlp: Language, name: str):
    """ConText component loading nlp/resources/context_rules.json and section_context.json."""
    return ClinicalContext(nlp, name)
