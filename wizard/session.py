"""The audit session: what was asked, answered and found, saved atomically after every change.

The file holds no secret: the target config carries environment variable *names* only, findings
carry redacted evidence, and the whole document is scrubbed once more before it is written.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wizard import __version__
from wizard.errors import SessionError
from wizard.model import Answer, Finding, now_utc
from wizard.redact import scrub

SCHEMA_VERSION = 1


class ChecklistRef(BaseModel):
    id: str
    version: str
    path: str | None = None  # a consultant's own checklist folder, when not the default


class ItemOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = None  # "n/a" or "skipped", set by the person
    severity: str | None = None  # a consultant's severity override
    note: str = ""


class Run(BaseModel):
    id: int
    started: str
    finished: str | None = None
    probes: list[str] = Field(default_factory=list)
    requests: dict[str, int] = Field(default_factory=dict)
    tiers: list[str] = Field(default_factory=list)
    tool_version: str = __version__
    outcome: str = "running"
    # The endpoint inventory this run worked from ("METHOD /path tags"), for the handover's access points.
    endpoints: list[str] = Field(default_factory=list)
    # The stack the repository showed (repo intelligence), as the fix snippets name it: the report shows
    # that stack's snippets when the config names none. "" = no repository read in this run.
    stack: str = ""


class Milestone(BaseModel):
    """An earlier audit's verdict, kept when a retest starts from it: the report's score trend."""

    session: str
    at: str
    status: str
    score: int
    band: str = ""
    items: dict[str, str] = Field(default_factory=dict)  # item id -> status


class PendingVerification(BaseModel):
    """A guided verification in progress (an alert challenge, a timed revocation drill), kept across resumes.

    An alert challenge keeps only a salted hash of its one-time code, never the code itself.
    """

    model_config = ConfigDict(extra="forbid")

    kind: str
    created: str
    salt: str = ""
    digest: str = ""
    supplied_by: str = "wizard"  # who chose the code: the wizard (random), or the scripted demo runner


class SessionData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    tool_version: str = __version__
    name: str = "audit"
    checklist: ChecklistRef
    created: str = Field(default_factory=now_utc)
    updated: str = Field(default_factory=now_utc)
    target: dict[str, Any] = Field(default_factory=dict)
    answers: dict[str, Answer] = Field(default_factory=dict)
    findings: dict[str, Finding] = Field(default_factory=dict)
    overrides: dict[str, ItemOverride] = Field(default_factory=dict)
    runs: list[Run] = Field(default_factory=list)
    baseline: dict[str, Finding] | None = None  # the findings of the session a retest started from
    pending: dict[str, PendingVerification] = Field(default_factory=dict)  # kind -> verification in progress
    history: list[Milestone] = Field(default_factory=list)  # verdicts of the audits before this retest


def atomic_write(path: Path, content: str | bytes, durable: bool = True) -> None:
    """Write temp, rename: a kill at any moment leaves the old file or the new one, never half.
    Sessions and reports alike (the temp file is 0600, and so is the result).

    `durable` adds the fsyncs that also survive a power cut or an OS crash; a killed process
    never needs them, because the kernel still holds what was written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if not durable:
        return
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def detected_stack(data: "SessionData") -> str:
    """The stack the latest run that read the repository found ("" when none did)."""
    return next((r.stack for r in reversed(data.runs) if r.stack), "")


