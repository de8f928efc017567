"""Signals (monitoring, audit, deploy) found by the rules in signals.toml, and admin actions with their audit calls."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from wizard.repointel.files import RepoFiles
from wizard.repointel.model import AdminAction, Hit, Signal

MAX_HITS_PER_RULE_AND_FILE = 5
_DETAIL_CHARS = 80


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def find_signals(repo: RepoFiles) -> list[Signal]:
    out: list[Signal] = []
    for path in repo.paths:
        if repo.is_test(path):
            continue
        rules = repo.rules.signals_for(path)
        if not rules:
            continue
        text = None
        for rule in rules:
            if rule.regex is None:
                out.append(Signal(rule.id, rule.kind, rule.label, Hit(path, 0)))
                continue
            if text is None:
                text = repo.text(path) or ""
            for n, m in enumerate(rule.regex.finditer(text)):
                if n >= MAX_HITS_PER_RULE_AND_FILE:
                    break
                detail = next((g for k, g in m.groupdict().items() if k.startswith("detail") and g), "")
                out.append(Signal(rule.id, rule.kind, rule.label, Hit(path, _line(text, m.start()), detail[:_DETAIL_CHARS])))
    return out


# -- admin actions ------------------------------------------------------------------------------
_PY_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)
_PY_ROUTE_TABLE = re.compile(
    r"""(?:Route|path|re_path|url)\(\s*['"]([^'"]+)['"]\s*,\s*(?:[\w.]+\.)?(\w+)(?:\.as_view\(\))?([^\n)]*(?:\)[^\n)]*)?)""")
_PY_METHODS = re.compile(r"""methods\s*=\s*\[([^\]]*)\]""")
_PY_DECORATOR_ROUTE = re.compile(r"""\.(get|post|put|patch|delete|route)\(\s*['"]([^'"]+)['"]""")
_JS_ROUTE = re.compile(r"""\b(?:app|router|api|admin\w*)\s*\.\s*(get|post|put|patch|delete|all)\s*\(\s*['"`]([^'"`]+)['"`]([^\n]*)""")
_NEXT_HANDLER = re.compile(r"^export\s+(?:async\s+)?function\s+(GET|POST|PUT|PATCH|DELETE)\b|^export\s+default\s+(?:async\s+)?function\s+(\w*)", re.MULTILINE)
_RB_DEF = re.compile(r"^([ \t]*)def[ \t]+(\w+)", re.MULTILINE)
_STATE_CHANGING_RAILS = {"create", "update", "destroy"}


def _python_actions(repo: RepoFiles, path: str, text: str) -> list[AdminAction]:
    rules = repo.rules
    routes: dict[str, tuple[str, str]] = {}
    for m in _PY_ROUTE_TABLE.finditer(text):
        methods = _PY_METHODS.search(m.group(3) or "")
        routes[m.group(2)] = (m.group(1), methods.group(1) if methods else "")
    defs = list(_PY_DEF.finditer(text))
    out = []
    for m in defs:
        indent, name = m.group(1), m.group(2)
        # decorators: the contiguous block of lines starting with @ right above the def
        above = text[max(0, m.start() - 2000): m.start()].splitlines()
        decorators = []
        for line in reversed(above):
            if line.strip().startswith("@") or (decorators and line.strip().startswith((")", "]", ","))):
                decorators.append(line.strip())
            else:
                break
        deco = "\n".join(decorators)
        # body: until the next line indented at or above the def's own level
        start = text.find("\n", m.end()) + 1 or len(text)
        end = len(text)
        for nxt in re.finditer(rf"^(?!{re.escape(indent)}[ \t]|\s*$|\s*#|\s*\)).", text[start:], re.MULTILINE):
            end = start + nxt.start()
            break
        body = text[start:end]
        route, methods = routes.get(name, ("", ""))
        dm = _PY_DECORATOR_ROUTE.search(deco)
        if dm:
            route = route or dm.group(2)
            methods = methods or dm.group(1)
        admin = bool(rules.admin_markers.search(name) or rules.admin_markers.search(deco) or "/admin" in route)
        changes = bool(rules.action_words.search(name) or rules.action_words.search(route)
                       or re.search(r"post|put|patch|delete", methods, re.I))
        if admin and changes and not name.startswith("_"):
            out.append(AdminAction(name, Hit(path, _line(text, m.start()), name), route,
                                   bool(rules.audit_calls.search(body))))
    return out


def _js_actions(repo: RepoFiles, path: str, text: str) -> list[AdminAction]:
    rules = repo.rules
    out = []
    starts = list(_JS_ROUTE.finditer(text))
    for i, m in enumerate(starts):
        method, route, rest = m.group(1).lower(), m.group(2), m.group(3)
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        body = text[m.start():end]
        admin = "/admin" in route or bool(rules.admin_markers.search(rest))
        changes = method in ("post", "put", "patch", "delete") or bool(rules.action_words.search(route))
        if admin and changes:
            out.append(AdminAction(f"{method.upper()} {route}", Hit(path, _line(text, m.start()), route), route,
                                   bool(rules.audit_calls.search(body))))
    # Next.js route handlers under an admin API folder: one action per exported state-changing handler
    parts = PurePosixPath(path).parts
    if "api" in parts and "admin" in parts:
        handlers = list(_NEXT_HANDLER.finditer(text))
        for i, m in enumerate(handlers):
            method = (m.group(1) or "").upper()
            end = handlers[i + 1].start() if i + 1 < len(handlers) else len(text)
            if method in ("POST", "PUT", "PATCH", "DELETE") or (m.group(2) is not None and rules.action_words.search(path)):
                route = "/" + "/".join(parts[parts.index("api"):]).rsplit(".", 1)[0]
                route = re.sub(r"/(?:route|index)$", "", route)  # app router: folder = route
                out.append(AdminAction(f"{method or 'handler'} {route}", Hit(path, _line(text, m.start()), route), route,
                                       bool(rules.audit_calls.search(text[m.start():end]))))
    return out


def _ruby_actions(repo: RepoFiles, path: str, text: str) -> list[AdminAction]:
    rules = repo.rules
    if not path.endswith("_controller.rb"):
        return []
    admin = "/admin/" in f"/{path}" or bool(rules.admin_markers.search(text.split("def ", 1)[0]))
    if not admin:
        return []
    defs = list(_RB_DEF.finditer(text))
    out = []
    for i, m in enumerate(defs):
        name = m.group(2)
        if name.startswith("_") or text[: m.start()].rfind("private") > text[: m.start()].rfind("class "):
            continue
        if name in _STATE_CHANGING_RAILS or rules.action_words.search(name):
            end = defs[i + 1].start() if i + 1 < len(defs) else len(text)
            out.append(AdminAction(name, Hit(path, _line(text, m.start()), name), "",
                                   bool(rules.audit_calls.search(text[m.start():end]))))
    return out


_URL = re.compile(r"https?://[^\s\"'<>)\]},]+")


def uptime_targets(repo: RepoFiles, signals: list[Signal]) -> list[str]:
    """The addresses uptime monitors defined as code check (user:password@ stripped)."""
    from urllib.parse import urlsplit

    targets: list[str] = []
    for path in dict.fromkeys(s.hit.path for s in signals if s.kind == "uptime-monitor"):
        for url in _URL.findall(repo.text(path) or ""):
            parts = urlsplit(url)
            port = f":{parts.port}" if parts.port else ""
            clean = f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"
            if clean not in targets:
                targets.append(clean)
    return targets[:20]


def find_admin_actions(repo: RepoFiles) -> list[AdminAction]:
    """Request handlers an admin marker guards that change or export data, and whether each writes an audit record."""
    out: list[AdminAction] = []
    for path in repo.paths:
        if repo.is_test(path):
            continue
        suffix = PurePosixPath(path).suffix
        if suffix not in (".py", ".js", ".ts", ".mjs", ".cjs", ".rb"):
            continue
        text = repo.text(path)
        if not text:
            continue
        if suffix == ".py":
            out += _python_actions(repo, path, text)
        elif suffix == ".rb":
            out += _ruby_actions(repo, path, text)
        else:
            out += _js_actions(repo, path, text)
    return out
