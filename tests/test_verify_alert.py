"""The alert challenge: passes only with the right code; the session keeps a hash, never the code."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from wizard.audit import Audit
from wizard.config import Config, Target
from wizard.model import Status
from wizard.session import AuditSession
from wizard.verify import alert

QID = "monitoring.test-alert-evidence"


def test_codes_are_random_and_unambiguous():
    codes = {alert.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"LR-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
        assert not set(code[3:].replace("-", "")) & set("01OIL")


def test_passes_only_with_the_right_code():
    code, pending = alert.issue()
    other, _ = alert.issue()
    arrived = f"#ops-alerts 14:02 UTC Better Stack: [TEST {code}] admin.example.com is down (test notification)"
    assert alert.check(arrived, pending).status is Status.PASS
    assert alert.check(arrived.replace(code, other), pending).status is Status.FAIL
    assert alert.check("#ops-alerts 14:02 admin.example.com is down", pending).status is Status.FAIL
    assert alert.check("", pending).status is Status.FAIL


@pytest.mark.parametrize("mangle", [str.lower, lambda c: c.replace("-", " "), lambda c: c.replace("-", ""),
                                    lambda c: f"code:{c}."])
def test_the_code_survives_what_alert_tools_do_to_text(mangle):
    code, pending = alert.issue()
    assert alert.check(f"Test alert {mangle(code)} from PagerDuty", pending).status is Status.PASS


def test_a_near_miss_does_not_pass():
    code, pending = alert.issue()
    near = code[:-1] + ("A" if code[-1] != "A" else "B")
    result = alert.check(f"alert {near}", pending)
    assert result.status is Status.FAIL and "a different code" in result.detail


def test_an_expired_code_is_unknown():
    code, pending = alert.issue()
    later = datetime.now(timezone.utc) + alert.MAX_AGE + timedelta(minutes=1)
    result = alert.check(f"alert {code}", pending, now=later)
    assert result.status is Status.UNKNOWN and "expired" in result.title


def test_a_supplied_code_must_look_like_one_and_is_labelled():
    with pytest.raises(ValueError):
        alert.issue("hello")
    code, pending = alert.issue("LR-DEMO-2345", supplied_by="demo runner")
    assert pending.supplied_by == "demo runner"
    result = alert.check("alert LR-DEMO-2345", pending)
    assert result.status is Status.PASS and "demo runner" in result.detail


def test_the_session_keeps_a_hash_and_a_resumed_session_verifies(tmp_path):
    path = tmp_path / "s.json"
    audit = Audit.start(Config(target=Target(url="https://admin.example.test")), path)
    code = audit.start_alert_challenge()
    saved = path.read_text()
    assert code not in saved and code.replace("-", "") not in saved
    pending = AuditSession.load(path).data.pending["alert-challenge"]
    assert pending.digest and pending.salt and pending.created

    # Resume from the file alone, a day later as far as the code knows.
    resumed = Audit(audit.checklist, audit.config, AuditSession.load(path), {})
    resumed.answer(QID, f"#ops-alerts, 09:14 UTC, Better Stack: [TEST {code}] admin.example.test is down")
    finding = resumed.verification("alert-challenge")
    assert finding.status is Status.PASS and finding.item == "monitoring"
    assert resumed.verdict().item("monitoring").findings == [finding]

    # One-time: the code is spent. A new challenge, tried with the wrong text, replaces the result.
    assert "alert-challenge" not in resumed.session.data.pending
    resumed.start_alert_challenge()
    resumed.answer(QID, f"#ops-alerts, 09:20 UTC: [TEST {code}] admin.example.test is down")
    assert resumed.verification("alert-challenge").status is Status.FAIL
    assert len([f for f in resumed.session.findings if f.rule == "monitoring.alert-challenge"]) == 1
    resumed.answer(QID, None)  # "don't know" withdraws it
    assert resumed.verification("alert-challenge") is None


def test_a_paste_without_a_challenge_is_kept_as_an_answer_not_as_proof(tmp_path):
    audit = Audit.start(Config(target=Target(url="https://admin.example.test")), tmp_path / "s.json")
    audit.answer(QID, "#ops-alerts 14:02 admin.example.test is down")
    assert audit.verification("alert-challenge") is None
    assert audit.session.data.answers[QID].value.startswith("#ops-alerts")
