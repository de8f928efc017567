"""Line-per-probe progress on stderr for the non-interactive commands (Lynis style)."""

from __future__ import annotations

import logging
import sys

from wizard.engine.runner import Observer
from wizard.model import Finding, Status
from wizard.redact import scrub

log = logging.getLogger("launch_ready.progress")

_MARK = {Status.PASS: "ok", Status.WARN: "WARN", Status.FAIL: "FAIL", Status.UNKNOWN: "??", Status.SKIPPED: "skip", Status.NA: "n/a"}


class LineObserver(Observer):
    def __init__(self, stream=None, show: bool | None = None):
        self.stream = stream or sys.stderr
        self.show = self.stream.isatty() if show is None else show
        self.counts: dict[str, dict[Status, int]] = {}
        self._legend_shown = False

    def _write(self, text: str) -> None:
        log.info(text)
        if self.show:
            print(scrub(text), file=self.stream, flush=True)

    def probe_started(self, probe) -> None:
        # probes run side by side: a line when each starts would double the output, so only the log has it
        self.counts[probe.id] = {}
        log.info("started %s", probe.title)
        if self.show and not self._legend_shown:
            self._legend_shown = True
            print("Running the checks (ok, WARN, FAIL; ?? = could not tell; skip = not run, with the reason):",
                  file=self.stream, flush=True)

    def finding(self, finding: Finding) -> None:
        c = self.counts.setdefault(finding.probe, {})
        c[finding.status] = c.get(finding.status, 0) + 1
        log.info("finding %s %s %s", finding.status.value, finding.id, finding.title)

    def probe_finished(self, probe, outcome: str, elapsed: float, findings: int) -> None:
        c = self.counts.get(probe.id, {})
        worst = next((s for s in (Status.FAIL, Status.UNKNOWN, Status.WARN, Status.PASS) if c.get(s)), None)
        mark = _MARK.get(worst, "skip") if outcome == "ok" else ("skip" if outcome.startswith("not run") else "??")
        parts = ", ".join(f"{n} {s.value}" for s, n in c.items())
        extra = "" if outcome == "ok" else f" ({outcome})"
        self._write(f"  [{mark:^4}] {probe.title}: {parts or 'nothing'}{extra} in {elapsed:.1f} s")
