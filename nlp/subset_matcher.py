"""A medspaCy matcher's matches on a window, computed with only the rules that could match there.

spaCy's Matcher tries every pattern at every token, so the full matcher's cost grows with the
rule count. `SubsetMatcher` stands in for a MedspacyMatcher (its `rule_map` and `__call__`):
after `select(rules)` it runs a one-pattern Matcher per selected pattern rule (all built
up front), the full matcher's own PhraseMatcher and RegexMatcher (their cost does not grow with the
rule count), and medspaCy's pruning when the full matcher prunes.

The result is the full matcher's, up to the order of matches on different spans, which neither
pruning nor nlp.targets uses: the selection holds every rule that can match (nlp.anchors),
a rule's matches do not depend on the other rules, and pruning sorts matches by (start, end)
keeping the first of equal spans. So only the order of rules matching the same span matters:
it is the full Matcher's when those rules are run by one Matcher in rule order (spaCy's matcher
states of two patterns keep their relative order whatever other patterns it holds).
"""
from __future__ import annotations

from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.util import prune_overlapping_matches
from spacy.matcher import Matcher
from spacy.tokens import Doc


class SubsetMatcher:
    """Callable like `full` (a MedspacyMatcher), running only the rules last passed to `select`."""

    def __init__(self, full: MedspacyMatcher):
        self.rule_map = full.rule_map
        self.rules = full.rules
        self.vocab = full.nlp.vocab
        self.phrase_matcher = full._MedspacyMatcher__phrase_matcher
        self.regex_matcher = full._MedspacyMatcher__regex_matcher
        self.has_phrases, self.has_regexes = len(self.phrase_matcher) > 0, len(self.regex_matcher._patterns) > 0
        self.prune = full._prune
        self.is_pattern = [isinstance(rule.pattern, list) for rule in self.rules]
        self.index = {self.vocab.strings.add(rule._rule_id): i for i, rule in enumerate(self.rules)}
        self.matchers: dict[tuple[int, ...], Matcher] = {}
        for i, is_pattern in enumerate(self.is_pattern):  # built now, so forked workers share them
            if is_pattern:
                self._matcher((i,))
        self.selected: tuple[int, ...] = ()
        self.regions: dict[int, tuple[int, int]] = {}
        self.unpruned: list[tuple[int, int, int]] = []  # the last call's matches before pruning

    def select(self, rules: tuple[int, ...], regions: dict[int, tuple[int, int]] | None = None) -> "SubsetMatcher":
        """Run only these rules (indices into `full.rules`, in rule order) from now on; a rule in
        `regions` only over those tokens [a, b), which must hold all its matches."""
        self.selected, self.regions = rules, regions or {}
        return self

    def _matcher(self, rules: tuple[int, ...]) -> Matcher:
        """A Matcher over these pattern rules, in this order (built once, kept)."""
        matcher = self.matchers.get(rules)
        if matcher is None:
            matcher = self.matchers[rules] = Matcher(self.vocab, validate=False)  # validated when `full` was built
            for i in rules:
                matcher.add(self.rules[i]._rule_id, [self.rules[i].pattern], on_match=self.rules[i].on_match)
        return matcher

    def pattern_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """The selected pattern rules' matches; rules matching the same span in the full Matcher's order."""
        matches = []
        for i in self.selected:
            if self.is_pattern[i]:
                a, b = self.regions.get(i, (0, len(doc)))
                if (a, b) == (0, len(doc)):
                    matches += self._matcher((i,))(doc)
                else:
                    matches += [(key, start + a, end + a) for key, start, end in self._matcher((i,))(doc[a:b])]
        keys_by_span: dict[tuple[int, int], list[int]] = {}
        for key, start, end in matches:
            keys_by_span.setdefault((start, end), []).append(key)
        if len(keys_by_span) == len(matches):
            return matches
        tied = {span for span, keys in keys_by_span.items() if len(keys) > 1}
        rules = tuple(sorted({self.index[key] for span in tied for key in keys_by_span[span]}))
        ordered = [m for m in self._matcher(rules)(doc) if (m[1], m[2]) in tied]
        return [m for m in matches if (m[1], m[2]) not in tied] + ordered

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        matches = self.pattern_matches(doc)
        if self.has_phrases:
            matches += self.phrase_matcher(doc)
        if self.has_regexes:
            matches += self.regex_matcher(doc)
        self.unpruned = matches
        return prune_overlapping_matches(matches) if self.prune else matches
