"""Rails `config/routes.rb`, read line by line with a stack of `do ... end` blocks (never evaluated).

Understands `get/post/put/patch/delete/match`, `root`, `resources`/`resource` (with `only:`/`except:`,
nesting, `member`/`collection` blocks), `namespace` and `scope` paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.inventory.model import Endpoint

_ACTIONS = {  # action -> (method(s), suffix); plural resources
    "index": (("GET",), ""), "create": (("POST",), ""), "new": (("GET",), "/new"),
    "show": (("GET",), "/{id}"), "edit": (("GET",), "/{id}/edit"),
    "update": (("PATCH", "PUT"), "/{id}"), "destroy": (("DELETE",), "/{id}"),
}
_SINGULAR = {
    "show": (("GET",), ""), "create": (("POST",), ""), "new": (("GET",), "/new"), "edit": (("GET",), "/edit"),
    "update": (("PATCH", "PUT"), ""), "destroy": (("DELETE",), ""),
}
_SYM_LIST = re.compile(r":(\w+)")
_VERB = re.compile(r"^(get|post|put|patch|delete|match)\s*\(?\s*(?:['\"]([^'\"]*)['\"]|:(\w+))")
_RESOURCES = re.compile(r"^(resources|resource)\s*\(?\s*:(\w+)")
_NAMESPACE = re.compile(r"^namespace\s*\(?\s*:(\w+)")
_SCOPE = re.compile(r"^scope\s*\(?\s*(?:path:\s*)?['\"]([^'\"]*)['\"]")
_OPENS_BLOCK = re.compile(r"\bdo\s*(\|[^|]*\|)?\s*$")


@dataclass
class _Frame:
    prefix: str  # where verbs inside this block are mounted
    member: str | None = None  # resources block: the member path (`/users/{id}`)
    collection: str | None = None


def _actions(line: str, table: dict) -> list[str]:
    names = list(table)
    only = re.search(r"only:\s*(\[[^\]]*\]|:\w+)", line)
    if only:
        names = [a for a in _SYM_LIST.findall(only.group(1)) if a in table] or names
    except_ = re.search(r"except:\s*(\[[^\]]*\]|:\w+)", line)
    if except_:
        names = [a for a in names if a not in _SYM_LIST.findall(except_.group(1))]
    return names


def _strip_comment(line: str) -> str:
    """Drop a `# comment`, but not a `#` inside a string ("controller#action")."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def extract(text: str, rel: str) -> list[Endpoint]:
    out: list[Endpoint] = []
    stack = [_Frame("")]

    def add(method: str, path: str, line_no: int) -> None:
        out.append(Endpoint(method, path or "/", set(), {"source"}, [f"{rel}:{line_no}"]))

    for n, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        top = stack[-1]
        opens = bool(_OPENS_BLOCK.search(line))
        if line == "end" or line.startswith("end "):
            if len(stack) > 1:
                stack.pop()
            continue
        if line.startswith("root"):
            add("GET", top.prefix or "/", n)
        elif m := _RESOURCES.match(line):
            singular = m.group(1) == "resource"
            base = f"{top.prefix}/{m.group(2)}"
            table = _SINGULAR if singular else _ACTIONS
            for action in _actions(line, table):
                methods, suffix = table[action]
                for method in methods:
                    add(method, base + suffix, n)
            if opens:
                nested = base if singular else f"{base}/{{{m.group(2).rstrip('s')}_id}}"
                stack.append(_Frame(nested, member=base if singular else f"{base}/{{id}}", collection=base))
                continue
        elif m := _NAMESPACE.match(line):
            if opens:
                stack.append(_Frame(f"{top.prefix}/{m.group(1)}"))
                continue
        elif m := _SCOPE.match(line):
            if opens:
                stack.append(_Frame(top.prefix + "/" + m.group(1).strip("/")))
                continue
        elif line.startswith(("member", "collection")) and opens:
            parent = next((f for f in reversed(stack) if f.member), None)
            base = (parent.member if line.startswith("member") else parent.collection) if parent else top.prefix
            stack.append(_Frame(base or ""))
            continue
        elif m := _VERB.match(line):
            path = m.group(2) if m.group(2) is not None else m.group(3)
            via = re.search(r"via:\s*(\[[^\]]*\]|:\w+)", line)
            methods = [v.upper() for v in _SYM_LIST.findall(via.group(1))] if m.group(1) == "match" and via else [
                "GET" if m.group(1) == "match" else m.group(1).upper()]
            for method in methods:
                if method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                    add(method, f"{top.prefix}/{path.lstrip('/')}", n)
        if opens:
            stack.append(_Frame(top.prefix, top.member, top.collection))  # any other block keeps the prefix
    return out
