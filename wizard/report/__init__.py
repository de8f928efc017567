"""Reports: one view-model (`data.py`), six writers, written with the sessions' atomic write.

Writers are imported when asked for, so `import wizard.report` stays cheap (WeasyPrint alone costs a
second and is only loaded by the PDF writer).
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.checklist.schema import Checklist
    from wizard.config import Branding
    from wizard.session import AuditSession

FORMATS = ("pdf", "html", "md", "json", "sarif", "csv")

# format -> module with `render(data) -> str | bytes`; each render scrubs its final input itself.
_WRITERS = {
    "pdf": "wizard.report.pdf",
    "html": "wizard.report.html",
    "md": "wizard.report.markdown",
    "json": "wizard.report.jsonreport",
    "sarif": "wizard.report.sarif",
    "csv": "wizard.report.csvreport",
}


def render_report(
    fmt: str, checklist: "Checklist", session: "AuditSession", out: Path, branding: "Branding | None" = None
) -> Path:
    """Compute the verdict, build the view-model, render `fmt` and write it atomically to `out`."""
    from wizard.errors import UserError
    from wizard.report.data import build_report_data
    from wizard.verdict import compute_verdict

    if fmt not in FORMATS:
        raise UserError(f"unknown report format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    verdict = compute_verdict(checklist, session.findings, session.answers, session.status_overrides())
    data = build_report_data(checklist, session, verdict, branding)
    content = import_module(_WRITERS[fmt]).render(data)
    out = Path(out)
    from wizard.session import atomic_write

    try:
        atomic_write(out, content)
    except OSError as err:  # a missing or read-only folder, a full disk: one line, not a traceback
        raise UserError(f"cannot write the report ({err.strerror or err})", where=str(out)) from None
    return out


__all__ = ["FORMATS", "render_report"]
