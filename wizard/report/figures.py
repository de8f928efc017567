"""The numbers behind the report's pictures, read from findings' structured `data`.

Probes on other branches fill `data` in their own shapes; everything here is lenient: a shape it does
not know is skipped (the finding still shows as text), never a crash of the report.

- Latency: a finding whose `data` has `samples_ms` (a list of numbers) plus, when known, `p50_ms`,
  `p95_ms`, `p99_ms`, `ci_ms` ([low, high]), `n` and `errors`.
- Authorization matrix: `data["matrix"]`, rows are endpoints and columns roles, a cell is one of
  "enforced", "BYPASSED", "inconclusive", "not probed" (any other word is shown as it is). Accepted shapes:
  `{"roles": [...], "rows": [{"endpoint": "GET /x", "cells": {"admin": "enforced", ...}}]}`
  (`cells` may also be a list in role order; `columns`/`route`/`label` are accepted aliases),
  `{"endpoints": [...], "roles": [...], "cells": [[...], ...]}` and `{"GET /x": {"admin": "enforced"}}`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MAX_SAMPLES = 5000  # a picture needs no more; the JSON report keeps them all
MAX_MATRIX_ROWS = 60
MAX_MATRIX_ROLES = 8

# cell word (lower case) -> the css/svg class that styles it
CELL_KINDS = {
    "enforced": "enforced",
    "denied": "enforced",
    "bypassed": "bypassed",
    "inconclusive": "inconclusive",
    "unknown": "inconclusive",
    "not probed": "not-probed",
    "not-probed": "not-probed",
    "skipped": "not-probed",
    "allowed": "allowed",
    "expected": "allowed",
}


@dataclass
class LatencySeries:
    finding_id: str
    label: str  # "GET /api/reports/search"
    status: str
    n: int
    p50: float | None
    p95: float | None
    p99: float | None
    ci: tuple[float, float] | None
    errors: int
    samples: list[float]  # milliseconds, sorted


@dataclass
class MatrixCell:
    text: str
    kind: str  # enforced / bypassed / inconclusive / not-probed / allowed / other


@dataclass
class MatrixRow:
    endpoint: str
    cells: list[MatrixCell]


@dataclass
class MatrixView:
    finding_id: str
    title: str
    roles: list[str]
    rows: list[MatrixRow]
    hidden_rows: int  # rows left out of the picture (all are in the JSON report)
    bypassed: int


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _endpoint_label(finding) -> str:
    """"GET /api/reports/search": the method and path of the finding's URL, else its title's first part."""
    from urllib.parse import urlsplit

    loc = finding.location
    if loc.url:
        parts = urlsplit(loc.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return f"{loc.method} {path}" if loc.method else path
    return finding.title.split(": ", 1)[0]


def latency_series(finding) -> LatencySeries | None:
    """`finding` is a FindingView (or anything with id, title, status, location, data)."""
    data = finding.data or {}
    raw = data.get("samples_ms")
    if not isinstance(raw, list):
        return None
    samples = sorted(v for v in (_number(x) for x in raw[: MAX_SAMPLES * 4]) if v is not None and v >= 0)
    if not samples:
        return None
    if len(samples) > MAX_SAMPLES:  # keep the shape: every k-th ordered sample
        step = len(samples) / MAX_SAMPLES
        samples = [samples[int(i * step)] for i in range(MAX_SAMPLES)]
    ci = data.get("ci_ms")
    ci_pair = None
    if isinstance(ci, (list, tuple)) and len(ci) == 2:
        lo, hi = _number(ci[0]), ci[1]
        hi = math.inf if isinstance(hi, float) and math.isinf(hi) else _number(hi)
        if lo is not None and hi is not None:
            ci_pair = (lo, hi)
    label = _endpoint_label(finding)
    errors = data.get("errors")
    n = data.get("n")
    return LatencySeries(
        finding_id=finding.id,
        label=label,
        status=finding.status,
        n=int(n) if isinstance(n, int) and not isinstance(n, bool) else len(samples),
        p50=_number(data.get("p50_ms")),
        p95=_number(data.get("p95_ms")),
        p99=_number(data.get("p99_ms")),
        ci=ci_pair,
        errors=int(errors) if isinstance(errors, int) and not isinstance(errors, bool) else 0,
        samples=samples,
    )


def _cell(value: Any) -> MatrixCell:
    if isinstance(value, dict):  # the authz probe's cell: {"state", "label", "kind", "reason", "evidence"}
        value = value.get("label") or value.get("state")
    text = "not probed" if value is None else str(value)
    return MatrixCell(text=text[:24], kind=CELL_KINDS.get(text.strip().lower(), "other"))


def _rows_from(matrix: Any) -> tuple[list[str], list[tuple[str, list[Any]]]] | None:
    if not isinstance(matrix, dict):
        return None
    roles = matrix.get("roles", matrix.get("columns"))
    rows = matrix.get("rows")
    if isinstance(roles, list) and isinstance(rows, list):
        roles = [str(r) for r in roles]
        out = []
        for row in rows:
            if not isinstance(row, dict):
                return None
            name = row.get("endpoint", row.get("route", row.get("label", "")))
            cells = row.get("cells", {})
            if isinstance(cells, dict):
                out.append((str(name), [cells.get(r) for r in roles]))
            elif isinstance(cells, list):
                out.append((str(name), list(cells) + [None] * (len(roles) - len(cells))))
            else:
                return None
        return roles, out
    endpoints, cells = matrix.get("endpoints"), matrix.get("cells")
    if isinstance(roles, list) and isinstance(endpoints, list) and isinstance(cells, list):
        roles = [str(r) for r in roles]
        out = []
        for i, name in enumerate(endpoints):
            row = cells[i] if i < len(cells) and isinstance(cells[i], list) else []
            out.append((str(name), list(row) + [None] * (len(roles) - len(row))))
        return roles, out
    if matrix and all(isinstance(v, dict) for v in matrix.values()):  # {endpoint: {role: cell}}
        roles = []
        for cells in matrix.values():
            roles += [str(r) for r in cells if str(r) not in roles]
        return roles, [(str(name), [cells.get(r) for r in roles]) for name, cells in matrix.items()]
    return None


def matrix_view(finding) -> MatrixView | None:
    parsed = _rows_from((finding.data or {}).get("matrix"))
    if not parsed:
        return None
    roles, rows = parsed
    if not roles or not rows:
        return None
    roles = roles[:MAX_MATRIX_ROLES]
    shown = [MatrixRow(name[:80], [_cell(c) for c in cells[: len(roles)]]) for name, cells in rows[:MAX_MATRIX_ROWS]]
    bypassed = sum(1 for _, cells in rows for c in cells if _cell(c).kind == "bypassed")
    return MatrixView(finding.id, finding.title, roles, shown, max(0, len(rows) - MAX_MATRIX_ROWS), bypassed)


__all__ = ["CELL_KINDS", "LatencySeries", "MatrixCell", "MatrixRow", "MatrixView", "latency_series", "matrix_view"]
