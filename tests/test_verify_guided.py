"""Guided verifications through the Audit every front end uses: findings, scope, the timed drill, the interview."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from wizard.audit import Audit
from wizard.checklist import load_checklist
from wizard.config import Config, Target
from wizard.model import Status
from wizard.paths import default_checklist_dir
from wizard.session import AuditSession

from servers import http_server, reply

LINE_QID = "audit-logging.audit-log-line"


def make_audit(tmp_path, url="https://admin.example.test", scope=None) -> Audit:
    return Audit.start(Config(target=Target(url=url, scope=scope or [])), tmp_path / "s.json")


def test_pasted_audit_line_becomes_evidence_on_the_audit_item(tmp_path):
    audit = make_audit(tmp_path)
    audit.answer(LINE_QID, 'time=2026-11-12T14:03:11 msg="export downloaded" user=dana')
    finding = audit.verification("audit-log-line")
    assert finding.item == "audit-logging" and finding.status is Status.FAIL
    assert finding.data["missing"] == ["action", "target", "timestamp", "request", "outcome"]
    assert audit.verdict().item("audit-logging").status is Status.FAIL

    audit.answer(LINE_QID, '{"ts": "2026-11-12T14:03:11Z", "actor_id": 42, "action": "user.role_changed", '
                           '"target_id": 1017, "request_id": "req_9f2c", "outcome": "success"}')
    assert audit.verification("audit-log-line").status is Status.PASS
    # the evidence survives a rerun of the probes (it is not a probe's finding)
    audit.session.start_run(["repo-auditlog"], ["passive"])
    assert audit.verification("audit-log-line").status is Status.PASS


def test_a_token_in_a_pasted_line_never_reaches_the_session(tmp_path):
    token = "ghp_" + "Zq8" * 12
    audit = make_audit(tmp_path)
    audit.answer(LINE_QID, f'ts=2026-11-12T14:03:11Z actor_id=1 action=token.created target_id=2 request_id=r outcome=ok token="{token}"')
    assert token not in (tmp_path / "s.json").read_text()


def test_status_page_in_scope_is_fetched_and_read(tmp_path):
    page = b"<h1>Acme status</h1><p>All systems operational</p>"
    with http_server(lambda h: reply(h, 200, page, {"Content-Type": "text/html"})) as (url, log):
        audit = make_audit(tmp_path, url=url)
        audit.answer("monitoring.status-page", url + "/status")
        finding = audit.verify_status_page()
        assert [(m, p) for m, p, _ in log] == [("GET", "/status")]
    assert finding.status is Status.PASS and finding.item == "monitoring"
    assert finding.evidence == [f"GET {url}/status -> 200"]


def test_status_page_reporting_an_outage_warns(tmp_path):
    with http_server(lambda h: reply(h, 200, b"Admin console: Major outage")) as (url, _):
        audit = make_audit(tmp_path, url=url)
        assert audit.verify_status_page(url + "/").status is Status.WARN


def test_status_page_outside_the_scope_is_never_requested(tmp_path):
    with http_server(lambda h: reply(h, 200, b"All systems operational")) as (url, log):
        audit = make_audit(tmp_path, url=url)  # scope: 127.0.0.1 only
        elsewhere = url.replace("127.0.0.1", "localhost")
        finding = audit.verify_status_page(elsewhere + "/status")
        assert log == []
    assert finding.status is Status.SKIPPED and "outside the confirmed scope" in finding.title
    assert audit.verdict().item("monitoring").status is Status.UNKNOWN  # a skipped check decides nothing


def test_status_page_behind_a_login_or_down(tmp_path):
    with http_server(lambda h: reply(h, 302, b"", {"Location": "/login"}) if h.path == "/private" else reply(h, 503, b"no")) as (url, _):
        audit = make_audit(tmp_path, url=url)
        assert audit.verify_status_page(url + "/private").status is Status.SKIPPED
        assert audit.verify_status_page(url + "/down").status is Status.WARN


def test_revocation_drill_answers_the_duration_question(tmp_path):
    audit = make_audit(tmp_path)
    assert audit.finish_revocation_drill() is None  # nothing started
    audit.start_revocation_drill()
    # the drill survives a resume: move its start 7 minutes into the past through the saved file
    path = tmp_path / "s.json"
    session = AuditSession.load(path)
    started = datetime.now(timezone.utc) - timedelta(minutes=6, seconds=30)
    session.data.pending["revocation-drill"].created = started.isoformat(timespec="seconds")
    session.save()
    resumed = Audit(audit.checklist, audit.config, AuditSession.load(path), {})
    answer = resumed.finish_revocation_drill()
    assert answer.question == "access-revocation.revocation-time" and answer.value == "7m"
    assert "Timed by the wizard's revocation drill" in answer.note
    assert resumed.verdict().item("access-revocation").status is Status.PASS  # 7m is within the 1h bar
    assert "revocation-drill" not in resumed.session.data.pending


@pytest.mark.parametrize(("seconds", "text"), [(0.2, "1s"), (45, "45s"), (61, "2m"), (3600, "1h"), (3601, "2h"), (90000, "2d")])
def test_drill_durations_round_up(seconds, text):
    from wizard.verify.revocation import as_duration

    assert as_duration(seconds) == text


def test_verify_kinds_fit_their_questions():
    from wizard.checklist.schema import Question

    with pytest.raises(ValueError, match="needs a question of kind evidence"):
        Question(id="x", text="x", kind="text", verify="audit-log-line")
    checklist = load_checklist(default_checklist_dir())
    kinds = {q.verify: f"{it.id}.{q.id}" for it, q in checklist.all_questions() if q.verify}
    assert kinds == {"audit-log-line": LINE_QID, "alert-challenge": "monitoring.test-alert-evidence",
                     "status-page": "monitoring.status-page", "revocation-drill": "access-revocation.revocation-time"}
