"""Secret rules as data: a gitleaks-compatible TOML subset, plus `severity` and `confidence`.

Read from a gitleaks config: `[[rules]]` with id, description, regex, secretGroup, entropy, keywords,
path, tags, `[rules.allowlist]` / `[[rules.allowlists]]` (description, condition, commits, paths,
regexes, regexTarget = secret|match|line, stopwords); top-level `[allowlist]` / `[[allowlists]]`
(optionally `targetRules`); `[extend] useDefault = true` and `disabledRules`. Unknown keys are
ignored, like gitleaks does, so a user's existing config loads as it is.

Our own additions: `severity` (critical/high/medium/low), `confidence` (high/medium/low) and the
semi-generic shorthand `identifiers` + `secretRegex` (the regex is built as gitleaks builds its own
"name = value" rules), which keeps the default rule file short and uniform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from wizard.errors import UserError
from wizard.secretscan import rulecache
from wizard.secretscan.regex import Pattern, compile_pattern

DEFAULT_RULES = Path(__file__).with_name("default_rules.toml")
SEVERITIES = ("critical", "high", "medium", "low")
CONFIDENCES = ("high", "medium", "low")


@dataclass
class Allowlist:
    description: str = ""
    condition: str = "OR"  # OR: any check allows; AND: every check given must allow
    commits: set[str] = field(default_factory=set)
    paths: list[Pattern] = field(default_factory=list)
    regexes: list[Pattern] = field(default_factory=list)
    regex_target: str = "secret"  # secret | match | line
    stopwords: list[str] = field(default_factory=list)  # lower-case
    target_rules: set[str] = field(default_factory=set)  # global allowlists only; empty = all

    def allows(self, *, secret: bytes, match: bytes, line: bytes, path: str, commit: str | None) -> bool:
        checks: list[bool] = []
        if self.commits:
            checks.append(bool(commit) and commit in self.commits)
        if self.paths:
            checks.append(any(p.search(path.encode()) for p in self.paths))
        if self.regexes:
            target = {"match": match, "line": line}.get(self.regex_target, secret)
            checks.append(any(r.search(target) for r in self.regexes))
        if self.stopwords:
            low = secret.decode("utf-8", "replace").lower()
            checks.append(any(w in low for w in self.stopwords))
        if not checks:
            return False
        return all(checks) if self.condition == "AND" else any(checks)


@dataclass
class Rule:
    id: str
    description: str
    source: str = ""  # the pattern (RE2 syntax); "" for a path-only rule (the file itself is the finding)
    secret_group: int = 0
    entropy: float = 0.0
    keywords: list[str] = field(default_factory=list)  # lower-case
    path: Pattern | None = None
    tags: list[str] = field(default_factory=list)
    allowlists: list[Allowlist] = field(default_factory=list)
    severity: str = "high"
    confidence: str = "high"
    backend: str = "re2"
    order: int = 0  # position in the file: on overlapping matches the earlier specific rule names it
    _regex: Pattern | None = field(default=None, repr=False)

    @property
    def regex(self) -> Pattern | None:
        """Compiled on first use: most rules never see a keyword in a given repository."""
        if self._regex is None and self.source:
            self._regex, self.backend = compile_pattern(self.source)
        return self._regex

    @property
    def generic(self) -> bool:
        """A "name = value" rule with no provider format: context filters apply in full."""
        return "generic" in self.tags


@dataclass
class RuleSet:
    rules: list[Rule]
    allowlists: list[Allowlist] = field(default_factory=list)
    origin: str = "default"

    def __len__(self) -> int:
        return len(self.rules)


# gitleaks builds its "<name> = <value>" rules this way; `identifiers` and `secretRegex` ask for it.
_SEMI_GENERIC = (
    r"(?i:[\w.-]{0,50}?(?:%s)(?:[ \t\w.-]{0,20}))[ \t'\"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)"
    r"[\x60'\" \t=]{0,5}(%s)(?:[\x60'\"\s;,}\]]|\\[nrt\"']|$)"
)


def semi_generic(identifiers: list[str], secret: str) -> str:
    return _SEMI_GENERIC % ("|".join(identifiers), secret)


def load_rules(path: Path | None = None) -> RuleSet:
    """The default rules, or a user's gitleaks-style config (`[extend] useDefault` merges ours)."""
    if path is None:
        rules, allow = _load_file(DEFAULT_RULES)
        return RuleSet(rules, allow, "default")
    return _load_user(path)


