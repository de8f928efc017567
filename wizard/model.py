"""The units of evidence every part of the tool speaks: findings, answers and their statuses."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Status(str, Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"
    NA = "n/a"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Status.PASS: "PASS",
    Status.WARN: "WARN",
    Status.FAIL: "FAIL",
    Status.UNKNOWN: "UNKNOWN",
    Status.SKIPPED: "SKIPPED",
    Status.NA: "N/A",
}

# How bad a status is when several pieces of evidence meet on one item. `unknown` ranks above
# `warn`: something nobody verified may be a failure, so it must never read as "nearly fine".
STATUS_RANK = {
    Status.NA: 0,
    Status.SKIPPED: 1,
    Status.PASS: 2,
    Status.WARN: 3,
    Status.UNKNOWN: 4,
    Status.FAIL: 5,
}


def worst(statuses: list[Status]) -> Status | None:
    return max(statuses, key=STATUS_RANK.__getitem__) if statuses else None


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


SEVERITY_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class Tier(str, Enum):
    """What a probe may send (DESIGN.md): each tier includes the ones before it."""

    PASSIVE = "passive"
    LOGIN = "login"
    WRITE = "write"
    DESTRUCTIVE = "destructive"


TIER_RANK = {Tier.PASSIVE: 0, Tier.LOGIN: 1, Tier.WRITE: 2, Tier.DESTRUCTIVE: 3}


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fingerprint(*parts: str) -> str:
    """A short stable hash of a location (never of a line number alone)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    method: str | None = None
    path: str | None = None
    line: int | None = None
    column: int | None = None
    commit: str | None = None

    def describe(self) -> str:
        if self.url:
            return f"{self.method} {self.url}" if self.method else self.url
        if self.path:
            text = self.path
            if self.line:
                text += f":{self.line}"
            if self.commit:
                text += f" @ {self.commit[:10]}"
            return text
        return "-"


class Finding(BaseModel):
    """One piece of automated evidence about one checklist item."""

    model_config = ConfigDict(extra="forbid")

    id: str
    probe: str
    rule: str
    item: str | None = None  # filled by the engine from the checklist's rule mapping
    status: Status
    severity: Severity = Severity.INFO
    title: str
    detail: str = ""
    location: Location = Field(default_factory=Location)
    evidence: list[str] = Field(default_factory=list)  # already redacted by the probe
    fix: str = ""
    references: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)  # structured results (latency numbers, matrix cells)
    at: str = Field(default_factory=now_utc)

    @classmethod
    def make(cls, *, probe: str, rule: str, key: str = "", **fields: Any) -> "Finding":
        """Build a finding whose id is stable across runs: probe + rule + location fingerprint."""
        return cls(id=f"{rule}:{fingerprint(probe, rule, key)}", probe=probe, rule=rule, **fields)


class Answer(BaseModel):
    """What a person said about one question, with an optional note and pasted evidence."""

    model_config = ConfigDict(extra="forbid")

    question: str  # "<item>.<question>"
    value: Any = None  # None means "don't know"
    note: str = ""
    evidence: str = ""
    at: str = Field(default_factory=now_utc)

    @property
    def unknown(self) -> bool:
        return self.value is None
