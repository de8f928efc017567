"""The detector rules (signals.toml) as typed, compiled objects. A bad rule names the file and the rule."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from wizard.errors import UserError

DEFAULT_RULES = Path(__file__).with_name("signals.toml")


@lru_cache(maxsize=512)
def _globs(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a set of globs (matching path by path, glob by glob, dominated the analysis)."""
    parts = []
    for p in patterns:
        parts.append(fnmatch.translate(p))
        if p.startswith("**/"):
            parts.append(fnmatch.translate(p[3:]))
    return re.compile("|".join(f"(?:{x})" for x in parts) or r"(?!)")


def glob_match(path: str, pattern: str) -> bool:
    """fnmatch on a posix relative path (`*` crosses folders); a leading `**/` also matches at the top level."""
    return _globs((pattern,)).match(path) is not None


def any_glob(path: str, patterns: list[str] | tuple[str, ...]) -> bool:
    return _globs(tuple(patterns)).match(path) is not None


@dataclass(frozen=True)
class Language:
    id: str
    name: str
    extensions: tuple[str, ...]


@dataclass(frozen=True)
class ContentRule:
    paths: tuple[str, ...]
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    language: str
    snippet_stack: str | None
    dependencies: tuple[str, ...]
    files: tuple[str, ...]
    content: ContentRule | None


@dataclass(frozen=True)
class PlatformRule:
    """A hosting or CI marker: files, optionally with content that must appear in one of them."""

    id: str
    name: str
    kind: str
    files: tuple[str, ...]
    content: re.Pattern[str] | None


@dataclass(frozen=True)
class SignalRule:
    id: str
    kind: str
    label: str
    paths: tuple[str, ...]
    regex: re.Pattern[str] | None  # None: the file's presence is the signal


@dataclass(frozen=True)
class EnvSource:
    id: str
    label: str
    paths: tuple[str, ...]
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Rules:
    skip_dirs: frozenset[str]
    test_paths: tuple[str, ...]
    max_file_bytes: int
    max_files: int
    languages: tuple[Language, ...]
    frameworks: tuple[Framework, ...]
    hosting: tuple[PlatformRule, ...]
    ci: tuple[PlatformRule, ...]
    env_ignore: frozenset[str]
    env_example_files: tuple[str, ...]
    env_sources: tuple[EnvSource, ...]
    environment_names: dict[str, str]
    env_files: tuple[str, ...]
    env_config_files: tuple[str, ...]
    secret_keys: re.Pattern[str]
    min_secret_length: int
    signals: tuple[SignalRule, ...]
    error_tracking_dependencies: frozenset[str]
    admin_markers: re.Pattern[str]
    action_words: re.Pattern[str]
    audit_calls: re.Pattern[str]
    kinds: frozenset[str] = field(default_factory=frozenset)

    def signals_for(self, path: str) -> list[SignalRule]:
        return [s for s in self.signals if any_glob(path, s.paths)]


SIGNAL_KINDS = frozenset({
    "error-tracking", "uptime-monitor", "alert-rule", "alert-route", "failed-login-logging", "login-handler",
    "audit-trail", "deploy", "rollback", "migrations",
})


@lru_cache(maxsize=4)
def load_rules(path: Path = DEFAULT_RULES) -> Rules:
    where = str(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise UserError(f"cannot read repository signal rules: {err}", where=where) from None

    def rx(text: str, what: str) -> re.Pattern[str]:
        try:
            return re.compile(text, re.MULTILINE)
        except re.error as err:
            raise UserError(f"{what}: bad regex ({err})", where=where) from None

    def section(name: str) -> list[dict]:
        value = doc.get(name, [])
        if not isinstance(value, list):
            raise UserError(f"'{name}' must be an array of tables ([[{name}]])", where=where)
        return value

    try:
        files = doc["files"]
        languages = tuple(Language(r["id"], r["name"], tuple(r["extensions"])) for r in section("language"))
        frameworks = []
        for r in section("framework"):
            content = r.get("content")
            frameworks.append(Framework(
                r["id"], r["name"], r["language"], r.get("snippet_stack"), tuple(r.get("dependencies", [])),
                tuple(r.get("files", [])),
                ContentRule(tuple(content["paths"]), rx(content["regex"], f"framework {r['id']}")) if content else None,
            ))

        def platforms(name: str) -> tuple[PlatformRule, ...]:
            return tuple(
                PlatformRule(r["id"], r["name"], r.get("kind", name), tuple(r["files"]),
                             rx(r["content"], f"{name} {r['id']}") if r.get("content") else None)
                for r in section(name)
            )

        signals = []
        for r in section("signal"):
            if r["kind"] not in SIGNAL_KINDS:
                raise UserError(f"signal {r['id']}: unknown kind '{r['kind']}' (one of {', '.join(sorted(SIGNAL_KINDS))})",
                                where=where)
            signals.append(SignalRule(r["id"], r["kind"], r["label"], tuple(r["paths"]),
                                      rx(r["regex"], f"signal {r['id']}") if r.get("regex") else None))
        env = doc["env"]
        sources = tuple(EnvSource(r["id"], r["label"], tuple(r["paths"]), rx(r["regex"], f"env source {r['id']}"))
                        for r in env.get("source", []))
        envs = doc["environments"]
        admin = doc["admin_actions"]
        return Rules(
            skip_dirs=frozenset(files["skip_dirs"]),
            test_paths=tuple(files["test_paths"]),
            max_file_bytes=int(files["max_file_bytes"]),
            max_files=int(files["max_files"]),
            languages=languages,
            frameworks=tuple(frameworks),
            hosting=platforms("hosting"),
            ci=platforms("ci"),
            env_ignore=frozenset(env.get("ignore", [])),
            env_example_files=tuple(env["example_files"]),
            env_sources=sources,
            environment_names=dict(envs["names"]),
            env_files=tuple(envs["env_files"]),
            env_config_files=tuple(envs["config_files"]),
            secret_keys=rx(envs["secret_keys"], "environments.secret_keys"),
            min_secret_length=int(envs["min_secret_length"]),
            signals=tuple(signals),
            error_tracking_dependencies=frozenset(doc["error_tracking"]["dependencies"]),
            admin_markers=rx(admin["admin_markers"], "admin_actions.admin_markers"),
            action_words=rx(admin["action_words"], "admin_actions.action_words"),
            audit_calls=rx(admin["audit_calls"], "admin_actions.audit_calls"),
            kinds=SIGNAL_KINDS,
        )
    except KeyError as err:
        raise UserError(f"missing field {err}", where=where) from None
