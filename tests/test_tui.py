"""The wizard driven through Textual's Pilot: every screen and the flows a person relies on."""

from __future__ import annotations

from pathlib import Path

import asyncio
import json
import time

import pytest
from textual.widgets import DataTable, Input, RadioSet

from wizard.audit import Audit
from wizard.config import Config, Target
from wizard.session import AuditSession
from wizard.tui.app import LaunchReadyApp
from wizard.tui.screens.item import ItemScreen
from wizard.tui.screens.overview import OverviewScreen
from wizard.tui.screens.review import ReviewScreen
from wizard.tui.screens.welcome import WelcomeScreen
from wizard.tui.widgets.question import QuestionBox

from servers import http_server, reply
from tui_helpers import OpenedApp, offline_audit

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LAUNCH_READY_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


async def wait_for(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.1)


async def open_item(pilot, app, item_id: str) -> ItemScreen:
    """From the overview, open one checklist item the way a person does: move to its row, press enter."""
    app.screen.query_one(DataTable).move_cursor(row=app.audit.checklist.order.index(item_id))
    await pilot.press("enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ItemScreen) and screen.item_id == item_id
    return screen


async def answer_first_choice(pilot, screen: ItemScreen, qid: str, option_index: int) -> None:
    box = screen.query_one(f"#q-{qid.replace('.', '--')}", QuestionBox)
    radios = box.query_one(RadioSet)
    radios.focus()
    await pilot.pause()
    for _ in range(option_index):
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_welcome_offers_resume_new_and_demo(tmp_path, home):
    offline_audit(home / "sessions" if False else tmp_path)  # a session outside the index is not listed
    Audit.start(Config(target=Target(url="https://a.example.test")), home / "sessions" / "mine.json", name="mine")
    app = LaunchReadyApp()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        labels = [str(o.prompt) for o in app.screen.query_one("#welcome-options").options]
        assert labels[0].startswith("Resume 'mine'") and "https://a.example.test" in labels[0]
        assert any("new audit" in l for l in labels) and any("demo" in l for l in labels)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen) and app.audit.session.data.name == "mine"


async def test_new_audit_setup_validates_and_tests_the_connection(home):
    with http_server(lambda h: reply(h, 200, b"<html>ok</html>")) as (url, log):
        app = LaunchReadyApp()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n")
            await pilot.pause()
            app.screen.query_one("#url", Input).value = "not a url"
            await pilot.click("#create")
            await pilot.pause()
            assert "not an http(s) URL" in str(app.screen.query_one("#setup-error").render())
            app.screen.query_one("#url", Input).value = url
            app.screen.query_one("#name", Input).value = "acme staging"
            await pilot.click("#test")
            await wait_for(pilot, lambda: "Connected" in str(app.screen.query_one("#setup-error").render()), 10)
            await pilot.click("#create")
            await pilot.pause()
            assert isinstance(app.screen, OverviewScreen)
            saved = json.loads(app.audit.session.path.read_text())
            assert saved["name"] == "acme staging" and saved["target"]["target"]["url"] == url
        assert [p for _, p, _ in log] == ["/"]  # the connection test sent one GET, nothing else


async def test_answering_in_the_item_screen_saves_and_updates_the_status(tmp_path):
    audit = offline_audit(tmp_path)
    app = OpenedApp(audit)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_item(pilot, app, "access-revocation")
        await answer_first_choice(pilot, screen, "access-revocation.can-revoke-quickly", 1)  # "no"
        saved = AuditSession.load(audit.session.path).data.answers
        assert saved["access-revocation.can-revoke-quickly"].value == "no"
        assert audit.verdict().item("access-revocation").status.value == "fail"


