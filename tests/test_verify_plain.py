"""`--plain` offers the same guided verifications as the item screen: the audit-log line, the alert
challenge (its code read back from what the wizard printed) and the timed revocation drill."""

from __future__ import annotations

import io
import re

from wizard.audit import Audit
from wizard.config import Config, Target
from wizard.model import Status
from wizard.plain import PlainWizard

from test_plain import FakeQuestionary


class ScriptedPrompts(FakeQuestionary):
    """A scripted answer may be a function of everything the wizard printed so far."""

    def __init__(self, script, out: io.StringIO):
        super().__init__(script)
        self.out = out

    def _lookup(self, message, default):
        value = super()._lookup(message, default)
        return value(self.out.getvalue()) if callable(value) else value


def run_interview(tmp_path, script) -> tuple[Audit, str]:
    out = io.StringIO()
    wizard = PlainWizard(q=ScriptedPrompts(script, out), out=out)
    wizard.audit = Audit.start(Config(target=Target(url="https://admin.example.test")), tmp_path / "s.json")
    wizard.interview()
    return wizard.audit, out.getvalue()


def test_plain_checks_a_pasted_log_line_and_names_what_is_missing(tmp_path):
    audit, printed = run_interview(tmp_path, {
        "Paste the log line": 'time=2026-11-12T14:03:11 user=dana msg="export downloaded"',
        "Run the alert challenge now": False,
    })
    assert "[FAIL] The pasted audit log line lacks: action type, target id, UTC timestamp, request id, outcome" in printed
    assert "missing: request id" in printed
    assert audit.verification("audit-log-line").status is Status.FAIL


def test_plain_alert_challenge_passes_only_with_the_printed_code(tmp_path):
    def paste(printed: str) -> str:
        code = re.search(r"Your one-time code: (LR-[A-Z2-9]{4}-[A-Z2-9]{4})", printed).group(1)
        return f"#ops-alerts, 14:05 UTC, Better Stack: [TEST {code}] admin is down"

    audit, printed = run_interview(tmp_path, {"Run the alert challenge now": True, "Paste the alert as it arrived": paste})
    assert "[PASS] A test alert carrying the one-time code reached a person" in printed
    assert "alert-challenge" not in audit.session.data.pending  # one-time: the code is spent

    audit, printed = run_interview(tmp_path / "again", {
        "Run the alert challenge now": True, "Paste the alert as it arrived": "#ops-alerts 14:05 admin is down"})
    assert "[FAIL] The pasted alert did not carry the one-time code" in printed
    assert audit.verification("alert-challenge").status is Status.FAIL


def test_plain_revocation_drill_times_the_answer(tmp_path):
    audit, printed = run_interview(tmp_path, {
        "Run the alert challenge now": False,
        "Time a revocation drill now": True,
        "Ready? Start the clock": True,
        "Is the open session refused yet?": "Yes: the open session is refused now",
    })
    answer = audit.session.data.answers["access-revocation.revocation-time"]
    assert answer.value == "1s" and "Timed by the wizard's revocation drill" in answer.note
    assert "Measured 1s" in printed