def _load_user(path: Path) -> RuleSet:
    doc = _read(path)
    extend = doc.get("extend", {}) if isinstance(doc.get("extend"), dict) else {}
    rules, allow = _parse(doc, path)
    if extend.get("useDefault") or extend.get("path"):
        base_path = DEFAULT_RULES if extend.get("useDefault") else _relative(path, extend["path"])
        base_rules, base_allow = _load_file(base_path)
        disabled = set(extend.get("disabledRules", []))
        own = {r.id for r in rules}
        rules = rules + [r for r in base_rules if r.id not in disabled and r.id not in own]
        allow = allow + base_allow
    for n, r in enumerate(rules):
        r.order = n
    return RuleSet(rules, allow, str(path))


def _relative(config: Path, other: str) -> Path:
    p = Path(other).expanduser()
    return p if p.is_absolute() else config.parent / p


def _read(path: Path) -> dict:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UserError(f"cannot read secret rules: {err.strerror}", where=str(path)) from None
    ours = path == DEFAULT_RULES  # only our own file is cached: a user's config stays where they put it
    if ours and (doc := rulecache.load(data)) is not None:
        return doc
    import tomllib  # ~20 ms with `typing`: only when the parse is not cached

    try:
        doc = tomllib.loads(data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"))  # as read_text()
    except UnicodeDecodeError:
        raise UserError("secret rules file is not UTF-8 text", where=str(path)) from None
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"secret rules are not valid TOML: {err}", where=str(path)) from None
    if ours:
        rulecache.store(data, doc)
    return doc


def _load_file(path: Path) -> tuple[list[Rule], list[Allowlist]]:
    # our own file is tested to compile: its regexes compile lazily, a user's are checked up front
    return _parse(_read(path), path, lazy=path == DEFAULT_RULES)


def _parse(doc: dict, path: Path, lazy: bool = False) -> tuple[list[Rule], list[Allowlist]]:
    raw_rules = doc.get("rules", [])
    if not isinstance(raw_rules, list):
        raise UserError("`rules` must be an array of tables ([[rules]])", where=str(path))
    rules: list[Rule] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_rules):
        where = f"{path}: rule {n + 1}" + (f" ({raw.get('id')})" if isinstance(raw, dict) and raw.get("id") else "")
        try:
            rule = _rule(raw, n, lazy)
        except (KeyError, TypeError, ValueError, re.error) as err:
            msg = f"missing field {err}" if isinstance(err, KeyError) else str(err)
            raise UserError(msg, where=where) from None
        if rule.id in seen:
            raise UserError(f"duplicate rule id '{rule.id}'", where=where)
        seen.add(rule.id)
        rules.append(rule)
    allow: list[Allowlist] = []
    try:
        for raw in _tables(doc, "allowlist", "allowlists"):
            allow.append(_allowlist(raw, global_=True))
    except (TypeError, ValueError, re.error) as err:
        raise UserError(f"global allowlist: {err}", where=str(path)) from None
    return rules, allow


def _tables(raw: dict, single: str, many: str) -> list[dict]:
    out = []
    if isinstance(raw.get(single), dict):
        out.append(raw[single])
    if isinstance(raw.get(many), list):
        out += [t for t in raw[many] if isinstance(t, dict)]
    return out


