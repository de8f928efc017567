"""Environment variable NAMES the app reads or declares. Values are never kept (nor, in code, even read).

Sources: reads in code (os.environ, getenv, django-environ, pydantic settings, process.env, ENV[...]),
required `${NAME:?}` in scripts, example files (.env.example), compose files and Kubernetes manifests.
A name is *documented* when a newcomer could learn it without reading the code: an example file, a compose
file, a manifest, a committed per-environment file, or the docs.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import yaml

from wizard.repointel.files import RepoFiles
from wizard.repointel.model import EnvVar

MAX_SOURCES = 3
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", re.MULTILINE)
_SETTINGS_CLASS = re.compile(r"^class\s+\w+\s*\([^)]*\bBaseSettings\b[^)]*\)\s*:\s*$", re.MULTILINE)
_FIELD = re.compile(r"^    ([a-z_][a-z0-9_]*)\s*:\s*[^=\n]+", re.MULTILINE)
_ENV_PREFIX = re.compile(r"""env_prefix\s*[=:]\s*['"](\w*)['"]""")


def env_file_keys(text: str) -> list[tuple[str, int]]:
    """(KEY, line) for every KEY=... line of a .env-style file; the values are not looked at."""
    out = []
    for m in _ENV_LINE.finditer(text):
        out.append((m.group(1), text.count("\n", 0, m.start()) + 1))
    return out


class _Inventory:
    def __init__(self, ignore: frozenset[str]):
        self.vars: dict[str, EnvVar] = {}
        self.documented: set[str] = set()
        self.ignore = ignore

    def add(self, name: str, where: str, *, documents: bool = False) -> None:
        if not _NAME.match(name) or name in self.ignore:
            return
        var = self.vars.setdefault(name, EnvVar(name))
        if len(var.sources) < MAX_SOURCES and where not in var.sources:
            var.sources.append(where)
        if documents:
            self.documented.add(name)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _pydantic_settings(text: str) -> list[tuple[str, int]]:
    out = []
    for cls in _SETTINGS_CLASS.finditer(text):
        body_end = len(text)
        nxt = re.compile(r"^\S", re.MULTILINE).search(text, cls.end() + 1)
        if nxt:
            body_end = nxt.start()
        body = text[cls.end():body_end]
        prefix = (_ENV_PREFIX.search(body) or [None, ""])[1]
        for f in _FIELD.finditer(body):
            if f.group(1) not in ("model_config",):
                out.append(((prefix + f.group(1)).upper(), _line(text, cls.end() + f.start())))
    return out


def _walk_k8s_env(node, found: list[str]) -> None:
    if isinstance(node, dict):
        env = node.get("env")
        if isinstance(env, list) and ("image" in node or "name" in node):
            found.extend(str(e["name"]) for e in env if isinstance(e, dict) and "name" in e)
        for value in node.values():
            _walk_k8s_env(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk_k8s_env(value, found)


def _compose_env(doc) -> list[str]:
    names: list[str] = []
    services = doc.get("services") if isinstance(doc, dict) else None
    for svc in (services or {}).values() if isinstance(services, dict) else []:
        env = svc.get("environment") if isinstance(svc, dict) else None
        if isinstance(env, dict):
            names.extend(str(k) for k in env)
        elif isinstance(env, list):
            names.extend(str(e).split("=", 1)[0].strip() for e in env)
    return names


def env_inventory(repo: RepoFiles, committed_env_files: list[str]) -> list[EnvVar]:
    rules = repo.rules
    inv = _Inventory(rules.env_ignore)

    for source in rules.env_sources:
        for path in repo.matching(source.paths):
            text = repo.text(path)
            if not text:
                continue
            for m in source.regex.finditer(text):
                groups = m.groupdict()
                found = [g for k, g in groups.items() if k in ("name", "name2") and g]
                if groups.get("names"):
                    # `{ A, B: alias, C = "default", ...rest }`: the names before any alias or default
                    found += [part.split(":")[0].split("=")[0].strip() for part in groups["names"].split(",")]
                where = f"{path}:{_line(text, m.start())} ({source.label})"
                for name in found:
                    if name and not name.startswith("..."):
                        inv.add(name, where, documents=source.id == "compose-interpolation")

    for path in repo.matching(["**/*.py"]):
        text = repo.text(path)
        if text and "BaseSettings" in text:
            for name, line in _pydantic_settings(text):
                inv.add(name, f"{path}:{line} (pydantic settings field)")

    for path in repo.matching(rules.env_example_files) + committed_env_files:
        for name, line in env_file_keys(repo.text(path) or ""):
            inv.add(name, f"{path}:{line} (declared)", documents=True)

    for path in repo.matching(["**/*.yml", "**/*.yaml"]):
        name = PurePosixPath(path).name
        text = repo.text(path)
        if not text or path.startswith(".github/"):
            continue
        compose = "compose" in name
        if not compose and "containers:" not in text:
            continue
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            continue  # a Helm template or other non-YAML: its names are not read from here
        for doc in docs:
            names: list[str] = []
            if compose:
                names = _compose_env(doc)
            else:
                _walk_k8s_env(doc, names)
            for n in names:
                inv.add(n, f"{path} ({'compose environment' if compose else 'Kubernetes env'})", documents=True)

    docs_text = "\n".join(repo.text(p) or "" for p in repo.matching(["**/*.md", "**/*.rst", "**/*.txt"])[:200])
    for var in inv.vars.values():
        var.documented = var.name in inv.documented or re.search(rf"\b{re.escape(var.name)}\b", docs_text) is not None
    return sorted(inv.vars.values(), key=lambda v: v.name)
