"""Guided verifications: a person does something, the tool checks what they bring back, and records evidence.

Which question a verification belongs to is data: a checklist question says `verify: <kind>`.
- `audit-log-line`: the pasted log line of one admin action is checked for the six audit fields;
- `alert-challenge`: a one-time code must come back in a pasted test alert;
- `status-page`: the uptime monitor's public status URL is fetched through the scoped client, in scope only;
- `revocation-drill`: a timed drill whose measured time answers the revocation question.

Each result is a Finding (probe `verify`, id stable per question), so it sits beside the probes' evidence
in the verdict and the report, survives a rerun of the probes, and is replaced when the person tries again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.model import Answer, Finding, Severity, Status, fingerprint

if TYPE_CHECKING:
    from wizard.checklist.schema import Checklist
    from wizard.config import Config
    from wizard.session import AuditSession

PROBE = "verify"
KINDS = ("audit-log-line", "alert-challenge", "status-page", "revocation-drill")
RULES = {
    "audit-log-line": "auditlog.pasted-line",
    "alert-challenge": "monitoring.alert-challenge",
    "status-page": "monitoring.status-page",
}
MAX_EXCERPT = 400


def question_for(checklist: "Checklist", kind: str) -> str | None:
    """The qualified id of the first question that carries this verification, or None."""
    for item, q in checklist.all_questions():
        if q.verify == kind:
            return f"{item.id}.{q.id}"
    return None


def finding_id(checklist: "Checklist", kind: str) -> str | None:
    """The stable id of a verification's finding: one per question, replaced on every new try."""
    qid = question_for(checklist, kind)
    return f"{RULES[kind]}:{fingerprint(PROBE, RULES[kind], qid)}" if qid and kind in RULES else None


def latest(checklist: "Checklist", session: "AuditSession", kind: str) -> Finding | None:
    fid = finding_id(checklist, kind)
    return session.data.findings.get(fid) if fid else None


def safe_excerpt(pasted: str) -> str:
    """Pasted text as evidence: known secret shapes registered and masked, long text cut."""
    from wizard.redact import scrub
    from wizard.secretscan import scan_text

    scan_text(pasted, "pasted evidence", source="pasted")  # registers any secret-shaped value with the redactor
    text = scrub(pasted.strip())
    return text if len(text) <= MAX_EXCERPT else text[: MAX_EXCERPT - 1] + "…"


def _record(session: "AuditSession", kind: str, qid: str, item_id: str, status: Status, title: str, detail: str,
            evidence: list[str], data: dict | None = None) -> Finding:
    finding = Finding.make(
        probe=PROBE, rule=RULES[kind], key=qid, item=item_id, status=status,
        severity=Severity.INFO if status in (Status.PASS, Status.SKIPPED) else Severity.MEDIUM,
        title=title, detail=detail, evidence=evidence, data={"verification": kind, "question": qid, **(data or {})},
    )
    session.add_finding(finding)
    return finding


def on_answer(checklist: "Checklist", session: "AuditSession", answer: Answer) -> Finding | None:
    """Run the offline verification the answered question carries (if any) and record its finding."""
    from wizard.verify import alert
    from wizard.verify.auditline import check_audit_line

    item, q = checklist.question(answer.question)
    kind = q.verify
    if kind not in ("audit-log-line", "alert-challenge"):
        return None
    fid = finding_id(checklist, kind)
    if answer.value is None or not str(answer.value).strip():
        session.remove_finding(fid)  # "don't know" withdraws what an earlier paste showed
        return None
    text = str(answer.value)
    if kind == "audit-log-line":
        result = check_audit_line(text)
        return _record(session, kind, answer.question, item.id, result.status, result.title(),
                       "Checked for the six fields of an audit record: who, what, which record, when (UTC), "
                       "request id and outcome.",
                       result.lines() + [f"pasted ({result.format or 'unreadable'}): {safe_excerpt(result.line)}"],
                       {"format": result.format, "missing": [f.id for f in result.missing]})
    pending = session.data.pending.get(alert.KIND)
    if pending is None:
        return None  # no code was shown in this audit: the paste is kept as an answer, not as proof
    result = alert.check(text, pending)
    if result.status is Status.PASS:
        session.set_pending(None, alert.KIND)  # one-time: a code that came back is spent
    return _record(session, kind, answer.question, item.id, result.status, result.title, result.detail,
                   [f"pasted: {safe_excerpt(text)}"], {"supplied_by": pending.supplied_by})


def start_alert_challenge(session: "AuditSession", code: str | None = None, supplied_by: str = "wizard") -> str:
    """Issue a challenge and keep its salted hash in the session; returns the code to show (once)."""
    from wizard.verify import alert

    code, pending = alert.issue(code, supplied_by)
    session.set_pending(pending)
    return code


def verify_status_page(checklist: "Checklist", session: "AuditSession", config: "Config", url: str,
                       policy) -> Finding | None:
    """Fetch the status page within the audit's scope and record what it shows."""
    import asyncio

    from wizard.engine.http import ScopedClient
    from wizard.verify.uptime import check_status_page

    qid = question_for(checklist, "status-page")
    if qid is None:
        return None
    item_id = qid.partition(".")[0]

    async def fetch():
        async with ScopedClient(policy) as http:
            return await check_status_page(http, url, config.target.host)

    result = asyncio.run(fetch())
    return _record(session, "status-page", qid, item_id, result.status, result.title, result.detail,
                   [f"GET {url}" + (f" -> {result.http_status}" if result.http_status else "")],
                   {"url": url, "http_status": result.http_status, "mentions_target": result.mentions_target})


def start_revocation_drill(session: "AuditSession") -> None:
    from wizard.verify import revocation

    session.set_pending(revocation.start())


def finish_revocation_drill(session: "AuditSession") -> tuple[str, str] | None:
    """(duration answer, note) for the timed drill in progress; None when no drill was started."""
    from datetime import datetime

    from wizard.verify import revocation

    pending = session.data.pending.get(revocation.KIND)
    if pending is None:
        return None
    seconds = revocation.elapsed_seconds(pending)
    session.set_pending(None, revocation.KIND)
    started = datetime.fromisoformat(pending.created)
    note = (f"Timed by the wizard's revocation drill: clock started {started:%Y-%m-%d %H:%M:%S} UTC, the open "
            f"session was refused {seconds:.0f} s later.")
    return revocation.as_duration(seconds), note
