"""The guided verifications in the wizard's item screen, driven through Textual's Pilot."""

from __future__ import annotations

import re
import time

import pytest
from textual.widgets import Button, TextArea

from wizard.audit import Audit
from wizard.config import Config, Target
from wizard.model import Status
from wizard.tui.app import LaunchReadyApp
from wizard.tui.screens.item import ItemScreen
from wizard.tui.widgets.verification import VerificationBox

from repo_fixtures import LAYOUTS

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LAUNCH_READY_HOME", str(tmp_path / "home"))


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


def rendered(widget) -> str:
    return str(widget.render())


async def open_item(app, pilot, item_id: str) -> ItemScreen:
    app.push_screen(ItemScreen(item_id))
    await pilot.pause()
    return app.screen


async def press(pilot, box: VerificationBox, button_id: str) -> None:
    box.query_one(f"#{button_id}", Button).press()
    await pilot.pause(0.1)


async def test_item_screen_shows_the_snippet_for_the_detected_stack(tmp_path):
    repo = LAYOUTS["django"]().make(tmp_path / "repo")
    audit = Audit.start(Config(target=Target(url="https://admin.example.test", repo=str(repo))), tmp_path / "s.json")
    app = LaunchReadyApp(audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        assert app.detected_stack() == "django"
        screen = await open_item(app, pilot, "monitoring")
        info = rendered(screen.query_one("#item-info"))
        assert "  django:" in info and "sentry_sdk.init(" in info
        assert "  express:" not in info


async def test_audit_log_line_is_checked_in_the_item_screen(tmp_path):
    audit = Audit.start(Config(target=Target(url="https://admin.example.test")), tmp_path / "s.json")
    app = LaunchReadyApp(audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_item(app, pilot, "audit-logging")
        box = screen.query_one("#v-audit-logging--audit-log-line", VerificationBox)
        box.query_one(TextArea).text = 'time=2026-11-12T14:03:11 user=dana msg="export downloaded"'
        await press(pilot, box, "check")
        result = rendered(box.query_one("#result"))
        assert "FAIL" in result and "lacks: action type, target id, UTC timestamp, request id, outcome" in result
        assert "missing: request id" in result
        box.query_one(TextArea).text = ('{"ts": "2026-11-12T14:03:11Z", "actor_id": 42, "action": "user.role_changed", '
                                        '"target_id": 1017, "request_id": "r1", "outcome": "success"}')
        await press(pilot, box, "check")
        assert "has all six fields" in rendered(box.query_one("#result"))
        assert box.has_class("verified")
    assert audit.verification("audit-log-line").status is Status.PASS


async def test_alert_challenge_in_the_item_screen(tmp_path):
    audit = Audit.start(Config(target=Target(url="https://admin.example.test")), tmp_path / "s.json")
    app = LaunchReadyApp(audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_item(app, pilot, "monitoring")
        box = screen.query_one("#v-monitoring--test-alert-evidence", VerificationBox)
        box.query_one(TextArea).text = "#ops-alerts 14:02 admin.example.test is down"
        await press(pilot, box, "check")
        assert "no one-time code was shown" in rendered(box.query_one("#result"))
        await press(pilot, box, "start")
        code = re.search(r"LR-[A-Z2-9]{4}-[A-Z2-9]{4}", rendered(box.query_one("#code"))).group(0)
        assert code not in (tmp_path / "s.json").read_text()
        box.query_one(TextArea).text = "#ops-alerts 14:02 admin.example.test is down (no code)"
        await press(pilot, box, "check")
        assert "did not carry the one-time code" in rendered(box.query_one("#result"))
        box.query_one(TextArea).text = f"#ops-alerts, 14:05 UTC, Better Stack: [TEST {code}] admin.example.test is down"
        await press(pilot, box, "check")
        assert "reached a person" in rendered(box.query_one("#result"))
    assert audit.verification("alert-challenge").status is Status.PASS


async def test_revocation_drill_times_the_typed_question(tmp_path):
    from textual.widgets import Input

    from wizard.tui.widgets.question import QuestionBox

    audit = Audit.start(Config(target=Target(url="https://admin.example.test")), tmp_path / "s.json")
    app = LaunchReadyApp(audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_item(app, pilot, "access-revocation")
        question = screen.query_one("#q-access-revocation--revocation-time", QuestionBox)
        drill = screen.query_one("#v-access-revocation--revocation-time", VerificationBox)
        await press(pilot, drill, "stop")
        assert "Start the drill clock first" in rendered(drill.query_one("#result"))
        await press(pilot, drill, "start")
        assert "revocation-drill" in audit.session.data.pending
        await press(pilot, drill, "stop")
        assert question.query_one("#value", Input).value == "1s"
        assert "Measured 1s" in rendered(drill.query_one("#result"))
    answer = audit.session.data.answers["access-revocation.revocation-time"]
    assert answer.value == "1s" and "revocation drill" in answer.note
