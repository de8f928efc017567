"""The audit-log line check: does one pasted log line carry the six fields an audit record needs?

Accepts a JSON object (optionally after a log prefix such as `2024-05-02T14:03:11Z INFO audit`) or
key=value pairs (logfmt). Says which fields are present, under which key, and names each one missing.
A timestamp counts only when it is in UTC (ends in Z or +00:00, or is a Unix epoch number).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from wizard.model import Status

FIELDS_FILE = Path(__file__).with_name("audit_fields.toml")
MAX_LINE_CHARS = 20_000

_KV = re.compile(r"""(?P<key>[A-Za-z_@][\w.@-]{0,63})=(?P<value>"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,]*)""")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?", re.I)
_UTC_ZONE = re.compile(r"^(?:Z|UTC|GMT|[+-]00:?00)$", re.I)
_EMPTY = {"", "-", "null", "none", "nil", "undefined"}


@dataclass(frozen=True)
class FieldSpec:
    id: str
    label: str
    names: frozenset[str]
    utc: bool = False
    suffixes: tuple[str, ...] = ()
    not_targets: frozenset[str] = frozenset()


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9@]", "", name.lower())


@lru_cache(maxsize=2)
def load_fields(path: Path = FIELDS_FILE) -> tuple[FieldSpec, ...]:
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        FieldSpec(f["id"], f["label"], frozenset(_squash(n) for n in f["names"]), bool(f.get("utc", False)),
                  tuple(f.get("suffixes", [])), frozenset(_squash(n) for n in f.get("not_targets", [])))
        for f in doc["field"]
    )


@dataclass
class FieldCheck:
    id: str
    label: str
    key: str | None = None  # the key it was found under
    problem: str = ""  # why a present key does not count (empty, not UTC)

    @property
    def ok(self) -> bool:
        return self.key is not None and not self.problem


@dataclass
class AuditLineResult:
    line: str
    format: str | None  # "json", "key=value", or None when the line could not be read
    fields: list[FieldCheck] = field(default_factory=list)

    @property
    def missing(self) -> list[FieldCheck]:
        return [f for f in self.fields if not f.ok]

    def field(self, field_id: str) -> FieldCheck:
        return next(f for f in self.fields if f.id == field_id)

    @property
    def status(self) -> Status:
        if self.format is None:
            return Status.FAIL
        if not self.missing:
            return Status.PASS
        if self.field("actor").ok and self.field("timestamp").ok:
            return Status.WARN  # who and when, as the audit-fields question's middle answer
        return Status.FAIL

    def title(self) -> str:
        if self.format is None:
            return "The pasted audit log line could not be read as JSON or key=value pairs"
        if not self.missing:
            return "The pasted audit log line has all six fields"
        names = ", ".join(f.label.split(" (")[0] for f in self.missing)
        if self.status is Status.WARN:
            return f"The pasted audit log line says who and when, but lacks: {names}"
        return f"The pasted audit log line lacks: {names}"

    def lines(self) -> list[str]:
        """One line per field, for the screen and the finding's evidence."""
        out = []
        for f in self.fields:
            if f.ok:
                out.append(f"present: {f.label}, as '{f.key}'")
            elif f.key is not None:
                out.append(f"missing: {f.label}: '{f.key}' {f.problem}")
            else:
                out.append(f"missing: {f.label}")
        return out


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(node, dict):
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict) and v:
                out.update(_flatten(v, key))
            else:
                out[key] = v
    return out


def _parse(line: str) -> tuple[str | None, dict[str, Any], str]:
    """(format, flat key -> value, the text before the structured part)."""
    brace = line.find("{")
    if brace >= 0:
        try:
            doc, _ = json.JSONDecoder().raw_decode(line[brace:])
        except json.JSONDecodeError:
            doc = None
        if isinstance(doc, dict) and doc:
            return "json", _flatten(doc), line[:brace]
    pairs = list(_KV.finditer(line))
    if len(pairs) >= 2:
        values = {}
        for m in pairs:
            value = m.group("value")
            if value[:1] in ('"', "'") and value[-1:] == value[:1] and len(value) >= 2:
                value = value[1:-1]
            values.setdefault(m.group("key"), value)
        return "key=value", values, line[: pairs[0].start()]
    return None, {}, line


def _utc_problem(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ""  # a Unix epoch is UTC by definition
    text = str(value).strip()
    if re.fullmatch(r"\d{9,13}(?:\.\d+)?", text):
        return ""
    m = _ISO.search(text)
    if not m:
        return f"= '{text[:40]}' is not a date and time"
    zone = m.group("zone")
    if zone is None:
        return "has no time zone (add Z or +00:00 so it reads as UTC)"
    if not _UTC_ZONE.match(zone):
        return f"is not in UTC ({zone})"
    return ""


def check_audit_line(pasted: str) -> AuditLineResult:
    """Check the first line of `pasted` that reads as JSON or key=value pairs (or the first line at all)."""
    candidates = [ln.strip() for ln in pasted.strip().splitlines() if ln.strip()] or [""]
    fmt, values, prefix, line = None, {}, "", candidates[0][:MAX_LINE_CHARS]
    for candidate in candidates:
        fmt, values, prefix = _parse(candidate[:MAX_LINE_CHARS])
        if fmt:
            line = candidate[:MAX_LINE_CHARS]
            break
    result = AuditLineResult(line=line, format=fmt)
    specs = load_fields()
    squashed = {_squash(k): k for k in values}
    used: set[str] = set()
    for spec in specs:
        check = FieldCheck(spec.id, spec.label)
        for key_sq, key in squashed.items():
            if key_sq in spec.names and key not in used:
                check.key = key
                break
        if check.key is None and spec.suffixes:
            other = set().union(*(s.names for s in specs if s.id != spec.id))
            for key_sq, key in squashed.items():
                if key in used or key_sq in other or key_sq in spec.not_targets:
                    continue
                if any(key.lower().endswith(sfx) or (sfx == "id" and key.endswith("Id")) for sfx in spec.suffixes):
                    check.key = key
                    break
        if check.key is not None:
            used.add(check.key)
            value = values[check.key]
            if value is None or str(value).strip().lower() in _EMPTY:
                check.problem = "is empty"
            elif spec.utc:
                check.problem = _utc_problem(value)
        elif spec.utc and fmt and _ISO.search(prefix):
            # A log prefix such as "2024-05-02T14:03:11Z INFO ..." carries the time for the whole line.
            check.key = "(log line prefix)"
            check.problem = _utc_problem(_ISO.search(prefix).group(0))
        result.fields.append(check)
    return result
