"""What the input checks send, as data: one change to a valid body at a time, and how a 2xx is judged.

Nothing here can execute anywhere: no template braces, no shell characters, no serialised objects.
Text values carry a `launch-ready-` marker so a saved value is recognised when read back.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from wizard.model import Status

TEN_KB = 10 * 1024
ONE_MB = 1024 * 1024
# Properties a client should never be able to set on its own record (mass assignment), most telling first.
UNEXPECTED = ("role", "is_admin", "admin", "owner")


def marker(tag: str = "") -> str:
    return f"launch-ready-{tag + '-' if tag else ''}{secrets.token_hex(4)}"


def long_text(size: int) -> str:
    unit = "launch-ready-long-value "
    return (unit * (size // len(unit) + 1))[:size]


@dataclass(frozen=True)
class Mutation:
    id: str
    label: str  # plain words for the evidence line
    target: str  # what it changes: "text" (the text field), "typed" (a number/boolean field), "required", "extra"
    when_saved: Status  # a 2xx that shows up when read back
    when_ignored: Status  # a 2xx that changed nothing
    creates_only: bool = False  # only for routes that create (a partial update has no required fields)


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("wrong-type-text", "a number where text is expected", "text", Status.FAIL, Status.WARN),
    Mutation("wrong-type-typed", "text where a number or yes/no is expected", "typed", Status.FAIL, Status.WARN),
    Mutation("missing-required", "a required field left out", "required", Status.WARN, Status.WARN, creates_only=True),
    Mutation("long-10k", "a 10 KB string", "text", Status.WARN, Status.PASS),
    Mutation("long-1m", "a 1 MB string", "text", Status.FAIL, Status.WARN),
    Mutation("lone-surrogate", "a broken Unicode character (a lone surrogate)", "text", Status.WARN, Status.PASS),
    Mutation("quote", "quote characters ' and \"", "text", Status.PASS, Status.PASS),
) + tuple(Mutation(f"extra-{p}", f"an unexpected '{p}' property", "extra", Status.FAIL, Status.PASS) for p in UNEXPECTED)


def value_for(m: Mutation, original) -> object:
    """The value the mutation puts in place (for "extra": the value of the unexpected property)."""
    if m.id == "wrong-type-text":
        return 12345
    if m.id == "wrong-type-typed":
        return marker("not-a-number")
    if m.id == "long-10k":
        return long_text(TEN_KB)
    if m.id == "long-1m":
        return long_text(ONE_MB)
    if m.id == "lone-surrogate":
        return marker() + "\ud800"
    if m.id == "quote":
        return marker("quote") + "'\"'"
    prop = m.id.removeprefix("extra-")
    if prop in ("admin", "is_admin"):
        return not original if isinstance(original, bool) else True
    return marker(prop)


# A body that tells the world how the app is built: stack traces, framework debug pages, SQL errors.
VERBOSE_ERRORS: tuple[tuple[str, re.Pattern], ...] = tuple((name, re.compile(rx, re.I)) for name, rx in (
    ("Python stack trace", r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+"),
    ("Java stack trace", r"\bat [\w$.]+\([\w$]+\.java:\d+\)|Exception in thread \""),
    (".NET stack trace", r"\bat [\w.]+\(.*\) in .+:line \d+|System\.\w+Exception"),
    ("Node.js stack trace", r"\bat (?:[\w.<>]+ )?\(?/[^\s)]+\.(?:js|ts|mjs):\d+:\d+\)?"),
    ("Ruby stack trace", r"/[\w/.-]+\.rb:\d+:in `"),
    ("PHP error", r"(?:Fatal error|Warning|Parse error): .+ in /[^\s]+\.php on line \d+"),
    ("debug page", r"Werkzeug Debugger|You're seeing this error because you have <code>DEBUG = True|Whitelabel Error Page"),
    ("SQL error", r"SQLSTATE\[|syntax error at or near|You have an error in your SQL syntax|ORA-\d{5}|PG::\w+Error|"
                  r"psycopg2?\.errors|sqlite3\.\w*Error|Unclosed quotation mark|SequelizeDatabaseError|"
                  r"django\.db\.utils\.\w+Error|ActiveRecord::StatementInvalid"),
))


def verbose_error(body: str) -> str | None:
    """The kind of internals a response body gives away, or None."""
    for name, rx in VERBOSE_ERRORS:
        if rx.search(body):
            return name
    return None


def example_value(prop: dict):
    """A valid-looking value for one property of a spec's schema."""
    if "example" in prop and not isinstance(prop["example"], (dict, list)):
        return prop["example"]
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "integer":
        return max(int(prop.get("minimum", 1)), 1) if isinstance(prop.get("minimum", 1), (int, float)) else 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    fmt = prop.get("format")
    if fmt == "email":
        return "launch-ready@example.com"
    if fmt == "date":
        return "2030-01-01"
    if fmt == "date-time":
        return "2030-01-01T00:00:00Z"
    if fmt == "uuid":
        import uuid

        return str(uuid.uuid4())
    return marker()


def example_body(schema: dict | None) -> dict | None:
    """A valid body from a spec: its example, else its required properties (and one text field)."""
    if not schema:
        return None
    if isinstance(schema.get("example"), dict):
        return dict(schema["example"])
    props = {k: v for k, v in schema.get("properties", {}).items() if not v.get("readOnly")}
    names = [n for n in schema.get("required", []) if n in props]
    if not any(props[n].get("type") == "string" and not props[n].get("enum") for n in names):
        names += [n for n, p in props.items() if p.get("type") == "string" and not p.get("enum") and not p.get("format")][:1]
    return {n: example_value(props[n]) for n in names} or None
