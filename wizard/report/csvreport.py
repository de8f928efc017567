"""CSV of findings: one row per finding, for a spreadsheet or a ticket import.

Cells that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a carriage return)
get a leading apostrophe: a hostile server header must not become a formula in someone's spreadsheet.
"""

from __future__ import annotations

import csv
import io

from wizard.redact import scrub
from wizard.report.data import FindingView, ReportData

COLUMNS = (
    "id", "item", "item_title", "probe", "rule", "status", "severity", "title", "detail", "location",
    "url", "method", "path", "line", "commit", "evidence", "fix", "references", "retest",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def row(f: FindingView) -> list[str]:
    loc = f.location
    values = (
        f.id, f.item, f.item_title, f.probe, f.rule, f.status, f.severity, f.title, f.detail, loc.text,
        loc.url, loc.method, loc.path, loc.line, loc.commit, "\n".join(f.evidence), f.fix,
        "; ".join(f.references), f.retest,
    )
    return [safe_cell(v) for v in values]


def render(data: ReportData) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for f in data.findings:
        writer.writerow(row(f))
    return scrub(out.getvalue())
