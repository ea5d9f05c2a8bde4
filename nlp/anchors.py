"""Rule screening: which rules could match a text, found without tokenizing it.

Every rule (target or ConText) is reduced to its *requirements*: the tokens every match must contain
(a literal's words; a pattern's required tokens with a LOWER/TEXT/ORTH value, IN list or
REGEX; the rule's `requires_sentence_words`). A rule can match a sentence only if each
requirement occurs in the text, so a sentence where no target rule meets all of its
requirements cannot hold a mention and is never tokenized, and a rule that does not meet
them need not be run at all.

One requirement per rule, the most selective (no stop word, longest shortest word), is its *anchor*: a
single scan for all anchors finds the rules worth checking in full.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import ahocorasick

from medspacy.target_matcher import TargetRule
from spacy.attrs import ORTH
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language

if sys.version_info >= (3, 11):
    from re import _parser as _RE_PARSER  # the parser `re` itself uses; there is no public equivalent
else:
    import sre_parse as _RE_PARSER

#: Token attributes whose value a token's lower-cased text must equal (or match, for REGEX).
EXACT_ATTRS = ("LOWER", "TEXT", "ORTH")
#: Zero-width assertions that make a token regex unusable on a whole sentence.
_ASSERTIONS = re.compile(r"\\[bBAZ]|\(\?[=!<]|(?<!\\)[$^]")


@dataclass(frozen=True)
class Requirement:
    """Some token of every match has its lower-cased text in `words` or matches one of `regexes`.

    `regexes` hold (pattern, searched in lower-cased text) pairs. The `ordered` requirements of
    a rule are met by tokens in that order; the others anywhere in the sentence.
    """

    words: frozenset[str]
    regexes: tuple[tuple[str, bool], ...] = ()
    ordered: bool = True

    def shortest(self) -> int:
        """The fewest characters a token meeting this requirement can have."""
        widths = [len(w) for w in self.words] + [_min_width(p) for p, _ in self.regexes]
        return min(widths, default=0)

    def selectivity(self) -> tuple[int, int]:
        """Higher means rarer in text: words before regexes, then long before short, and worst
        of all common English words and regexes that one character can meet (any digit)."""
        shortest = self.shortest()
        if self.regexes:
            kind = 2 if shortest >= 2 and not self.words & STOP_WORDS else 0
        else:
            kind = 1 if self.words & STOP_WORDS else 3
        return kind, shortest


def required_literal(pattern: str) -> str | None:
    """A string of 2+ caseless characters (digits, punctuation) every match of `pattern` holds, if any.

    Read from the pattern's top-level sequence (inside plain or flag groups); a text without it
    needs no search.
    """
    items = _RE_PARSER.parse(pattern).data
    while len(items) == 1 and items[0][0] == _RE_PARSER.SUBPATTERN:
        items = items[0][1][3].data  # (group, add_flags, del_flags, pattern)
    best, run = "", ""
    for op, arg in items:
        ch = chr(arg) if op == _RE_PARSER.LITERAL else ""
        run = run + ch if ch and ch.lower() == ch.upper() else ""
        best = max(best, run, key=len)
    return best if len(best) >= 2 else None


def _min_width(pattern: str) -> int:
    """The fewest characters `pattern` can match."""
    return _RE_PARSER.parse(pattern).getwidth()[0]


#: Lookarounds for a word edge: a token never starts or ends between two letters or two digits,
#: except inside a tokenizer special case ("cannot" -> "can" "not"), which is searched for whole.
#: The start check follows the first character ("h(?<![^\W\d_]h)"), so the regex begins with a
#: literal and `re` can skip ahead to the characters that could start a match.
_NOT_AFTER = {"letter": r"(?<![^\W\d_]{})", "digit": r"(?<!\d{})", "other": ""}
_NOT_BEFORE = {"letter": r"(?![^\W\d_])", "digit": r"(?!\d)", "other": ""}


def _char_class(ch: str) -> str:
    return "digit" if ch.isdigit() and re.match(r"\d", ch) else "letter" if re.match(r"[^\W\d_]", ch) else "other"


def trie_regex(words, edges: bool = False, space: str | None = None) -> str:
    """A prefix-sharing regex for literal strings; at any position it matches the longest.

    With `edges`, a word matches only where it could be a whole token (see _NOT_AFTER);
    with `space`, that regex stands for each " " in the strings.
    """
    branches = trie_branches(words, edges, space)
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def trie_branches(words, edges: bool = False, space: str | None = None) -> list[str]:
    """The top-level alternatives of `trie_regex(words, edges, space)`, one per first character.

    Joined by `|` with other alternatives that each start with a character, they keep the regex
    a plain alternation of literals first: `re` then skips to the characters that could start
    a match, which it does not do past an alternation of groups.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def branches(node: dict, last: str) -> list[str]:
        found = []
        for ch, child in sorted(node.items()):
            if ch:
                literal = space if ch == " " and space else re.escape(ch)
                start = _NOT_AFTER[_char_class(ch)].format(literal) if edges and not last else ""
                found.append(literal + start + walk(child, ch))
        if "" in node:
            found.append(_NOT_BEFORE[_char_class(last)] if edges else "")
        return found

    def walk(node: dict, last: str) -> str:
        found = branches(node, last)
        return found[0] if len(found) == 1 else "(?:" + "|".join(found) + ")"

    return branches(trie, "")