async def test_untrusted_text_is_shown_literally_not_as_markup(tmp_path):
    app = OpenedApp(offline_audit(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # first item: authentication, whose evidence holds "[bold]id[/bold]"
        await pilot.pause()
        info = str(app.screen.query_one("#item-info").render())
        assert "[bold]id[/bold]" in info


async def test_editing_an_answer_in_review_changes_the_verdict(tmp_path):
    audit = offline_audit(tmp_path)
    audit.answer("latency.p95-ms", 300)
    app = OpenedApp(audit)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        before = audit.verdict()
        assert before.item("latency").status.value == "pass"
        table = app.screen.query_one(DataTable)
        keys = [str(k.value) for k in table.rows]
        table.move_cursor(row=keys.index("latency.p95-ms"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ItemScreen) and app.screen.item_id == "latency"
        box = app.screen.query_one("#q-latency--p95-ms", QuestionBox)
        value = box.query_one("#value", Input)
        value.value = "900"
        value.focus()
        await pilot.press("enter")
        await pilot.pause(0.2)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert audit.verdict().item("latency").status.value == "fail"
        assert "900" in str(app.screen.query_one(DataTable).get_row("latency.p95-ms"))


async def test_bad_answer_shows_a_clear_message_and_saves_nothing(tmp_path):
    audit = offline_audit(tmp_path)
    app = OpenedApp(audit)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ItemScreen("access-revocation"))
        await pilot.pause()
        box = app.screen.query_one("#q-access-revocation--revocation-time", QuestionBox)
        value = box.query_one("#value", Input)
        value.value = "soonish"
        value.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "not a duration" in str(box.query_one("#error").render())
        assert "access-revocation.revocation-time" not in audit.session.data.answers


async def test_skip_and_not_applicable_mark_items(tmp_path):
    audit = offline_audit(tmp_path)
    app = OpenedApp(audit)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=audit.checklist.order.index("edge-performance"))
        await pilot.press("n")
        await pilot.pause()
        assert audit.verdict().item("edge-performance").status.value == "n/a"
        await pilot.press("n")  # again: undo
        await pilot.pause()
        assert audit.verdict().item("edge-performance").status.value != "n/a"
        await pilot.press("s")
        await pilot.pause()
        assert AuditSession.load(audit.session.path).data.overrides["edge-performance"].status == "skipped"


async def test_help_and_export_from_the_keyboard(tmp_path):
    app = OpenedApp(offline_audit(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert "launch bar" in " ".join(str(w.render()) for w in app.screen.query("Static"))
        await pilot.press("escape")
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#folder", Input).value = str(tmp_path / "out")
        await pilot.click("#export")
        await wait_for(pilot, lambda: (tmp_path / "out" / "report.html").exists()
                       and "Written" in str(app.screen.query_one("#export-result").render()), 60)
        assert (tmp_path / "out" / "report.pdf").read_bytes().startswith(b"%PDF")


def _slow_server(h):
    if h.path.startswith("/slow"):
        time.sleep(0.4)
    reply(h, 200, b"<html>fine</html>")


async def test_cancelling_a_run_stops_it_and_keeps_the_app_usable(tmp_path):
    with http_server(_slow_server) as (url, log):
        endpoints = tmp_path / "endpoints.txt"
        endpoints.write_text("GET /slow public\nGET /slow2 public\n")
        config = Config(target=Target(url=url))
        config.endpoints.list = str(endpoints)
        audit = Audit.start(config, tmp_path / "s.json")
        app = OpenedApp(audit)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await wait_for(pilot, lambda: app.probe_run is not None and app.screen.done_probes >= 2, 20)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.probe_run is None, 20)
            assert audit.session.data.runs[-1].outcome == "cancelled"
            await pilot.pause()
            assert "Checks cancelled" in str(app.screen.query_one("#run-status").render())
            log_lines = str(app.screen.query_one("#run-log").render()).splitlines()
            assert 1 <= len(log_lines) <= 8  # what ran last, not the first eight probes
            await pilot.press("v")  # still usable
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)


async def test_a_crashing_probe_becomes_unknown_and_a_notification(tmp_path, monkeypatch):
    from wizard.probes.web import HttpSurfaceProbe

    async def boom(self, ctx):
        raise RuntimeError("probe bug")
        yield  # pragma: no cover

    monkeypatch.setattr(HttpSurfaceProbe, "run", boom)
    with http_server(lambda h: reply(h)) as (url, _):
        audit = Audit.start(Config(target=Target(url=url)), tmp_path / "s.json")
        app = OpenedApp(audit)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await wait_for(pilot, lambda: bool(audit.session.data.runs) and app.probe_run is None, 30)
            assert any("crashed" in n.message for n in app._notifications)
            assert audit.verdict().item("security-headers").status.value == "unknown"


async def test_resume_after_a_kill_loses_nothing(tmp_path):
    audit = offline_audit(tmp_path)
    app = OpenedApp(audit)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ItemScreen("access-revocation"))
        await pilot.pause()
        await answer_first_choice(pilot, app.screen, "access-revocation.can-revoke-quickly", 0)
    # No save on exit is needed: a fresh app resuming the file sees the answer.
    app2 = LaunchReadyApp(session_path=audit.session.path)
    async with app2.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app2.screen, OverviewScreen)
        assert app2.audit.session.data.answers["access-revocation.can-revoke-quickly"].value == "yes"


