"""The scanning engine: keyword prefilter -> rule regexes -> context filters -> redacted candidates.

Everything works on bytes. One RE2 pass over a whole fragment (a file, or a run of added lines
in a diff) finds every keyword; only the rules whose keywords occur run on that fragment. The raw
secret stays inside `Candidate` (for dedupe and the HEAD check) and is registered with the shared
redactor the moment it is kept, so no output can carry it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from wizard.redact import redact, register_secret
from wizard.secretscan.filters import Filters
from wizard.secretscan.regex import HAVE_RE2, KEYWORDS_NEED_LOWERCASE, keyword_pattern, keyword_set
from wizard.secretscan.rules import Rule, RuleSet, load_rules

WINDOW = 30  # characters of context shown each side of a masked secret
MAX_MATCHES_PER_FRAGMENT = 2000  # a generated file full of tokens must not run away


def secret_fingerprint(rule_id: str, secret: str) -> str:
    """Stable key of one secret under one rule: no path, no line, so baselines never churn."""
    return hashlib.sha256(f"{rule_id}\x00{secret}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class Candidate:
    """A kept match. `secret` is the raw value: never serialise a Candidate, use `hit()`."""

    rule: Rule
    secret: str
    path: str
    line: int
    column: int
    window: str  # the line around it, every secret masked
    confidence: str
    source: str = "tree"  # history | tree | build | staged | log | text
    commit: str | None = None
    date: str | None = None
    timestamp: int = 0

    @property
    def fingerprint(self) -> str:
        return secret_fingerprint(self.rule.id, self.secret)


@dataclass
class Dropped:
    """A candidate the filters dropped, for `--explain` (already redacted)."""

    rule: str
    path: str
    line: int
    redacted: str
    reason: str


@dataclass
class ScanStats:
    fragments: int = 0
    bytes: int = 0
    lines: int = 0
    files: int = 0
    git_streams: int = 0  # parallel `git log` slices the history scan used
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


class Scanner:
    def __init__(self, ruleset: RuleSet | None = None, *, min_confidence: str = "medium", explain: bool = False):
        self.ruleset = ruleset if ruleset is not None else load_rules()
        self.rules: list[Rule] = self.ruleset.rules
        self.filters = Filters(self.ruleset, min_confidence)
        self.explain = explain
        self.dropped: list[Dropped] = []
        self._dropped_keys: set[tuple[str, str, int, str]] = set()
        self.stats = ScanStats()
        self._path_cache: dict[tuple[int, str], bool] = {}
        self._path_rules_cache: dict[str, list[int]] = {}
        self._priority = [(r.generic, r.order) for r in self.rules]
        self.keyword_rules: dict[bytes, list[int]] = {}
        self.always: list[int] = []  # no keywords, no path: must run on every fragment
        self.path_rules: list[int] = []  # no keywords, but a path: run on every fragment of matching files
        for i, rule in enumerate(self.rules):
            if rule.keywords:
                for k in rule.keywords:
                    self.keyword_rules.setdefault(k.encode(), []).append(i)
            elif rule.path is not None:
                self.path_rules.append(i)
            else:
                self.always.append(i)
        # The keyword pass reports one keyword per position (the longest), so a hit also selects the
        # rules of every keyword inside it: "password" selects the rules keyed on "passw" too.
        own = {k: list(v) for k, v in self.keyword_rules.items()}
        for k in self.keyword_rules:
            inside = {k[a:b] for a in range(len(k)) for b in range(a + 1, len(k) + 1)}
            self.keyword_rules[k] = sorted({i for sub in inside if sub in own for i in own[sub]})
        words = [k.decode() for k in self.keyword_rules]
        self.keywords = keyword_pattern(words) if words else None
        # Every keyword present in a text in one RE2 Set pass (None with stdlib `re`): index -> rules.
        self._keyword_present = keyword_set(words) if words else None
        self._rules_of_keyword = [own.get(k, []) for k in self.keyword_rules]
        self._selection_cache: dict[frozenset[int], tuple[int, ...]] = {}
        # An added diff line ("\n+...") holding any keyword: one DFA pass skips removed lines and headers.
        # (RE2 only: stdlib `re` would retry the lazy prefix at every position; it takes every hit instead)
        self.added_line_keyword = keyword_pattern(words, prefix="\n\\+[^\n]*?") if words and HAVE_RE2 else None

    # -- selection -----------------------------------------------------------------------------
    def rules_for(self, data: bytes, path: str) -> set[int]:
        chosen = self.keyword_rules_in(data, 0, len(data)) | set(self.always)
        chosen.update(self.path_rules_for(path))
        return chosen

    def selected_rules(self, data: bytes, start: int, end: int) -> tuple[int, ...]:
        """Rules whose keywords occur in data[start:end], plus the keyword-less ones, in the order
        they must run (specific before generic). Memoised per set of keywords present."""
        if self._keyword_present is not None:
            key = frozenset(self._keyword_present(memoryview(data)[start:end]))
        else:
            key = frozenset(self.keyword_rules_in(data, start, end))
        chosen = self._selection_cache.get(key)
        if chosen is None:
            if len(self._selection_cache) >= 4096:
                self._selection_cache.clear()
            ids = set(self.always)
            if self._keyword_present is not None:
                for k in key:
                    ids.update(self._rules_of_keyword[k])
            else:
                ids.update(key)
            chosen = self._selection_cache[key] = tuple(sorted(ids, key=self._priority.__getitem__))
        return chosen

    def keyword_rules_in(self, data: bytes, start: int, end: int) -> set[int]:
        chosen: set[int] = set()
        if self._keyword_present is not None:
            for k in self._keyword_present(memoryview(data)[start:end]):
                chosen.update(self._rules_of_keyword[k])
        elif self.keywords is not None:
            if KEYWORDS_NEED_LOWERCASE:  # ASCII lower-casing keeps every byte in place
                data, start, end = data[start:end].lower(), 0, end - start
            for span in self.keywords.spans(data, start, end):
                a, b = span[0]
                chosen.update(self.keyword_rules[data[a:b].lower()])
        return chosen

    def path_rules_for(self, path: str) -> list[int]:
        found = self._path_rules_cache.get(path)
        if found is None:
            if len(self._path_rules_cache) > 4096:
                self._path_rules_cache.clear()
            found = self._path_rules_cache[path] = [i for i in self.path_rules if self.path_allows(i, path)]
        return found

    def path_allows(self, i: int, path: str) -> bool:
        """Does rule i's `path` regex accept this file? (memoised: one answer per rule and path)"""
        key = (i, path)
        ok = self._path_cache.get(key)
        if ok is None:
            if len(self._path_cache) > 8192:
                self._path_cache.clear()
            ok = self.rules[i].path.first(path.encode("utf-8", "surrogateescape")) is not None  # type: ignore[union-attr]
            self._path_cache[key] = ok
        return ok

    # -- matching ------------------------------------------------------------------------------
    def scan_bytes(self, data: bytes, path: str, *, source: str = "tree", first_line: int = 1) -> list[Candidate]:
        """Scan one whole text (a file, a fetched bundle)."""
        ids = self.selected_rules(data, 0, len(data))
        if self.path_rules and (extra := self.path_rules_for(path)):
            ids = self.order((*ids, *extra))
        return self.scan_ordered(data, ids, path=path, first_line=first_line, source=source)

    def scan_fragment(self, frag: bytes, rule_ids: Iterable[int], *, path: str, first_line: int = 1,
                      source: str = "tree", commit: str | None = None, date: str | None = None,
                      timestamp: int = 0) -> list[Candidate]:
        return self.scan_ordered(frag, sorted(rule_ids, key=self._priority.__getitem__), path=path,
                                 first_line=first_line, source=source, commit=commit, date=date, timestamp=timestamp)

    def order(self, rule_ids: Iterable[int]) -> tuple[int, ...]:
        return tuple(sorted(set(rule_ids), key=self._priority.__getitem__))

    def scan_ordered(self, frag: bytes, rule_ids: Sequence[int], *, path: str, first_line: int = 1,
                     source: str = "tree", commit: str | None = None, date: str | None = None,
                     timestamp: int = 0) -> list[Candidate]:
        """`rule_ids` already in running order (`order()` / `selected_rules()`): specific rules first."""
        self.stats.fragments += 1
        raw: list[tuple[Rule, int, int, int, int]] = []  # rule, secret start/end, match start/end
        rules = self.rules
        for i in rule_ids:
            rule = rules[i]
            if rule.path is not None and not self.path_allows(i, path):
                continue
            if not rule.source:  # path-only rule: the file itself is the finding
                raw.append((rule, 0, 0, 0, 0))
                continue
            regex = rule.regex
            groups, group = regex.groups, rule.secret_group
            for spans in regex.spans(frag):
                s, e = _secret_span(spans, group, groups)
                if e > s:
                    raw.append((rule, s, e, spans[0][0], spans[0][1]))
                if len(raw) >= MAX_MATCHES_PER_FRAGMENT:
                    break
        if not raw:
            return []
        path_b = path.encode("utf-8", "surrogateescape")
        kept: list[tuple[Rule, int, int, str, str]] = []  # rule, start, end, confidence, secret
        taken: list[tuple[int, int, str]] = []
        decide, explain = self.filters.decide, self.explain
        for rule, s, e, ms, me in raw:
            if rule.source and taken:
                clash = next((r for a, b, r in taken if s < b and a < e), None)
                if clash is not None:
                    if explain:
                        self._drop(rule, frag, s, e, path, first_line, f"same text already matched by {clash}")
                    continue
            secret_b = frag[s:e] if rule.source else path_b
            ls = frag.rfind(b"\n", 0, s) + 1
            le = frag.find(b"\n", s)
            decision = decide(rule, secret_b, frag[ms:me], frag[ls:le if le >= 0 else len(frag)],
                              frag[max(ls, s - 1):s], path, commit)
            if not decision.keep:
                if explain:
                    self._drop(rule, frag, s, e, path, first_line, decision.reason)
                continue
            secret = secret_b.decode("utf-8", "replace")
            register_secret(secret, rule.id)
            taken.append((s, e, rule.id))
            kept.append((rule, s, e, decision.confidence, secret))
        out = []
        spans = [(s, e) for _, s, e, _, _ in kept if e > s]
        for rule, s, e, conf, secret in sorted(kept, key=lambda k: k[1]):
            line = first_line + frag.count(b"\n", 0, s)
            ls = frag.rfind(b"\n", 0, s) + 1
            out.append(Candidate(
                rule=rule, secret=secret, path=path, line=line, column=s - ls + 1,
                window=_window(frag, s, e, rule.id, secret, spans) if e > s else f"[file {path}]",
                confidence=conf, source=source, commit=commit, date=date, timestamp=timestamp,
            ))
        return out

    def _drop(self, rule: Rule, frag: bytes, s: int, e: int, path: str, first_line: int, reason: str) -> None:
        if self.explain:
            # Length only: a dropped value is often a weak word, and even a hash of it would give it away.
            d = Dropped(rule.id, path, first_line + frag.count(b"\n", 0, s), f"[value len={e - s}]", reason)
            if (d.rule, d.path, d.line, d.reason) not in self._dropped_keys:
                self._dropped_keys.add((d.rule, d.path, d.line, d.reason))
                self.dropped.append(d)