def _rule(raw: dict, order: int, lazy: bool = False) -> Rule:
    if not isinstance(raw, dict):
        raise TypeError("each rule must be a table")
    rule_id = str(raw["id"])
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]{0,79}", rule_id):
        raise ValueError(f"rule id '{rule_id}' must be letters, digits, '-', '_' or '.'")
    source = raw.get("regex")
    if raw.get("identifiers") and raw.get("secretRegex"):
        source = semi_generic(list(raw["identifiers"]), raw["secretRegex"])
    path_src = raw.get("path")
    if not source and not path_src:
        raise ValueError("a rule needs `regex` (or `identifiers` + `secretRegex`) or `path`")
    regex, backend = compile_pattern(source) if source and not lazy else (None, "none" if not source else "lazy")
    keywords = [str(k).lower() for k in raw.get("keywords", [])]
    if not keywords and raw.get("identifiers"):
        keywords = sorted({k for i in raw["identifiers"] for k in _implied_keywords(str(i)) if len(k) >= 3})
    severity = str(raw.get("severity", "high")).lower()
    confidence = str(raw.get("confidence", "high")).lower()
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
    if confidence not in CONFIDENCES:
        raise ValueError(f"confidence must be one of {', '.join(CONFIDENCES)}")
    group = int(raw.get("secretGroup", 0))
    if regex is not None and group > _group_count(regex):
        raise ValueError(f"secretGroup {group} but the regex has only {_group_count(regex)} group(s)")
    return Rule(
        id=rule_id,
        description=str(raw.get("description", rule_id)),
        _regex=regex,
        source=source or "",
        secret_group=group,
        entropy=float(raw.get("entropy", 0.0)),
        keywords=keywords,
        path=compile_pattern(path_src)[0] if path_src else None,
        tags=[str(t).lower() for t in raw.get("tags", [])],
        allowlists=[_allowlist(a) for a in _tables(raw, "allowlist", "allowlists")],
        severity=severity,
        confidence=confidence,
        backend=backend,
        order=order,
    )


def _implied_keywords(identifier: str) -> list[str]:
    """Keywords an identifier regex implies: "session_?secret" -> session_secret, sessionsecret;
    anything fancier -> its literal head ("cosmos(?:db)?" -> "cosmos")."""
    if re.fullmatch(r"(?:[A-Za-z0-9]+[_.-]\??)*[A-Za-z0-9]+", identifier) and identifier.count("?") <= 3:
        variants = [""]
        for token in re.findall(r"[A-Za-z0-9]+|[_.-]\??", identifier):
            if token.endswith("?"):
                variants = [v + t for v in variants for t in ("", token[0])]
            else:
                variants = [v + token for v in variants]
        return [v.lower() for v in variants]
    return [_literal_prefix(identifier)]


def _literal_prefix(identifier: str) -> str:
    m = re.match(r"[A-Za-z0-9_-]*", identifier)
    head = m.group() if m else ""
    if head and identifier[len(head):len(head) + 1] in ("?", "*", "{"):
        head = head[:-1]
    return head.lower()


def _group_count(regex: Pattern) -> int:
    return int(getattr(regex, "groups", 0))


def _allowlist(raw: dict, global_: bool = False) -> Allowlist:
    condition = str(raw.get("condition", "OR")).upper()
    if condition not in ("OR", "AND"):
        raise ValueError("allowlist condition must be OR or AND")
    target = str(raw.get("regexTarget", "secret")).lower()
    if target not in ("secret", "match", "line"):
        raise ValueError("allowlist regexTarget must be secret, match or line")
    return Allowlist(
        description=str(raw.get("description", "")),
        condition=condition,
        commits={str(c) for c in raw.get("commits", [])},
        paths=[compile_pattern(str(p))[0] for p in raw.get("paths", [])],
        regexes=[compile_pattern(str(p))[0] for p in raw.get("regexes", [])],
        regex_target=target,
        stopwords=[str(s).lower() for s in raw.get("stopwords", [])],
        target_rules={str(r) for r in raw.get("targetRules", [])} if global_ else set(),
    )
