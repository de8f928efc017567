"""The matrix as data: rows are routes, columns are roles (anonymous first), each cell one verdict.

`Matrix.to_data()` is what the summary finding carries in `data["matrix"]` for the TUI and PDF grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.redact import scrub

ALLOWED = "allowed"  # expected access, and it worked
ENFORCED = "enforced"  # not expected, and the server refused (or gave none of the data)
BYPASSED = "bypassed"  # not expected, and the server gave the data or made the change anyway
INCONCLUSIVE = "inconclusive"  # could not tell: the allowed role failed too, a server error, no id to try...
NOT_PROBED = "not_probed"  # deliberately not sent: unsafe route, tier not consented, DELETE

LABELS = {ALLOWED: "allowed", ENFORCED: "enforced", BYPASSED: "BYPASSED", INCONCLUSIVE: "inconclusive",
          NOT_PROBED: "not probed"}
SEVERITY_OF_STATE = {BYPASSED: 4, INCONCLUSIVE: 3, ENFORCED: 2, ALLOWED: 1, NOT_PROBED: 0}


@dataclass
class Cell:
    state: str
    reason: str
    kind: str = "function"  # function (the route itself), object (another user's record), write (cross-user change)
    evidence: list[str] = field(default_factory=list)  # redacted request/answer lines

    def worse_than(self, other: "Cell") -> bool:
        return SEVERITY_OF_STATE[self.state] > SEVERITY_OF_STATE[other.state]


@dataclass
class Row:
    method: str
    path: str
    expected: list[str]
    because: str
    sources: str
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"

    def set(self, role: str, cell: Cell) -> None:
        """Keep the worst verdict for a cell that several checks informed (object + function level)."""
        have = self.cells.get(role)
        if have is None or cell.worse_than(have):
            self.cells[role] = cell
        elif cell.state == have.state:
            have.evidence += [e for e in cell.evidence if e not in have.evidence]

    def fill(self, roles: list[str], state: str, reason: str) -> None:
        for role in roles:
            if role not in self.cells:
                self.cells[role] = Cell(state, reason)


@dataclass
class Matrix:
    columns: list[str]
    rows: list[Row] = field(default_factory=list)

    def cells(self, state: str | None = None):
        for row in self.rows:
            for role in self.columns:
                cell = row.cells.get(role)
                if cell is not None and (state is None or cell.state == state):
                    yield row, role, cell

    def count(self, state: str) -> int:
        return sum(1 for _ in self.cells(state))

    def to_data(self) -> dict:
        return {
            "columns": list(self.columns),
            "legend": dict(LABELS),
            "rows": [
                {
                    "route": row.route, "method": row.method, "path": row.path, "expected": row.expected,
                    "because": row.because, "sources": row.sources,
                    "cells": {role: {"state": c.state, "label": LABELS[c.state], "kind": c.kind,
                                     "reason": scrub(c.reason), "evidence": [scrub(e) for e in c.evidence]}
                              for role, c in row.cells.items()},
                }
                for row in self.rows
            ],
        }

    def as_text(self, max_rows: int = 60) -> list[str]:
        """A plain grid for evidence lines and logs: one line per route (the grid itself is in to_data)."""
        width = max((len(r.route) for r in self.rows[:max_rows]), default=10)
        head = "route".ljust(width) + " | " + " | ".join(self.columns)
        lines = [head]
        if len(self.rows) > max_rows:
            lines.append(f"(first {max_rows} of {len(self.rows)} routes; the full matrix is in the report's table)")
        for row in self.rows[:max_rows]:
            marks = [LABELS[row.cells[c].state] if c in row.cells else "-" for c in self.columns]
            lines.append(row.route.ljust(width) + " | " + " | ".join(marks))
        return lines
