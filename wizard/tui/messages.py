"""Messages the probe thread posts to the UI (post_message is thread-safe; widgets are not)."""

from __future__ import annotations

from textual.message import Message


class ProbeStarted(Message):
    def __init__(self, probe_id: str, title: str) -> None:
        super().__init__()
        self.probe_id, self.title = probe_id, title


class ProbeProgress(Message):
    def __init__(self, probe_id: str, text: str) -> None:
        super().__init__()
        self.probe_id, self.text = probe_id, text


class FindingAdded(Message):
    def __init__(self, item: str | None, status: str) -> None:
        super().__init__()
        self.item, self.status = item, status


class ProbeFinished(Message):
    def __init__(self, probe_id: str, title: str, outcome: str, elapsed: float, counts: dict[str, int]) -> None:
        super().__init__()
        self.probe_id, self.title, self.outcome, self.elapsed, self.counts = probe_id, title, outcome, elapsed, counts


class RunFinished(Message):
    def __init__(self, cancelled: bool, error: str = "", requests: int = 0, elapsed: float = 0.0) -> None:
        super().__init__()
        self.cancelled, self.error, self.requests, self.elapsed = cancelled, error, requests, elapsed