def _sentence_regex(pattern: str) -> str | None:
    """A token REGEX made searchable in a whole sentence (edge anchors dropped); None if impossible."""
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    return None if not pattern or _ASSERTIONS.search(pattern) else pattern


def _exact_constraints(token: dict):
    """(attr, words, regex) for each EXACT_ATTRS constraint of a token pattern: its lower-cased
    words (an exact value or an IN list) or else its REGEX."""
    for attr in EXACT_ATTRS:
        value = token.get(attr)
        if isinstance(value, str):
            yield attr, [value.lower()], None
        elif isinstance(value, dict) and isinstance(value.get("IN"), list) and value["IN"]:
            yield attr, [str(v).lower() for v in value["IN"]], None
        elif isinstance(value, dict) and isinstance(value.get("REGEX"), str):
            yield attr, None, value["REGEX"]


def token_requirement(token: dict) -> Requirement | None:
    """The requirement one token pattern puts on a sentence; None if optional or unconstrained."""
    if token.get("OP") not in (None, "+", "1"):
        return None
    for attr, words, regex in _exact_constraints(token):
        if words:
            return Requirement(frozenset(words))
        regex = _sentence_regex(regex)
        if regex is not None:
            return Requirement(frozenset(), ((regex, attr == "LOWER"),))
    return None


def rule_requirements(nlp: Language, rule: TargetRule) -> list[Requirement]:
    """Every requirement a match of `rule` puts on its sentence (possibly none)."""
    if rule.pattern is None:
        found = [Requirement(frozenset([t.lower_])) for t in nlp.make_doc(rule.literal.lower()) if not t.is_space]
    elif isinstance(rule.pattern, list):
        found = [r for r in map(token_requirement, rule.pattern) if r is not None]
    else:
        found = []
    words = (rule.metadata or {}).get("requires_sentence_words")
    if words:
        found.append(Requirement(frozenset(w.lower() for w in words), ordered=False))
    return [r for r in found if r.regexes or (r.words and all(r.words))]


#: The text of a token whose pattern names no word list or regex: any run of non-whitespace, or
#: none (a wildcard may take a whitespace token, which the \s* between tokens covers).
_ANY_TOKEN = r"\S*"
_OPS = {None: "", "1": "", "?": "?", "*": "*", "+": "+"}
#: No token starts or ends between two digits, special cases included (see _NOT_AFTER): checked at
#: each token's edges. (Between two letters a special case may split: "cannot" -> "can" "not".)
_DIGIT_EDGE = r"(?!(?<=\d)\d)"


def _token_text_regex(token: dict) -> str:
    """A regex every lower-cased text of a token meeting `token` matches whole (_ANY_TOKEN if unknown)."""
    for attr, words, regex in _exact_constraints(token):
        if words:
            return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        body = _whole_token_body(regex)
        if body is not None:
            return body if attr == "LOWER" else f"(?i:{body})"
    return _ANY_TOKEN


def _whole_token_body(regex: str) -> str | None:
    """`regex` without its `^` and `$` when it must match a token's whole text (they bind the whole
    of it, not one side of a top-level `|` as in `^a|b$`) and holds no other assertion; else None."""
    if not (regex.startswith("^") and regex.endswith("$") and not regex.endswith("\\$")):
        return None
    data = _RE_PARSER.parse(regex).data
    if len(data) < 2 or data[0] != (_RE_PARSER.AT, _RE_PARSER.AT_BEGINNING) or data[-1] != (_RE_PARSER.AT, _RE_PARSER.AT_END):
        return None
    return None if _ASSERTIONS.search(regex[1:-1]) else regex[1:-1]


