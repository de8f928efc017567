"""One judged fact about a host or a domain, before it becomes a Finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wizard.model import Severity, Status

_DEFAULT_SEVERITY = {
    Status.FAIL: Severity.HIGH,
    Status.WARN: Severity.MEDIUM,
    Status.UNKNOWN: Severity.MEDIUM,
}


@dataclass
class Outcome:
    rule: str
    status: Status
    title: str
    key: str  # the location: host:port, a DNS name, a domain + selector
    detail: str = ""  # the consequence, in plain words
    fix: str = ""
    record: str = ""  # the exact DNS record to publish, when there is one
    evidence: list[str] = field(default_factory=list)
    severity: Severity | None = None
    code: str = ""  # a short stable name for what was found (self-signed, too-many-lookups, ...)
    where: str = ""  # the name to show as the location, when the key says more than that

    @property
    def location(self) -> str:
        return self.where or self.key

    def __post_init__(self) -> None:
        if self.severity is None:
            self.severity = _DEFAULT_SEVERITY.get(self.status, Severity.INFO)

    @property
    def fix_text(self) -> str:
        if not self.record:
            return self.fix
        return f"{self.fix}\nPublish this record:\n{self.record}".strip()

    def finding_fields(self) -> dict[str, Any]:
        """Keyword arguments for `Probe.finding` (besides rule, status, title, key and location)."""
        return {"severity": self.severity, "detail": self.detail, "evidence": list(self.evidence),
                "fix": self.fix_text if self.status is not Status.PASS else "", "data": self.data()}

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code} if self.code else {}
        if self.record:
            out["record"] = self.record
        return out
