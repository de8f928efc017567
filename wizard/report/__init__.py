"""Reports: one view-model (`data.py`), five writers, one atomic write.

Writers are imported when asked for, so `import wizard.report` stays cheap (WeasyPrint alone costs a
second and is only loaded by the PDF writer).
"""

from __future__ import annotations

import os
import tempfile
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.checklist.schema import Checklist
    from wizard.config import Branding
    from wizard.session import AuditSession

FORMATS = ("pdf", "html", "md", "json", "sarif")

# format -> module with `render(data) -> str | bytes`; each render scrubs its final input itself.
_WRITERS = {
    "pdf": "wizard.report.pdf",
    "html": "wizard.report.html",
    "md": "wizard.report.markdown",
    "json": "wizard.report.jsonreport",
    "sarif": "wizard.report.sarif",
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
    write_atomic(out, content if isinstance(content, bytes) else content.encode("utf-8"))
    return out


def write_atomic(path: Path, payload: bytes) -> None:
    """Temp file in the same folder, fsync, rename: a reader sees the old report or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


__all__ = ["FORMATS", "render_report", "write_atomic"]