def _secret_span(spans, group: int, groups: int) -> tuple[int, int]:
    """gitleaks' rule: `secretGroup` if set, else the first capture group that matched, else all."""
    if group:
        return spans[group]
    for g in range(1, groups + 1):
        s, e = spans[g]
        if e > s >= 0:
            return s, e
    return spans[0]


def _line_end(data: bytes, pos: int) -> int:
    end = data.find(b"\n", pos)
    return len(data) if end < 0 else end


def _window(frag: bytes, s: int, e: int, rule_id: str, secret: str, spans: list[tuple[int, int]]) -> str:
    """A short piece of the line with this secret redacted and every other found secret masked."""
    ls = frag.rfind(b"\n", 0, s) + 1
    line_end = _line_end(frag, s)
    single_line = e <= line_end  # a PEM block shows its first line only
    left_start = max(ls, s - WINDOW)
    right_end = min(line_end, e + WINDOW) if single_line else e

    def piece(a: int, b: int) -> str:
        chunk = bytearray(frag[a:b])
        for x, y in spans:
            if x < b and a < y and (x, y) != (s, e):
                for i in range(max(x, a) - a, min(y, b) - a):
                    chunk[i] = 0x2A  # '*'
        return chunk.decode("utf-8", "replace").replace("\r", " ").replace("\t", " ")

    lead = "…" if left_start > ls else ""
    tail = "…" if single_line and right_end < line_end else ""
    right = piece(e, right_end) if single_line else ""
    return f"{lead}{piece(left_start, s)}{redact(secret, rule_id)}{right}{tail}".strip()
