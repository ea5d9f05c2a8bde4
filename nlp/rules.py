"""Load and validate the clinical knowledge resource files in `nlp/resources/`.

The JSON files hold every word the pipeline knows; this module only reads them,
expands vocabulary references and fails with a clear message on a malformed rule.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import medspacy

from medspacy.context import ConTextRule
from medspacy.target_matcher import TargetRule

RESOURCE_DIR = Path(__file__).resolve().parent / "resources"
MEDSPACY_CONTEXT_RULES = Path(medspacy.__file__).resolve().parent.parent / "resources" / "en" / "context_rules.json"
#: max_scope given to every TERMINATE rule that sets none. A terminator's scope only serves medspaCy's
#: test of whether it overlaps another modifier's scope (ConTextModifier.limit_scope), and that test
#: (medspacy.util.tuple_overlaps) misses a scope that holds the other whole: with its default scope, the
#: whole sentence, "in light of" did not end the scope of "suspect" (max_scope 8) in "Suspect peroneal
#: palsy in light of foot drop and numbness." One token each side keeps it inside what it must end.
TERMINATOR_SCOPE = 1
RULE_FILES = ("target_rules.json", "context_rules.json", "sections.json", "section_context.json", "tokenizer.json", "attributes.json", "sentences.json")


@lru_cache(maxsize=None)
def load_resource(name: str) -> dict:
    """The parsed JSON resource `name` (e.g. "target_rules.json")."""
    text = (RESOURCE_DIR / name).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{name}: invalid JSON at line {err.lineno}: {err.msg}") from None


def rules_version() -> str:
    """A version string covering every resource file (changes when any rule changes)."""
    import hashlib

    digest = hashlib.sha256()
    for name in RULE_FILES:
        digest.update((RESOURCE_DIR / name).read_bytes())
    return digest.hexdigest()[:12]


#: Optional per-rule conditions, applied after matching (nlp.targets).
CONDITIONS = ("requires_sentence_labels", "requires_sentence_words", "requires_unequal_numbers")
#: What a target rule's metadata holds: its conditions and `also_labels`, labels the same span
#: also carries ("getting weaker" is PROGRESSION and WEAKNESS).
METADATA = (*CONDITIONS, "also_labels")


def _expand(pattern: list[dict], vocabulary: dict, where: str) -> list[dict]:
    """Replace "$NAME" vocabulary references in IN values of a token pattern: the whole value
    ("IN": "$DECREASE") or items of a list ("IN": ["$DECREASE", "losing"])."""
    out = []
    for token in pattern:
        token = dict(token)
        for attr, value in list(token.items()):
            found = value.get("IN") if isinstance(value, dict) else None
            if isinstance(found, str) and not found.startswith("$"):
                raise ValueError(f"{where}: unknown vocabulary list {found!r}")
            items = [found] if isinstance(found, str) else found
            if not isinstance(items, list) or not any(isinstance(w, str) and w.startswith("$") for w in items):
                continue
            expanded = []
            for w in items:
                if isinstance(w, str) and w.startswith("$"):
                    if w[1:] not in vocabulary:
                        raise ValueError(f"{where}: unknown vocabulary list {w!r}")
                    expanded.extend(vocabulary[w[1:]])
                else:
                    expanded.append(w)
            token[attr] = {**value, "IN": list(dict.fromkeys(expanded))}
        out.append(token)
    return out


def phrase_pattern(tokenizer, literal: str) -> list[dict] | None:
    """A token pattern for a multi-word literal that tolerates extra whitespace between words.

    "family  history" (two spaces) or "numbness and\ntingling" hold whitespace tokens that
    a plain phrase match would stop at. Single-token literals return None (phrase match).
    """
    if tokenizer is None:
        return None
    words = [t.lower_ for t in tokenizer(literal.lower()) if not t.is_space]
    if len(words) < 2:
        return None
    pattern: list[dict] = []
    for word in words:
        if pattern:
            pattern.append({"IS_SPACE": True, "OP": "*"})
        pattern.append({"LOWER": word})
    return pattern


def target_rules(tokenizer=None) -> list[TargetRule]:
    """TargetRules for the six labels (and EXCLUDE), with rule conditions in `metadata`.

    With a `tokenizer`, multi-word literals tolerate extra whitespace (phrase_pattern).
    """
    data = load_resource("target_rules.json")
    vocabulary = data.get("vocabulary", {})
    rules = []
    for i, spec in enumerate(data["rules"]):
        where = f"target_rules.json rule {i} ({spec.get('label')})"
        label = spec.get("label")
        if not label:
            raise ValueError(f"{where}: missing label")
        meta = {key: spec[key] for key in METADATA if key in spec}
        if "literals" in spec:
            for literal in spec["literals"]:
                rules.append(TargetRule(literal.lower(), label, pattern=phrase_pattern(tokenizer, literal), metadata=meta))
        elif "pattern" in spec:
            name = spec.get("name") or f"{label} pattern {i}"
            rules.append(TargetRule(name, label, pattern=_expand(spec["pattern"], vocabulary, where), metadata=meta))
        else:
            raise ValueError(f"{where}: needs `literals` or `pattern`")
    return rules


def context_rules(tokenizer=None) -> list[ConTextRule]:
    """medspaCy's default English ConText rules (minus exclusions) followed by ours.

    With a `tokenizer`, multi-word literals tolerate extra whitespace (phrase_pattern).
    """
    data = load_resource("context_rules.json")
    ours: dict[str, str] = {}
    for i, spec in enumerate(data["rules"]):
        for literal in spec.get("literals", [spec.get("literal", "")]):
            key = f"{spec.get('category')}:{literal.lower()}"
            if key in ours and spec.get("direction") != "PSEUDO":
                raise ValueError(f"context_rules.json rule {i}: {literal!r} already in rule {ours[key]} of that category")
            ours[key] = str(i)
    our_literals = {key.split(":", 1)[1] for key in ours}
    rules: list[ConTextRule] = []
    if data.get("include_medspacy_defaults", True):
        excluded = {x.lower() for x in data.get("exclude_medspacy_defaults", [])} | our_literals
        defaults = json.loads(MEDSPACY_CONTEXT_RULES.read_text(encoding="utf-8"))["context_rules"]
        for spec in defaults:
            if spec["literal"].lower() in excluded:
                continue
            if not spec.get("pattern"):
                spec = {**spec, "pattern": phrase_pattern(tokenizer, spec["literal"])}
            rules.append(ConTextRule.from_dict(spec))
    for i, spec in enumerate(data["rules"]):
        where = f"context_rules.json rule {i} ({spec.get('category')})"
        options = {k: spec[k] for k in ("max_scope", "allowed_types", "excluded_types", "terminated_by") if k in spec}
        for key in ("allowed_types", "excluded_types", "terminated_by"):
            if key in options:
                options[key] = set(options[key])
        try:
            if "literals" in spec:
                for literal in spec["literals"]:
                    pattern = phrase_pattern(tokenizer, literal)
                    rules.append(ConTextRule(literal.lower(), spec["category"], direction=spec["direction"], pattern=pattern, **options))
            else:
                rules.append(
                    ConTextRule(spec["literal"], spec["category"], direction=spec["direction"], pattern=spec["pattern"], **options)
                )
        except (KeyError, ValueError) as err:
            raise ValueError(f"{where}: {err}") from None
    for rule in rules:
        if rule.direction.upper() == "TERMINATE" and not rule.max_scope:
            rule.max_scope = TERMINATOR_SCOPE
    return rules
