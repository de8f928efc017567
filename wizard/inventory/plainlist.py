"""A plain list of routes, one a line: `GET /admin/users admin export`; `#` starts a comment.

Words after the path are tags; `public` means no login is expected. A concrete id in a path
(`GET /api/customers/101`) becomes a parameter, and 101 is kept as a real id to try.
"""

from __future__ import annotations

import re
from pathlib import Path

from wizard.errors import UserError
from wizard.inventory.model import METHODS, Endpoint

_LINE_RE = re.compile(r"^(?P<method>[A-Za-z]+)\s+(?P<path>/\S*)(?P<tags>(?:\s+[\w:-]+)*)\s*$")


def parse_list_text(text: str, name: str) -> list[Endpoint]:
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _LINE_RE.match(line)
        if not m or m.group("method").upper() not in METHODS:
            raise UserError(f"expected 'METHOD /path [tags]', got '{line[:60]}'", where=f"{name}:{n}")
        tags = {t.lower() for t in m.group("tags").split()}
        out.append(Endpoint(m.group("method"), m.group("path"), tags, {"list"}, [f"{Path(name).name}:{n}"]))
    return out


def parse_list(path: Path) -> list[Endpoint]:
    from wizard.yamlsource import read_text

    return parse_list_text(read_text(path, "endpoint list"), str(path))