async def test_resuming_a_corrupt_session_says_so_and_keeps_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1, "checkl')
    app = LaunchReadyApp(session_path=bad)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        assert any("corrupt or truncated" in n.message for n in app._notifications)
    assert bad.read_text() == '{"schema_version": 1, "checkl'


async def test_quit_during_a_run_asks_first(tmp_path):
    with http_server(_slow_server) as (url, _):
        endpoints = tmp_path / "endpoints.txt"
        endpoints.write_text("GET /slow public\n")
        config = Config(target=Target(url=url))
        config.endpoints.list = str(endpoints)
        app = OpenedApp(Audit.start(config, tmp_path / "s.json"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await wait_for(pilot, lambda: app.probe_run is not None, 10)
            await pilot.press("q")
            await pilot.pause()
            assert "still running" in " ".join(str(w.render()) for w in app.screen.query("Static"))
            await pilot.press("n")
            await pilot.pause()
            assert app.is_running


@pytest.mark.slow
async def test_demo_from_the_welcome_screen_to_the_pdf(tmp_path):
    app = LaunchReadyApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen), 30)
        await pilot.press("r")
        await wait_for(pilot, lambda: getattr(app.screen, "tier", "") == "login", 10)
        assert app.demo.server.access_log == []  # nothing is sent before consent
        await pilot.press("y")
        await wait_for(pilot, lambda: getattr(app.screen, "tier", "") == "write", 10)  # the write tier is asked on its own
        assert app.demo.server.access_log == []
        await pilot.press("y")
        await wait_for(pilot, lambda: bool(app.audit.session.data.runs) and app.audit.session.data.runs[-1].finished, 180)
        await pilot.press("A")
        await pilot.pause()
        assert app.audit.verdict().status == "NOT READY"
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#folder", Input).value = str(tmp_path / "demo-report")
        await pilot.click("#export")
        await wait_for(pilot, lambda: (tmp_path / "demo-report" / "report.pdf").exists(), 60)
        await pilot.press("escape")
        await pilot.press("q")
    assert app.demo is not None and not app.demo.server.running


async def test_resuming_a_demo_audit_starts_the_demo_again(tmp_path, home):
    """The demo's app and files end with the run; a resumed demo audit gets them back (r and A work)."""
    app = LaunchReadyApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen), 30)
        app.audit.answer("access-revocation.can-revoke-quickly", "yes")
        path, old_url = app.audit.session.path, app.audit.config.target.url
        await pilot.press("q")
    assert not Path(app.audit.config.resolve(app.audit.config.endpoints.list)).exists()  # the old run's files are gone
    app2 = LaunchReadyApp(session_path=path)
    async with app2.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app2.screen, OverviewScreen), 30)
        assert app2.demo is not None and app2.audit.session.path == path
        assert app2.audit.session.data.answers["access-revocation.can-revoke-quickly"].value == "yes"
        assert app2.audit.config.target.url != old_url or app2.demo.server.running
        await pilot.press("r")
        await wait_for(pilot, lambda: getattr(app2.screen, "tier", "") == "login", 10)  # the plan, not a crash
        await pilot.press("n")
        await pilot.press("q")


async def test_a_moved_endpoint_list_is_a_message_not_a_crash(tmp_path):
    endpoints = tmp_path / "endpoints.txt"
    endpoints.write_text("GET /api/me\n")
    config = Config(target=Target(url="https://admin.example.test"))
    config.endpoints.list = str(endpoints)
    config.consent.login = True
    audit = Audit.start(config, tmp_path / "s.json")
    endpoints.unlink()
    app = OpenedApp(audit)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, OverviewScreen)
        assert any("endpoint list not found" in n.message for n in app._notifications)


