"""The stack: languages, frameworks, hosting and CI, from manifests and marker files (nothing is run)."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from pathlib import PurePosixPath

from wizard.repointel.files import RepoFiles
from wizard.repointel.model import Detected, Stack
from wizard.repointel.rules import any_glob

_REQ_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_PEP508_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_GEM = re.compile(r"""^\s*gem\s+['"]([\w.-]+)['"]""", re.MULTILINE)


def _norm(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def dependencies(repo: RepoFiles) -> dict[str, str]:
    """Every dependency named in a manifest -> the manifest that names it (first one wins)."""
    found: dict[str, str] = {}

    def add(name: str, where: str) -> None:
        found.setdefault(_norm(name), where)

    for path in repo.paths:
        name = PurePosixPath(path).name
        if repo.is_test(path):
            continue
        if re.fullmatch(r"requirements.*\.(txt|in)", name) or (path.startswith("requirements/") and name.endswith(".txt")):
            for line in (repo.text(path) or "").splitlines():
                m = _REQ_LINE.match(line)
                if m and not line.lstrip().startswith(("-", "#")):
                    add(m.group(1), path)
        elif name in ("pyproject.toml", "Pipfile"):
            try:
                doc = tomllib.loads(repo.text(path) or "")
            except tomllib.TOMLDecodeError:
                continue
            for dep in doc.get("project", {}).get("dependencies", []) or []:
                m = _PEP508_NAME.match(str(dep))
                if m:
                    add(m.group(1), path)
            poetry = doc.get("tool", {}).get("poetry", {})
            for table in (poetry.get("dependencies", {}), doc.get("packages", {}), doc.get("dev-packages", {})):
                for dep in table if isinstance(table, dict) else []:
                    if dep != "python":
                        add(dep, path)
        elif name == "package.json":
            try:
                doc = json.loads(repo.text(path) or "{}")
            except json.JSONDecodeError:
                continue
            if isinstance(doc, dict):
                for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
                    table = doc.get(key)
                    if isinstance(table, dict):
                        for dep in table:
                            add(dep, path)
        elif name == "Gemfile":
            for m in _GEM.finditer(repo.text(path) or ""):
                add(m.group(1), path)
    return found


def _content_match(repo: RepoFiles, paths: list[str], regex: re.Pattern[str]) -> str | None:
    for path in paths:
        text = repo.text(path)
        if text and regex.search(text):
            return path
    return None


def detect_stack(repo: RepoFiles, deps: dict[str, str] | None = None) -> Stack:
    rules = repo.rules
    deps = dependencies(repo) if deps is None else deps
    stack = Stack(dependencies=sorted(deps))

    counts: Counter[str] = Counter()
    by_ext = {ext: lang for lang in rules.languages for ext in lang.extensions}
    for path in repo.paths:
        lang = by_ext.get(PurePosixPath(path).suffix.lower())
        if lang and not repo.is_test(path):
            counts[lang.name] += 1
    stack.languages = [name for name, _ in counts.most_common()]

    for fw in rules.frameworks:
        evidence = [f"{deps[_norm(d)]}: {d}" for d in fw.dependencies if _norm(d) in deps]
        evidence += repo.matching(fw.files)[:2]
        if not evidence and fw.content:
            where = _content_match(repo, repo.matching(fw.content.paths), fw.content.regex)
            if where:
                evidence.append(where)
        if evidence:
            stack.frameworks.append(Detected(fw.id, fw.name, fw.language, evidence))
    if stack.frameworks:
        first = next(fw for fw in rules.frameworks if fw.id == stack.frameworks[0].id)
        stack.snippet_stack = first.snippet_stack

    def platforms(rule_list) -> list[Detected]:
        out = []
        for rule in rule_list:
            candidates = [p for p in repo.paths if any_glob(p, rule.files)]
            if rule.content is not None:
                hit = _content_match(repo, candidates, rule.content)
                candidates = [hit] if hit else []
            if candidates:
                out.append(Detected(rule.id, rule.name, rule.kind, candidates[:3]))
        return out

    stack.hosting = platforms(rules.hosting)
    stack.ci = platforms(rules.ci)
    return stack
