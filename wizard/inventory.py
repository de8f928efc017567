"""The endpoint inventory: which routes the app has, from every source the person gives.

The skeleton reads a plain list and an OpenAPI/Swagger spec; later sources merge into the same shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from wizard.errors import UserError

_METHODS = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"}
_LINE_RE = re.compile(r"^(?P<method>[A-Za-z]+)\s+(?P<path>/\S*)(?P<tags>(?:\s+[\w:-]+)*)\s*$")
# Path words that make a route sensitive by default (the matrix issue refines this).
_SENSITIVE_WORDS = ("admin", "export", "users", "roles", "billing", "debug", "internal", "settings", "audit")


@dataclass
class Endpoint:
    method: str
    path: str
    tags: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def public(self) -> bool:
        return "public" in self.tags

    @property
    def sensitive(self) -> bool:
        return "admin" in self.tags or any(w in self.path.lower() for w in _SENSITIVE_WORDS)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def parse_list(path: Path) -> list[Endpoint]:
    """`GET /admin/users admin` one a line; `#` comments; tag `public` = no login expected."""
    from wizard.yamlsource import read_text

    out = []
    for n, raw in enumerate(read_text(path, "endpoint list").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _LINE_RE.match(line)
        if not m or m.group("method").upper() not in _METHODS:
            raise UserError(f"expected 'METHOD /path [tags]', got '{line[:60]}'", where=f"{path}:{n}")
        tags = {t.lower() for t in m.group("tags").split()}
        out.append(Endpoint(m.group("method").upper(), m.group("path"), tags, {"list"}))
    return out


def parse_openapi(path: Path) -> list[Endpoint]:
    from wizard.yamlsource import load_yaml, read_text

    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(read_text(path, "OpenAPI spec"))
        except json.JSONDecodeError as err:
            raise UserError(f"invalid JSON: {err.msg}", where=f"{path}:{err.lineno}") from None
    else:
        doc, _ = load_yaml(path, "OpenAPI spec")
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
        raise UserError("not an OpenAPI/Swagger document (no 'paths' mapping)", where=str(path))
    global_security = doc.get("security")
    out = []
    for p, ops in doc["paths"].items():
        if not isinstance(ops, dict):
            continue
        for method, op in ops.items():
            if method.upper() not in _METHODS or not isinstance(op, dict):
                continue
            tags = {str(t).lower() for t in op.get("tags", []) if isinstance(t, str)}
            security = op.get("security", global_security)
            if security == []:
                tags.add("public")
            out.append(Endpoint(method.upper(), str(p), tags, {"openapi"}))
    return out


def merge(*lists: list[Endpoint]) -> list[Endpoint]:
    merged: dict[tuple[str, str], Endpoint] = {}
    for endpoints in lists:
        for ep in endpoints:
            if ep.key in merged:
                merged[ep.key].tags |= ep.tags
                merged[ep.key].sources |= ep.sources
            else:
                merged[ep.key] = Endpoint(ep.method, ep.path, set(ep.tags), set(ep.sources))
    return sorted(merged.values(), key=lambda e: (e.path, e.method))


def load_inventory(config) -> list[Endpoint]:
    lists = []
    if config.endpoints.list:
        lists.append(parse_list(config.resolve(config.endpoints.list)))
    if config.endpoints.openapi:
        lists.append(parse_openapi(config.resolve(config.endpoints.openapi)))
    return merge(*lists)
