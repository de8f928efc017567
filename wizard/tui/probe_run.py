"""Running the engine from the UI: a thread with its own event loop, cancellable from the UI thread.

The probes get their own loop so that UI rendering never skews a latency sample, and a slow
probe never freezes the screen.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

from wizard.engine.runner import Observer
from wizard.tui import messages as msg


class PostingObserver(Observer):
    def __init__(self, post) -> None:
        self.post = post
        self.counts: dict[str, Counter] = {}

    def probe_started(self, probe) -> None:
        self.counts[probe.id] = Counter()
        self.post(msg.ProbeStarted(probe.id, probe.title))

    def probe_progress(self, probe_id: str, message: str, fraction) -> None:
        self.post(msg.ProbeProgress(probe_id, message))

    def finding(self, finding) -> None:
        self.counts.setdefault(finding.probe, Counter())[finding.status.value] += 1
        self.post(msg.FindingAdded(finding.item, finding.status.value))

    def probe_finished(self, probe, outcome: str, elapsed: float, findings: int) -> None:
        self.post(msg.ProbeFinished(probe.id, probe.title, outcome, elapsed, dict(self.counts.get(probe.id, {}))))


class ProbeRun:
    def __init__(self, audit, post, only: list[str] | None = None) -> None:
        self.audit = audit
        self.post = post
        self.only = only
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancel: asyncio.Event | None = None
        self._lock = threading.Lock()
        self.probe_ids: list[str] = []

    def prepare(self) -> list:
        probes = self.audit.probes(self.only)
        self.probe_ids = [p.id for p in probes]
        return probes

    def run(self) -> None:
        """Call in a worker thread."""
        probes = self.prepare()
        loop = asyncio.new_event_loop()
        with self._lock:
            self._loop = loop
            self._cancel = asyncio.Event()
        try:
            engine = self.audit.engine(PostingObserver(self.post))
            summary = loop.run_until_complete(engine.run_async(self.audit.session, probes, self._cancel))
            self.post(msg.RunFinished(summary.cancelled, requests=sum(summary.requests.values()), elapsed=summary.elapsed))
        except Exception as err:  # reported on screen; the session keeps what was saved
            self.post(msg.RunFinished(False, error=f"{type(err).__name__}: {err}"))
        finally:
            with self._lock:
                self._loop = None
            loop.close()

    def cancel(self) -> None:
        with self._lock:
            if self._loop is not None and self._cancel is not None:
                self._loop.call_soon_threadsafe(self._cancel.set)