async def test_item_notes_and_severity_override_are_kept_for_the_report(tmp_path):
    audit = offline_audit(tmp_path)
    app = OpenedApp(audit, call_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ItemScreen("deployment"))
        await pilot.pause(0.3)
        note = app.screen.query_one("#item-note", Input)
        assert app.focused is note  # discovery-call mode: ready to type
        await pilot.press(*"rollback is manual", "enter")
        await pilot.pause()
        note.blur()
        await pilot.press("o", "o")  # severity: critical, then high
        await pilot.pause()
    saved = AuditSession.load(audit.session.path).data.overrides["deployment"]
    assert saved.note == "rollback is manual" and saved.severity == "high"
    from wizard.report.data import build_report_data

    data = build_report_data(audit.checklist, audit.session, audit.verdict(), None)
    row = next(r for r in data.items if r.id == "deployment")
    assert row.override_note == "rollback is manual"


async def test_next_and_previous_item_keys(tmp_path):
    app = OpenedApp(offline_audit(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("right_square_bracket", "right_square_bracket", "left_square_bracket")
        await pilot.pause()
        assert app.screen.item_id == app.audit.checklist.order[1]


async def test_setup_rejects_a_bad_dns_server_with_a_plain_message(home):
    app = LaunchReadyApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#url", Input).value = "https://admin.example.test"
        app.screen.query_one("#dns_server", Input).value = "not a server:xx"
        await pilot.click("#create")
        await pilot.pause()
        message = str(app.screen.query_one("#setup-error").render())
        assert "dns_server" in message and "Traceback" not in message
        assert app.audit is None


def test_the_run_log_shows_what_runs_now_then_what_finished_last():
    screen = OverviewScreen()
    screen.probe_lines = {f"p{i}": f"line {i}" for i in range(14)}
    screen.finished_order = [f"p{i}" for i in range(12)]  # p12 and p13 still running
    lines = screen._log_lines(8)
    assert lines[:2] == ["line 12", "line 13"]
    assert lines[2:7] == ["line 11", "line 10", "line 9", "line 8", "line 7"]
    assert lines[7] == "  … and 7 more finished earlier"
    assert len(screen._log_lines(20)) == 14


async def test_a_jumps_from_the_explanations_to_the_first_question(tmp_path):
    app = OpenedApp(offline_audit(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ItemScreen("access-revocation"))
        await pilot.pause()
        assert "press a to jump to them" in str(app.screen.query_one("#item-info").render())
        await pilot.press("a")
        await pilot.pause()
        focused = app.focused
        assert focused is not None and any(type(w).__name__ == "QuestionBox" for w in focused.ancestors)
        heading = app.screen.query_one("#questions")
        assert heading.region.y >= 0 and heading.region.y < SIZE[1]  # on screen


def test_help_text_is_reflowed_into_paragraphs_for_the_dialog():
    from wizard.tui.screens.help import reflow

    assert reflow("Keys: a jumps,\nesc goes back.\n\nNext paragraph\n- a bullet\n- another") == \
        "Keys: a jumps, esc goes back.\n\nNext paragraph\n- a bullet\n- another"


async def test_a_yes_the_audit_disproves_is_flagged_beside_the_question(tmp_path):
    """'Does every route need a login? yes' while the audit found an open admin route: the wizard says so
    under the question as soon as the answer is given, as the report will."""
    audit = offline_audit(tmp_path)  # it holds a failing authn.unauthenticated-access finding
    app = OpenedApp(audit)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_item(pilot, app, "authentication")
        qid = "authentication.every-route-requires-login"
        box = screen.query_one("#q-" + qid.replace(".", "--"), QuestionBox)
        assert str(box.query_one("#audit-says").render()) == ""
        await answer_first_choice(pilot, screen, qid, 0)  # "yes"
        assert audit.session.data.answers[qid].value == "yes"
        said = str(box.query_one("#audit-says").render())
        assert said == "The audit found otherwise: GET /admin/export is open without logging in"
        await answer_first_choice(pilot, screen, qid, 1)  # "no": nothing to contradict
        assert str(box.query_one("#audit-says").render()) == ""
        await answer_first_choice(pilot, screen, qid, 1)  # from "no", one down: "don't know", which the audit knows
        assert audit.session.data.answers[qid].value is None
        assert str(box.query_one("#audit-says").render()) == (
            "The audit answered it: GET /admin/export is open without logging in")
