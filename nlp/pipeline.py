"""`build_pipeline()`: the spaCy Language that finds red-flag mentions in a note."""
from __future__ import annotations

import spacy
from spacy.language import Language

from nlp import attributes, context, sections, sentences, targets  # noqa: F401  (register factories)
from nlp.tokenizer import clinicalize

#: Component order; the fast path runs the last three on single sentences.
COMPONENTS = ("nerveflag_sections", "nerveflag_sentences", "nerveflag_targets", "nerveflag_attributes", "nerveflag_context")
MAX_NOTE_CHARS = 20_000_000


def build_pipeline() -> Language:
    """A blank-English medspaCy pipeline: clinical tokenizer, sections, sentences, targets, attributes, ConText.

    Needs no statistical model and downloads nothing.
    """
    nlp = clinicalize(spacy.blank("en"))
    nlp.max_length = MAX_NOTE_CHARS
    for name in COMPONENTS:
        nlp.add_pipe(name)
    return nlp