def pattern_regex(rule) -> str | None:
    """A regex for the text a match of a token pattern covers: each token's text, only whitespace
    between (adjacent tokens touch or are split by whitespace), and no token starting or ending
    between two digits; None when it cannot be written safely or adds nothing to the requirements.

    It is a necessary condition, searched after a rule's other requirements (RuleIndex.meets), and
    only whether it matches counts: unknown tokens at either end are left out, since their regex
    may match no text, and `re` would otherwise try them at every position.
    """
    if not isinstance(rule.pattern, list):
        return None
    parts, unknown, whole_regexes = [], 0, 0  # parts: (token text regex, OP)
    for token in rule.pattern:
        op = token.get("OP")
        if token.get("IS_SPACE") is True:
            continue  # whitespace tokens: the \s* between tokens
        if op not in _OPS:
            return None
        text = _token_text_regex(token)
        if text == _ANY_TOKEN:
            unknown += 1
            if op in ("*", "+") or unknown > 2:
                return None  # would let a regex search backtrack without bound
        elif not any(words for _, words, _ in _exact_constraints(token)):
            whole_regexes += 1  # its requirement regex can not tell where the token ends; this one can
        parts.append((text, op))
    while parts and parts[0][0] == _ANY_TOKEN:
        parts.pop(0)
    while parts and parts[-1][0] == _ANY_TOKEN:
        parts.pop()
    if sum(1 for _, op in parts if op not in ("?", "*")) < 2 and not whole_regexes:
        return None
    return _DIGIT_EDGE + "".join(f"(?:(?:{text}){_DIGIT_EDGE}\\s*){_OPS[op]}" for text, op in parts)


def split_specials(nlp: Language) -> dict[str, set[str]]:
    """Lower-cased token -> the tokenizer special cases (lower-cased) that split off that token."""
    found: dict[str, set[str]] = {}
    for string, tokens in nlp.tokenizer.rules.items():
        if len(tokens) > 1:
            for token in tokens:
                found.setdefault(token[ORTH].lower(), set()).add(string.lower())
    return found


class WordScan:
    """All occurrences of a set of literal strings in one pass (Aho-Corasick), overlaps included.

    With `edges`, only occurrences that could be a whole token (see _NOT_AFTER) count.
    """

    def __init__(self, table: dict[str, set[int]], edges: bool):
        self.table, self.edges = table, edges
        self.automaton = ahocorasick.Automaton()
        for word, rules in table.items():
            # A neighbour of this class would continue the word's first or last character (None: any may).
            before, after = (_char_class(word[0]), _char_class(word[-1])) if edges else ("other", "other")
            self.automaton.add_word(word, (len(word) - 1, None if before == "other" else before,
                                           None if after == "other" else after, frozenset(rules)))
        self.automaton.make_automaton()
        self.classes: dict[str, str] = {chr(c): _char_class(chr(c)) for c in range(128)}

    def _class(self, ch: str) -> str:
        found = self.classes.get(ch)
        if found is None:
            found = self.classes[ch] = _char_class(ch)
        return found

    def hits(self, text: str) -> list[tuple[int, int, frozenset[int]]]:
        """(start, end, rules) of every occurrence in `text`."""
        found, n, classes, char_class = [], len(text), self.classes, self._class
        for end, (width, before, after, rules) in self.automaton.iter(text):
            start = end - width
            if before and start and (classes.get(text[start - 1]) or char_class(text[start - 1])) == before:
                continue
            if after and end + 1 < n and (classes.get(text[end + 1]) or char_class(text[end + 1])) == after:
                continue
            found.append((start, end + 1, rules))
        return found


