"""Anchor words: a cheap regex that finds every place a target rule could match.

For each target rule we take one token that every match must contain (a literal's first
token; a pattern's first required token with a literal, IN list or REGEX) and join them
into one case-insensitive regex. If a rule matches a sentence, its anchor occurs in that
sentence's text, so scanning for anchors loses no mention.
"""
from __future__ import annotations

import re

from medspacy.target_matcher import TargetRule
from spacy.language import Language

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "half", "quarter"]


def _trie_regex(words: set[str]) -> str:
    """A prefix-sharing regex for a set of literal strings (faster than a flat alternation)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def walk(node: dict) -> str:
        if list(node) == [""]:
            return ""
        ends = "" in node
        branches = [re.escape(ch) + walk(child) for ch, child in sorted(node.items()) if ch]
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return walk(trie)


def _token_anchor(token: dict) -> tuple[set[str], list[str]] | None:
    """(literal strings, regexes) one of which the token's text must contain; None if unconstrained."""
    if token.get("OP") in ("?", "*", "!"):
        return None
    for attr in ("LOWER", "TEXT", "ORTH", "NORM"):
        value = token.get(attr)
        if isinstance(value, str):
            return {value.lower()}, []
        if isinstance(value, dict) and "IN" in value:
            return {v.lower() for v in value["IN"]}, []
        if isinstance(value, dict) and "REGEX" in value:
            return set(), [value["REGEX"].lstrip("^").rstrip("$")]
    if token.get("LIKE_NUM"):
        return set(NUMBER_WORDS), [r"\d"]
    return None


def anchor_regex(nlp: Language, rules: list[TargetRule]) -> re.Pattern:
    """One compiled regex matching, in any text, the anchor of every rule."""
    words: set[str] = set()
    regexes: list[str] = []
    for rule in rules:
        if rule.pattern is None:
            first = nlp.make_doc(rule.literal.lower())
            words.add(first[0].lower_)
            continue
        for token in rule.pattern:
            anchor = _token_anchor(token)
            if anchor:
                words |= anchor[0]
                regexes += anchor[1]
                break
        else:
            raise ValueError(f"target rule {rule.literal!r}: no required token with a literal, IN list or REGEX")
    parts = [_trie_regex(words)] + [f"(?:{r})" for r in dict.fromkeys(regexes)]
    return re.compile("|".join(parts), re.IGNORECASE)
