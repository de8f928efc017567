"""The revocation drill: the person disables a test account, the tool measures how long its open
session still works. Driven as a function, through the TUI (Pilot) and through the plain prompts."""

from __future__ import annotations

import io
import threading
import time

import pytest

from wizard.demo.run import DemoAudit
from wizard.drill import DrillRunner, RevocationDrill, drill_limits, drill_plan
from wizard.errors import UserError

from targets.ledger_api import LedgerApi, ledger_env


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LAUNCH_READY_HOME", str(tmp_path / "home"))


def short(audit, poll: float = 0.2, watch_minutes: float = 0.03):
    audit.config.revocation.poll_seconds = poll
    audit.checklist.settings.revocation_drill_minutes = watch_minutes  # 1.8 s: a test, not a real drill
    return audit


def drive(audit, disable) -> tuple[object, list[tuple[str, str]]]:
    events: list[tuple[str, str]] = []
    ready = threading.Event()

    def emit(kind, text):
        events.append((kind, text))
        if kind != "tick":
            ready.set()

    runner = DrillRunner(RevocationDrill(audit), emit).start()
    assert ready.wait(20) and events[-1][0] == "ready", events
    disable()
    runner.disabled()
    return runner.join(30), events


@pytest.mark.parametrize("fixed", [False, True])
def test_demo_drill(tmp_path, fixed):
    demo = DemoAudit(fixed, tmp_path, None, "drill")
    try:
        audit = short(demo.audit)
        finding, events = drive(audit, lambda: demo.server.app.state.demo.disable("support2"))
        log = list(demo.server.access_log)
    finally:
        demo.stop()
    assert finding is not None and finding.item == "access-revocation"
    assert finding in audit.session.findings  # saved in the audit like any probe's finding
    if fixed:
        assert finding.status.value == "pass"
        assert finding.title == "Disabling the account ended its open session after 0 s"
    else:  # B10: disabling blocks new logins only
        assert finding.status.value == "fail" and finding.rule == "revocation.session-after-disable"
        assert finding.title.startswith("The open session still worked") and "the session itself lasts 7 days" in finding.detail
        assert any(kind == "tick" for kind, _ in events)
    tries = drill_limits(audit)[2]  # the bound the plan announces
    assert f"({tries} requests at most)" in " ".join(drill_plan(audit))
    assert [e["path"] for e in log][:2] == ["/login", "/api/me"]
    assert len(log) <= 2 + tries and {e["path"] for e in log[2:]} <= {"/api/me"}


@pytest.mark.parametrize("fixed", [False, True])
def test_ledger_drill(tmp_path, fixed, monkeypatch):
    from wizard.audit import Audit

    from targets.audit import ledger_config

    for k, v in ledger_env().items():
        monkeypatch.setenv(k, v)
    with LedgerApi(fixed=fixed) as api:
        audit = short(Audit.start(ledger_config(tmp_path, api.base_url), None, name="drill"))
        finding, _ = drive(audit, lambda: api.disable("bob@ledger.test"))
    assert finding.status.value == ("pass" if fixed else "fail")  # L13: a stateless token outlives the account


def test_cancelling_records_nothing(tmp_path):
    demo = DemoAudit(False, tmp_path, None, "drill")
    try:
        events, ready = [], threading.Event()
        runner = DrillRunner(RevocationDrill(short(demo.audit)), lambda k, t: (events.append((k, t)), ready.set())).start()
        assert ready.wait(20)
        runner.cancel()
        assert runner.join(10) is None and events[-1] == ("done", "Drill cancelled: nothing recorded.")
        assert not [f for f in demo.audit.session.findings if f.rule.startswith("revocation.")]
    finally:
        demo.stop()


def test_the_drill_says_what_is_missing(tmp_path):
    from wizard.audit import Audit
    from wizard.config import Config, LoginRecipe, Revocation, Role, Target

    config = Config(target=Target(url="https://a.example.test"))
    with pytest.raises(UserError, match=r"\[revocation\] role"):
        drill_plan(Audit.start(config, None))
    config = Config(target=Target(url="https://a.example.test"), revocation=Revocation(role="ops"),
                    roles={"ops": Role(login=LoginRecipe(username_env="U", password_env="P"))})
    with pytest.raises(UserError, match="whoami"):
        drill_plan(Audit.start(config, None))


async def test_tui_drill_from_the_access_revocation_item(tmp_path):
    from wizard.tui.screens.item import ItemScreen
    from wizard.tui.screens.revocation import RevocationScreen

    from tui_helpers import OpenedApp

    demo = DemoAudit(False, tmp_path, tmp_path / "s.json", "drill")
    try:
        audit = short(demo.audit)
        app = OpenedApp(audit)
        app.demo = demo
        async with app.run_test(size=(120, 40)) as pilot:
            app.push_screen(ItemScreen("authentication"))
            await pilot.pause()
            await pilot.press("d")  # not this item's key: nothing happens
            await pilot.pause()
            assert isinstance(app.screen, ItemScreen)
            app.pop_screen()
            app.push_screen(ItemScreen("access-revocation"))
            await pilot.pause()
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, RevocationScreen)
            assert demo.server.access_log == []  # the plan is shown first; nothing sent yet
            await pilot.press("s")
            deadline = time.monotonic() + 20
            while app.screen.state != "ready":
                assert time.monotonic() < deadline
                await pilot.pause(0.1)
            await pilot.press("x")  # the demo disables 'support2' for the person
            while app.screen.state != "done":
                assert time.monotonic() < deadline + 20
                await pilot.pause(0.1)
            status = str(app.screen.query_one("#drill-status").render())
            assert "still worked" in status
            await pilot.press("escape")
            await pilot.pause(0.3)
            assert isinstance(app.screen, ItemScreen)
            info = str(app.screen.query_one("#item-info").render())
            assert "The open session still worked" in info
    finally:
        demo.stop()
    assert [f.rule for f in audit.session.findings if f.rule.startswith("revocation.")] == ["revocation.session-after-disable"]


def test_plain_mode_runs_the_drill_when_asked(tmp_path):
    from wizard.plain import PlainWizard

    from test_consent_flow import Fake

    demo = DemoAudit(True, tmp_path, None, "drill")
    try:
        out = io.StringIO()
        wizard = PlainWizard(q=Fake({"Run the revocation drill now?": True, "Disable it in the demo app": True}), out=out)
        wizard.audit, wizard.demo = short(demo.audit), demo
        wizard.maybe_revocation_drill()
    finally:
        demo.stop()
        wizard.demo = None
    printed = out.getvalue()
    assert "Revocation drill" in printed and "1 login as test role 'support2'" in printed
    assert "Drill result: Disabling the account ended its open session after 0 s" in printed