class RuleIndex:
    """Which of a rule list's rules (target or ConText rules) meet all their requirements in a text.

    Texts are searched lower-cased; callers pass `text.lower()` and must treat every rule as
    possible when lower-casing changed the text's length (offsets would no longer line up).
    """

    def __init__(self, nlp: Language, rules: list):
        self.rules = rules
        self.specials = split_specials(nlp)
        self.unconditional: list[int] = []
        #: rule -> (ordered requirements, the match's adjacency regex, sentence-wide requirements)
        self.checks: dict[int, tuple[list[re.Pattern], list[re.Pattern], list[re.Pattern]]] = {}
        anchored: dict[str, set[int]] = {}
        special_anchored: dict[str, set[int]] = {}
        regex_anchored: dict[Requirement, set[int]] = {}
        compiled: dict[Requirement, re.Pattern] = {}
        for i, rule in enumerate(rules):
            requirements = rule_requirements(nlp, rule)
            if not requirements:
                self.unconditional.append(i)
                continue
            anchor = max(requirements, key=Requirement.selectivity)
            for word in anchor.words:
                anchored.setdefault(word, set()).add(i)
                for special in self.specials.get(word, ()):
                    special_anchored.setdefault(special, set()).add(i)
            if anchor.regexes:
                regex_anchored.setdefault(Requirement(frozenset(), anchor.regexes), set()).add(i)
            ordered, anywhere = ([compiled.setdefault(r, self.compile(r)) for r in requirements if r.ordered == o]
                                 for o in (True, False))
            covered = pattern_regex(rule)  # its tokens must also stand next to each other
            self.checks[i] = (ordered, [re.compile(covered)] if covered else [], anywhere)
        self.word_scans = [WordScan(table, edges) for table, edges in ((anchored, True), (special_anchored, False)) if table]
        self.regex_scans: list[tuple[re.Pattern, frozenset[int], str | None]] = []
        for requirement, ids in regex_anchored.items():
            regex = self.compile(requirement)
            self.regex_scans.append((regex, frozenset(ids), required_literal(regex.pattern)))

    def compile(self, requirement: Requirement) -> re.Pattern:
        """A regex that finds, in lower-cased text, every place a token could meet `requirement`."""
        parts = trie_branches(requirement.words, edges=True) if requirement.words else []
        parts += trie_branches(set().union(*(self.specials.get(w, ()) for w in requirement.words)))
        parts += [f"(?:{p})" if lower else f"(?i:{p})" for p, lower in requirement.regexes]
        return re.compile("|".join(parts))

    def hits(self, lowered: str) -> list[tuple[int, int, frozenset[int]]]:
        """(start, end, rules): each rule has an anchor occurrence starting in [start, end) of `lowered`.

        Word anchors are found at every occurrence; a regex anchor's occurrences inside a match
        of its regex have that match's rules, and the scan tries every position outside matches.
        """
        found = []
        for scan in self.word_scans:
            found.extend(scan.hits(lowered))
        for regex, rules, literal in self.regex_scans:
            if literal is None or literal in lowered:
                found.extend((m.start(), m.end(), rules) for m in regex.finditer(lowered))
        return found

    def meets(self, i: int, lowered: str, searched: dict | None = None, match_only: bool = False) -> bool:
        """Whether rule `i` meets every requirement in `lowered` (the ordered ones in order).

        `searched` memoizes searches across calls on the same text (rules share requirements).
        With `match_only`, only what the match's own text must hold: not the words
        (`requires_sentence_words`) its sentence must hold elsewhere.
        """
        if i not in self.checks:
            return True
        searched = {} if searched is None else searched
        ordered, adjacency, sentence_wide = self.checks[i]
        pos = 0
        for check in ordered:  # the leftmost match of each keeps the most room for the next
            pos = _search(check, lowered, pos, searched)
            if pos < 0:
                return False
        anywhere = adjacency if match_only else adjacency + sentence_wide
        return all(_search(check, lowered, 0, searched) >= 0 for check in anywhere)

    def met(self, lowered: str) -> list[int]:
        """Indices of the rules that meet all their requirements in `lowered`, in rule order."""
        return list(self.met_spans(lowered))

    def met_spans(self, lowered: str, hits: list | None = None) -> dict[int, tuple[int, int]]:
        """Rule index -> (first anchor start, last anchor end) in `lowered`, for the rules that meet all
        their requirements, in rule order; a rule without requirements spans the whole text.

        `hits`: this text's `hits`, if known (say, cut from those of a longer text holding it).
        """
        spans: dict[int, tuple[int, int]] = {}
        for start, end, ids in self.hits(lowered) if hits is None else hits:
            for i in ids:
                lo, hi = spans.get(i, (start, end))
                spans[i] = (min(lo, start), max(hi, end))
        searched: dict = {}
        met = {i: span for i, span in spans.items() if self.meets(i, lowered, searched)}
        met.update((i, (0, len(lowered))) for i in self.unconditional)
        return dict(sorted(met.items()))


def _search(regex: re.Pattern, text: str, pos: int, searched: dict) -> int:
    """Start of `regex`'s leftmost match in `text` from `pos` (-1 if none), memoized in `searched`."""
    key = (regex, pos)
    start = searched.get(key)
    if start is None:
        m = regex.search(text, pos)
        start = searched[key] = m.start() if m else -1
    return start


def anchor_regex(nlp: Language, rules: list) -> re.Pattern:
    """One case-insensitive regex matching the anchor of every rule that has requirements."""
    index = RuleIndex(nlp, rules)
    parts = [trie_regex(scan.table, edges=scan.edges) for scan in index.word_scans] + [regex.pattern for regex, _, _ in index.regex_scans]
    return re.compile("|".join(f"(?:{part})" for part in parts), re.IGNORECASE)
