"""Read a JSON or YAML document and name the line of any field a parser complains about."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.errors import UserError


def field_name(loc: tuple[Any, ...]) -> str:
    """`('paths', '/users', 'get')` -> `paths./users.get`; list indexes as `item[3]`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


@dataclass
class Document:
    data: Any
    text: str
    name: str  # a path or a URL, for messages

    def line(self, loc: tuple[Any, ...]) -> int | None:
        """1-based line of the value at `loc`, found by composing the text as YAML (JSON is YAML too)."""
        import yaml

        from wizard.yamlsource import yaml_line

        try:
            node = yaml.compose(self.text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return None
        return yaml_line(node, loc) if node is not None else None

    def error(self, message: str, loc: tuple[Any, ...] = ()) -> UserError:
        line = self.line(loc) if loc else None
        where = f"{self.name}:{line}" if line else self.name
        return UserError(f"field '{field_name(loc)}': {message}" if loc else message, where=where)


def parse_document(text: str, name: str, what: str, *, yaml_ok: bool = True) -> Document:
    """JSON when it looks like JSON (or the name ends in .json), else YAML; syntax errors name the line."""
    text = text.removeprefix("\ufeff")
    if name.lower().endswith(".json") or text.lstrip()[:1] in ("{", "[") or not yaml_ok:
        try:
            return Document(json.loads(text), text, name)
        except json.JSONDecodeError as err:
            raise UserError(f"{what} is not valid JSON: {err.msg} (column {err.colno})", where=f"{name}:{err.lineno}") from None
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise UserError(f"{what} is not valid YAML: {err.problem or err}",
                        where=f"{name}:{mark.line + 1}" if mark else name) from None
    except yaml.YAMLError as err:
        raise UserError(f"{what} is not valid YAML: {err}", where=name) from None
    return Document(data, text, name)


def read_document(path: Path, what: str, *, yaml_ok: bool = True, max_bytes: int = 50_000_000) -> Document:
    from wizard.yamlsource import read_text

    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size > max_bytes:
        raise UserError(f"{what} is {size // 1_000_000} MB; the limit is {max_bytes // 1_000_000} MB", where=str(path))
    return parse_document(read_text(path, what), str(path), what, yaml_ok=yaml_ok)
