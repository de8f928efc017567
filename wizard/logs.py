"""Logging that can never carry a secret: every record is scrubbed by the shared redactor."""

from __future__ import annotations

import logging
from pathlib import Path

from wizard.redact import scrub


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = ()
        return True


def setup_logging(log_file: Path | None = None, verbose: bool = False) -> None:
    root = logging.getLogger("launch_ready")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    for h in list(root.handlers):
        root.removeHandler(h)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler()
        handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
        handler.setFormatter(logging.Formatter("launch-ready: %(levelname)s: %(message)s"))
    handler.addFilter(ScrubFilter())
    root.addHandler(handler)
