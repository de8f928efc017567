"""The scanning engine: keyword prefilter, rule regexes, placeholder filters, entropy; redacted results."""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from wizard.errors import UserError
from wizard.redact import mask_window, register_secret

DEFAULT_RULES = Path(__file__).with_name("default_rules.toml")

# Values that are references or placeholders, never secrets.
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?[A-Z_][A-Z0-9_]*\}?|\{\{.*\}\}|<[^>]+>|%\(?\w+\)?s?|(.)\1{5,}|x{4,}.*|.*(?:example|changeme|placeholder|dummy|redacted).*)$",
    re.I,
)
_ENV_REFERENCE = re.compile(r"os\.environ|getenv|process\.env|ENV\[|\$\{", re.I)


@dataclass
class Rule:
    id: str
    description: str
    regex: re.Pattern[str]
    keywords: list[str] = field(default_factory=list)
    entropy: float = 0.0
    severity: str = "high"
    confidence: str = "high"
    stopwords: list[str] = field(default_factory=list)


@dataclass
class Candidate:
    rule: Rule
    secret: str
    line: str
    start: int
    end: int

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.rule.id}:{self.secret}".encode()).hexdigest()[:16]

    def window(self) -> str:
        return mask_window(self.line, self.start, self.end, self.rule.id)


def shannon(value: str) -> float:
    if not value:
        return 0.0
    counts = {c: value.count(c) for c in set(value)}
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def load_rules(path: Path = DEFAULT_RULES) -> list[Rule]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise UserError(f"cannot read secret rules: {err}", where=str(path)) from None
    rules = []
    for n, raw in enumerate(doc.get("rules", [])):
        try:
            allow = raw.get("allowlist", {})
            rules.append(Rule(
                id=raw["id"], description=raw.get("description", raw["id"]), regex=re.compile(raw["regex"]),
                keywords=[k.lower() for k in raw.get("keywords", [])], entropy=float(raw.get("entropy", 0.0)),
                severity=raw.get("severity", "high"), confidence=raw.get("confidence", "high"),
                stopwords=[s.lower() for s in allow.get("stopwords", [])],
            ))
        except (KeyError, re.error) as err:
            raise UserError(f"rule {n + 1}: {err}", where=str(path)) from None
    return rules


class Scanner:
    def __init__(self, rules: list[Rule] | None = None):
        self.rules = rules if rules is not None else load_rules()

    def scan_line(self, line: str) -> list[Candidate]:
        lower = line.lower()
        out = []
        for rule in self.rules:
            if rule.keywords and not any(k in lower for k in rule.keywords):
                continue
            for m in rule.regex.finditer(line):
                group = 1 if m.groups() else 0
                secret = m.group(group)
                if not secret or self._dropped(rule, secret, line):
                    continue
                register_secret(secret, rule.id)
                out.append(Candidate(rule, secret, line, m.start(group), m.end(group)))
        return out

    @staticmethod
    def _dropped(rule: Rule, secret: str, line: str) -> bool:
        low = secret.lower()
        if "launch-ready:allow" in line:
            return True
        if _PLACEHOLDER.match(secret):
            return True
        if any(s in low for s in rule.stopwords):
            return True
        if rule.entropy and shannon(secret) < rule.entropy:
            return True
        return bool(_ENV_REFERENCE.search(secret))
