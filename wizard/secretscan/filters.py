"""Context filters: why a regex match is (not) a secret, decided before entropy.

Each filter returns a plain reason when it drops a candidate; `--explain` prints them. The order is
the cheapest and surest first: pragma, allowlists, placeholders, references, file context, format
checks, entropy, then the test/docs downgrade.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from wizard.secretscan.rules import Rule, RuleSet

PRAGMAS = (b"launch-ready:allow", b"gitleaks:allow")
assert all(p.endswith(b":allow") for p in PRAGMAS)  # decide() tests for ":allow" first
CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}

# Placeholders and templates in any rule's secret (a real random token never contains these).
_PLACEHOLDER_ANY = re.compile(
    r"(?i)example|x{5,}|\*{4,}|\.{4,}|<[^>]{0,40}>|\$\{|\{\{|\}\}|%\([a-z_]+\)s|placeholder|changeme|change[_-]me"
    r"|your[_-]?(?:api|access|secret|token|key|password|own)|insert[_-]|replace[_-]?me|redacted|dummy|notreal"
    r"|not[_-]a[_-]real|fake[_-]?(?:key|token|secret|password)"
    r"|\{[A-Za-z_][\w.\[\]'\"-]*\}"  # an f-string / format placeholder: {settings['key']}
)
# Generic "name = value" rules also drop words and shapes that only stand in for a value.
_PLACEHOLDER_GENERIC = re.compile(
    r"(?i)^(?:password\d*|passwd|secret|token|api[_-]?key|apikey|null|none|nil|undefined|true|false|string"
    r"|required|optional|empty|default|test|testing|foo|bar|baz|qwerty\w*|admin\w{0,3}|root|letmein|hunter2"
    r"|abc123\w*|[a-z]+_?here|todo|tbd|fixme|sample\w*|mock\w*|unused\w*|test[_-]only\w*|s3cr3t|p@ssw0rd"
    r"|(?:12345\d*|01234\d*|abcdef\w*))$"
)
_REFERENCE = re.compile(
    r"(?i)os\.environ|getenv|process\.env|import\.meta\.env|ENV\[|\$[A-Z_][A-Z0-9_]*|\bsettings\.|\bconfig\."
    r"|\bparams\.|\bvault:|\bsecrets\.|\{\{|\$\(|^env\(|^\w+\(|\)$|^self\.|^this\.|^\$\w|^[\w.]+[\[(]"
)
_IDENTIFIER_PATH = re.compile(
    r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?::[A-Za-z_]\w*)?$"  # settings.API_KEY, pkg.mod:Class
    r"|^[A-Z][A-Z0-9_]{2,}$"  # an environment variable's name
    r"|^[a-z]+(?:[._-][a-z0-9]+)+$"  # words joined by . _ - (rule ids, slugs, file names)
    r"|^[a-z]+(?:[A-Z][a-z]+)+$"  # camelCase identifiers
)
# A regular expression or a glob, not a value (rule files, validators).
_PATTERN_LIKE = re.compile(r"\[[^\]]*[A-Za-z0-9]-[A-Za-z0-9][^\]]*\]|\{\d+(?:,\d*)?\}|\\[dswbDSWB]|\(\?[:i!=<]|[_)-]\?")
# A name that holds an identifier or a pointer to the secret, not the secret itself.
_REFERENCE_NAME = re.compile(
    rb"(?:[_.\- ](?i:id|ids|ref|refs|url|uri|urls|name|names|path|file|field|header|env|var|type|length|len|expiry"
    rb"|expires|endpoint|arn|hash|digest|version|prefix|suffix|format|regex|pattern|label|cache|count)"
    rb"|(?:Id|Ids|Ref|Url|Uri|Name|Path|File|Field|Header|Env|Var|Type|Length|Expiry|Endpoint|Arn|Hash|Version"
    rb"|Prefix|Format|Pattern|Label|Count))$"
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")
_HEX_DIGEST = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$", re.I)
_DIGEST_CONTEXT = re.compile(rb"(?i)sha\d*|md5|checksum|digest|integrity|hash|etag|commit|revision|fingerprint")
_REPEATED = re.compile(r"(.)\1{5,}")
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl")

LOCKFILES = {
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "pipfile.lock",
    "cargo.lock", "go.sum", "composer.lock", "gemfile.lock", "packages.lock.json", "pdm.lock", "uv.lock",
    "bun.lockb", "mix.lock", "podfile.lock", "flake.lock",
}
SOURCE_EXT = {
    ".py", ".pyi", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".go", ".java", ".kt", ".kts", ".scala",
    ".rb", ".php", ".cs", ".fs", ".vb", ".swift", ".m", ".c", ".h", ".cc", ".cpp", ".hpp", ".rs", ".dart",
    ".lua", ".pl", ".ex", ".exs", ".erl", ".clj", ".groovy", ".vue", ".svelte", ".r", ".jl", ".ipynb",
}
_TEST_DOC_PARTS = {
    "test", "tests", "testing", "spec", "specs", "__tests__", "__mocks__", "fixtures", "fixture", "testdata",
    "mocks", "docs", "doc", "documentation", "examples", "example", "samples", "sample",
}
_DOC_EXT = {".md", ".rst", ".adoc", ".txt", ".asciidoc"}


@dataclass
class Decision:
    keep: bool
    reason: str
    confidence: str


def shannon(value: str) -> float:
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in (value.count(ch) for ch in set(value)))


@lru_cache(maxsize=4096)
def is_lockfile(path: str) -> bool:
    return PurePosixPath(path).name.lower() in LOCKFILES


@lru_cache(maxsize=4096)
def is_test_or_doc(path: str) -> bool:
    p = PurePosixPath(path.lower())
    if p.suffix in _DOC_EXT or p.suffix in (".example", ".sample", ".template", ".dist", ".tpl"):
        return True
    stem = p.name.split(".")[0]
    if stem.startswith("test_") or stem.endswith(("_test", "_spec")) or ".test." in p.name or ".spec." in p.name:
        return True
    return any(part in _TEST_DOC_PARTS for part in p.parts[:-1])


@lru_cache(maxsize=4096)
def is_source_code(path: str) -> bool:
    return PurePosixPath(path.lower()).suffix in SOURCE_EXT


# "abcdef..." or "qwerty...": a value whose first six characters run along one of the sequences.
_SEQUENCE_PIECES = frozenset(seq[a:b] for seq in _SEQUENCES for a in range(len(seq)) for b in range(a, min(a + 6, len(seq)) + 1))


def _sequential(value: str) -> bool:
    return value.lower()[:6] in _SEQUENCE_PIECES  # one set lookup: this runs on every generic candidate


class Filters:
    def __init__(self, ruleset: RuleSet, min_confidence: str = "medium"):
        self.global_allow = ruleset.allowlists
        self.min_rank = CONFIDENCE_RANK[min_confidence]
        # The same line comes back across history (reverts, copies, cherry-picks): decide it once.
        # Only commit allowlists look beyond the text, and with them nothing is cached.
        self._by_commit = any(a.commits for r in ruleset.rules for a in r.allowlists) or any(
            a.commits for a in ruleset.allowlists)
        self._cache: dict[tuple, Decision] = {}

    def decide(self, rule: Rule, secret: bytes, match: bytes, line: bytes, before: bytes, path: str,
               commit: str | None) -> Decision:
        """`before`: the character(s) just ahead of the secret on its line (quote detection)."""
        if self._by_commit:
            return self._decide(rule, secret, match, line, before, path, commit)
        key = (rule.id, secret, match, line, before, path)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= 4096:
                self._cache.clear()
            found = self._cache[key] = self._decide(rule, secret, match, line, before, path, commit)
        return found

    def _decide(self, rule: Rule, secret: bytes, match: bytes, line: bytes, before: bytes, path: str,
                commit: str | None) -> Decision:
        conf = rule.confidence
        if b":allow" in line and any(p in line for p in PRAGMAS):  # every pragma ends so: one cheap test first
            return Decision(False, "inline allow pragma on the line", conf)
        for allow in rule.allowlists:
            if allow.allows(secret=secret, match=match, line=line, path=path, commit=commit):
                return Decision(False, f"rule allowlist{': ' + allow.description if allow.description else ''}", conf)
        for allow in self.global_allow:
            if (not allow.target_rules or rule.id in allow.target_rules) and allow.allows(
                    secret=secret, match=match, line=line, path=path, commit=commit):
                return Decision(False, f"global allowlist{': ' + allow.description if allow.description else ''}", conf)
        text = secret.decode("utf-8", "replace")
        if _PLACEHOLDER_ANY.search(text):
            return Decision(False, "placeholder or template, not a value", conf)
        if rule.generic:
            name = match[: match.find(secret)] if secret in match else b""
            reason = self._generic(text, line, before, path, name)
            if reason:
                return Decision(False, reason, conf)
        reason = self._format(rule, text, secret)
        if reason:
            return Decision(False, reason, conf)
        if rule.entropy and (h := shannon(text)) < rule.entropy:
            return Decision(False, f"entropy {h:.2f} below the rule's {rule.entropy:g}", conf)
        if is_test_or_doc(path) and conf != "low":
            conf = "medium" if conf == "high" else "low"
        if CONFIDENCE_RANK[conf] < self.min_rank:
            return Decision(False, f"confidence {conf} in a test, docs or example file (below {_rank_name(self.min_rank)})", conf)
        return Decision(True, "kept", conf)

    @staticmethod
    def _generic(text: str, line: bytes, before: bytes, path: str, name: bytes) -> str | None:
        if is_lockfile(path):
            return "lockfile (package hashes, not secrets)"
        if _REFERENCE_NAME.search(name.rstrip(b" \t'\":=>,`[]").split(b"[")[0]):
            return "the name says it holds an identifier or reference (id, url, name, path...), not a secret"
        if "://" in text:
            return "a URL (credentials inside URLs have their own rule)"
        if _PLACEHOLDER_GENERIC.match(text) or _REPEATED.search(text) or _sequential(text):
            return "placeholder word or trivial sequence"
        if _REFERENCE.search(text) or _IDENTIFIER_PATH.match(text):
            return "reference to a variable or the environment, not a literal"
        if _PATTERN_LIKE.search(text):
            return "a regular expression or pattern, not a value"
        if _followed_by_plus(text.encode(), line):
            return "one piece of a concatenated string"
        if is_source_code(path) and before[-1:] not in (b'"', b"'", b"`"):
            return "unquoted value in source code (an expression, not a literal)"
        if _UUID.match(text):
            return "UUID (an identifier, not a secret)"
        if _HEX_DIGEST.match(text) and _DIGEST_CONTEXT.search(line):
            return "digest or checksum of public data"
        return None

    @staticmethod
    def _format(rule: Rule, text: str, secret: bytes) -> str | None:
        """Checks a regex cannot express: what the value decodes to."""
        if "userpass-b64" in rule.tags:
            try:
                decoded = base64.b64decode(secret + b"=" * (-len(secret) % 4), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return "not base64 of user:password"
            user, sep, password = decoded.partition(":")
            if not sep or not password or not decoded.isprintable() or _PLACEHOLDER_ANY.search(decoded):
                return "not base64 of user:password"
        if rule.id == "jwt":
            try:
                payload = text.split(".")[1]
                claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            except (IndexError, ValueError, binascii.Error):
                return "not a decodable JWT"
            if isinstance(claims, dict) and claims.get("role") == "anon":
                return "public anon key (meant to ship in the browser)"
        return None


def _followed_by_plus(value: bytes, line: bytes) -> bool:
    """Is `value` in `line` right before a closing quote, optional spaces and `+` ('abc' + x)?
    (Plain searches: a regex built from each value cost a compile per distinct value.)"""
    at = line.find(value)
    while at >= 0:
        after = at + len(value)
        if line[after:after + 1] in (b"'", b'"', b"`") and line[after + 1:].lstrip(b" \t\n\r\f\v")[:1] == b"+":
            return True
        at = line.find(value, at + 1)
    return False


def _rank_name(rank: int) -> str:
    return next(k for k, v in CONFIDENCE_RANK.items() if v == rank)