class AuditSession:
    """A session bound to its file. Every mutation saves before it returns."""

    def __init__(self, data: SessionData, path: Path | None):
        self.data = data
        self.path = path
        self._lock = threading.RLock()

    # -- creation and loading ------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path | None, checklist_ref: ChecklistRef, target: dict[str, Any], name: str = "audit") -> "AuditSession":
        if path is not None and path.exists():
            raise SessionError(
                "a session file already exists here; resume it, or choose another path", where=str(path)
            )
        session = cls(SessionData(checklist=checklist_ref, target=target, name=name), path)
        session.save()
        return session

    @classmethod
    def load(cls, path: Path, expect_checklist: str | None = None) -> "AuditSession":
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SessionError("session file not found", where=str(path)) from None
        except (OSError, UnicodeDecodeError) as err:
            raise SessionError(f"cannot read session file: {err}", where=str(path)) from None
        if not raw.strip():
            raise SessionError("session file is empty (the file was kept as it is)", where=str(path))
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError as err:
            raise SessionError(
                f"session file is corrupt or truncated at line {err.lineno}, column {err.colno} "
                "(the file was kept as it is; restore it from a backup or start a new session)",
                where=f"{path}:{err.lineno}",
            ) from None
        if not isinstance(doc, dict) or "schema_version" not in doc:
            raise SessionError("not a launch-ready session file", where=str(path))
        version = doc.get("schema_version")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise SessionError(
                f"session schema {version!r} was written by a newer launch-ready "
                f"(this is {__version__}, schema {SCHEMA_VERSION}); upgrade to open it. The file was kept.",
                where=str(path),
            )
        try:
            data = SessionData.model_validate(doc)
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise SessionError(f"session file field '{field}': {first['msg']} (the file was kept)", where=str(path)) from None
        if expect_checklist and data.checklist.id != expect_checklist:
            raise SessionError(
                f"this session belongs to checklist '{data.checklist.id}', not '{expect_checklist}'; "
                f"pass --checklist for '{data.checklist.id}'. The file was kept.",
                where=str(path),
            )
        return cls(data, path)

    # -- persistence ---------------------------------------------------------------------------
    def to_json(self) -> str:
        with self._lock:
            text = self.data.model_dump_json(indent=2)
        return scrub(text)

    def save(self, durable: bool = True) -> None:
        if self.path is None:
            return
        with self._lock:
            self.data.updated = now_utc()
            atomic_write(self.path, self.to_json(), durable)

    # -- mutations (each saves) ----------------------------------------------------------------
    def set_answer(self, answer: Answer) -> None:
        with self._lock:
            self.data.answers[answer.question] = answer
            self.save()

    def clear_answer(self, question: str) -> None:
        with self._lock:
            self.data.answers.pop(question, None)
            self.save()

    def set_override(self, item_id: str, **fields: Any) -> None:
        with self._lock:
            current = self.data.overrides.get(item_id, ItemOverride())
            self.data.overrides[item_id] = current.model_copy(update=fields)
            self.save()

    def start_run(self, probes: list[str], tiers: list[str]) -> Run:
        with self._lock:
            run = Run(id=len(self.data.runs) + 1, started=now_utc(), probes=probes, tiers=tiers)
            self.data.runs.append(run)
            # A rerun replaces what these probes said before; other probes' findings stay.
            self.data.findings = {k: f for k, f in self.data.findings.items() if f.probe not in probes}
            self.save()
            return run

    def add_finding(self, finding: Finding) -> None:
        # Saved at once (a killed run keeps every result), without fsync: a scan can emit hundreds
        # of findings, and finish_run() makes the whole run durable anyway.
        with self._lock:
            self.data.findings[finding.id] = finding
            self.save(durable=False)

    def remove_finding(self, finding_id: str | None) -> None:
        with self._lock:
            if finding_id and self.data.findings.pop(finding_id, None) is not None:
                self.save()

    def set_pending(self, pending: PendingVerification | None, kind: str | None = None) -> None:
        """Start (or, with None, end) the guided verification of a kind."""
        with self._lock:
            if pending is None:
                self.data.pending.pop(kind or "", None)
            else:
                self.data.pending[pending.kind] = pending
            self.save()

    def finish_run(self, run: Run, requests: dict[str, int], outcome: str) -> None:
        with self._lock:
            run.finished = now_utc()
            run.requests = requests
            run.outcome = outcome
            self.save()

    # -- views ---------------------------------------------------------------------------------
    @property
    def answers(self) -> list[Answer]:
        return list(self.data.answers.values())

    @property
    def findings(self) -> list[Finding]:
        return list(self.data.findings.values())

    def status_overrides(self) -> dict[str, str]:
        return {k: o.status for k, o in self.data.overrides.items() if o.status}
