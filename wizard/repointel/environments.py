"""Environment separation: per-environment configuration, committed .env files, secrets shared across them.

Secret values have to be read here to compare them, but none leaves this module: each one is registered
with the redactor at once and only its fingerprint and redacted form are kept.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath

import yaml

from wizard.redact import redact, register_secret, secret_fingerprint
from wizard.repointel.files import RepoFiles
from wizard.repointel.model import EnvFile, Hit, SharedSecret
from wizard.repointel.rules import any_glob

RULE = "shared-env-secret"
_TOKENS = re.compile(r"[/._-]")
_URL_CREDENTIALS = re.compile(r"://[^/\s:@]+:[^@\s/]+@")
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?[A-Za-z_]\w*\}?|\{\{.*\}\}|<%=.*%>|<[^>]*>|%\(?\w+\)?s?|(.)\1{5,}|x{4,}.*|true|false|yes|no|none|null|\d+)$"
    r"|example|changeme|change-me|placeholder|dummy|redacted|your[-_]|todo|fixme|secret_here",
    re.I,
)
_QUOTED_ASSIGNMENT = re.compile(r"""^\s*([A-Za-z_][\w.]*)\s*[=:]\s*(['"])([^'"\n]+)\2""", re.MULTILINE)


@dataclass(frozen=True)
class ConfigValue:
    environment: str
    path: str
    line: int
    key: str
    value: str


def environment_of(path: str, names: dict[str, str]) -> str | None:
    """The environment a path names ('config/production.env' -> production); None when it names none."""
    parts = [t for t in _TOKENS.split(path.lower()) if t]
    for token in reversed(parts):
        if token in names:
            return names[token]
    return None


def _is_secret(key: str, value: str, secret_keys: re.Pattern[str], min_len: int) -> bool:
    value = value.strip()
    if len(value) < min_len or _PLACEHOLDER.search(value):
        return False
    return bool(secret_keys.search(key)) or bool(_URL_CREDENTIALS.search(value))


def _env_values(text: str) -> list[tuple[str, int, str]]:
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        m = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", raw)
        if not m:
            continue
        value = m.group(2).strip()
        if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
        out.append((m.group(1), n, value))
    return out


def _line_of(text: str, needle: str) -> int:
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 0


def _leaves(node, prefix: str = ""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, f"{prefix}[{i}]")
    elif isinstance(node, (str, int, float)) and not isinstance(node, bool):
        yield prefix, str(node)


def _structured_values(path: str, text: str, env: str | None, names: dict[str, str]) -> list[ConfigValue]:
    """Values of a YAML/JSON/TOML config; a file with top-level environment sections is split by them."""
    suffix = PurePosixPath(path).suffix.lower()
    try:
        if suffix in (".yml", ".yaml"):
            doc = yaml.safe_load(text)
        elif suffix == ".json":
            doc = json.loads(text)
        elif suffix == ".toml":
            doc = tomllib.loads(text)
        else:
            return []
    except (yaml.YAMLError, json.JSONDecodeError, tomllib.TOMLDecodeError, ValueError):
        return []
    sections: list[tuple[str | None, object]] = [(env, doc)]
    if isinstance(doc, dict):
        by_env = [(names[str(k).lower()], v) for k, v in doc.items() if str(k).lower() in names]
        if len(by_env) >= 2:
            sections = by_env
    out = []
    for section_env, node in sections:
        if section_env is None:
            continue
        for key, value in _leaves(node):
            out.append(ConfigValue(section_env, path, _line_of(text, value), key, value))
    return out


def analyse_environments(repo: RepoFiles) -> tuple[list[EnvFile], dict[str, list[str]], int, list[SharedSecret]]:
    """Committed env files, config paths per environment, how many secrets were compared, shared secrets."""
    rules = repo.rules
    names = rules.environment_names
    examples = set(repo.matching(rules.env_example_files))
    env_paths = [p for p in repo.matching(rules.env_files) if p not in examples]
    config_paths = [p for p in repo.matching(rules.env_config_files) if p not in examples and p not in env_paths]

    env_files: list[EnvFile] = []
    configs: dict[str, list[str]] = defaultdict(list)
    values: list[ConfigValue] = []

    for path in env_paths:
        text = repo.text(path)
        if text is None:
            continue
        env = environment_of(path, names)
        record = EnvFile(path, env)
        for key, line, value in _env_values(text):
            record.keys.append(key)
            if _is_secret(key, value, rules.secret_keys, rules.min_secret_length):
                register_secret(value, RULE)
                record.secret_keys.append(key)
                record.redacted[key] = redact(value, RULE)
                if env:
                    values.append(ConfigValue(env, path, line, key, value))
        env_files.append(record)
        if env:
            configs[env].append(path)

    for path in config_paths:
        text = repo.text(path)
        if text is None:
            continue
        env = environment_of(path, names)
        found = _structured_values(path, text, env, names)
        if not found and env and PurePosixPath(path).suffix in (".py", ".rb", ".tfvars"):
            found = [ConfigValue(env, path, _line_of(text, m.group(0)), m.group(1), m.group(3))
                     for m in _QUOTED_ASSIGNMENT.finditer(text)]
        for env_name in sorted({v.environment for v in found} | ({env} if env else set())):
            configs[env_name].append(path)
        for v in found:
            if _is_secret(v.key.rsplit(".", 1)[-1], v.value, rules.secret_keys, rules.min_secret_length):
                register_secret(v.value, RULE)
                values.append(v)

    by_value: dict[str, list[ConfigValue]] = defaultdict(list)
    for v in values:
        by_value[secret_fingerprint(v.value)].append(v)
    shared = []
    for fp, group in by_value.items():
        envs = sorted({v.environment for v in group})
        if len(envs) >= 2:
            places = [Hit(v.path, v.line, v.key) for v in group]
            shared.append(SharedSecret(fp, redact(group[0].value, RULE), envs, places))
    compared = len(by_value) if len(configs) >= 2 else 0
    shared.sort(key=lambda s: (s.places[0].path, s.places[0].line))
    return env_files, {k: sorted(set(v)) for k, v in sorted(configs.items())}, compared, shared


def committed_env_paths(repo: RepoFiles) -> list[str]:
    examples = set(repo.matching(repo.rules.env_example_files))
    return [p for p in repo.matching(repo.rules.env_files) if p not in examples and not any_glob(p, ["**/.envrc"])]
