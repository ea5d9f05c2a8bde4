"""A spaCy tokenizer that keeps clinical shorthand whole: `4-/5`, `L4-5`, `N/T`, `s/p`."""
from __future__ import annotations

import re

from spacy.language import Language

from nlp.rules import load_resource


def keep_whole_regex() -> re.Pattern:
    """The compiled token_match regex built from tokenizer.json."""
    parts = load_resource("tokenizer.json")["keep_whole"]
    return re.compile("^(?:" + "|".join(f"(?:{p})" for p in parts) + ")$", re.IGNORECASE)


def clinicalize(nlp: Language) -> Language:
    """Make `nlp`'s tokenizer keep the resource file's strings as single tokens."""
    nlp.tokenizer.token_match = keep_whole_regex().match
    return nlp
