"""Snapshots of every screen at 120x40 (regenerate with `pytest --snapshot-update` after a deliberate change)."""

from __future__ import annotations

import pytest

from wizard.config import LoginRecipe, Role
from wizard.tui.app import LaunchReadyApp
from wizard.tui.screens.consent import ConsentScreen
from wizard.tui.screens.item import ItemScreen

from tui_helpers import offline_audit

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LAUNCH_READY_HOME", str(tmp_path / "home"))


@pytest.fixture
def app(tmp_path):
    audit = offline_audit(tmp_path)
    audit.answer("access-revocation.can-revoke-quickly", "no")
    audit.answer("monitoring.alert-owner", "Dana [on call]")
    return LaunchReadyApp(audit=audit)


def test_welcome(snap_compare):
    assert snap_compare(LaunchReadyApp(), terminal_size=SIZE)


def test_setup(snap_compare):
    assert snap_compare(LaunchReadyApp(), press=["n"], terminal_size=SIZE)


def test_overview(snap_compare, app):
    assert snap_compare(app, terminal_size=SIZE)


def test_item(snap_compare, app):
    assert snap_compare(app, press=["enter"], terminal_size=SIZE)


def test_item_questions(snap_compare, app):
    async def open_revocation(pilot):
        app.push_screen(ItemScreen("access-revocation"))
        await pilot.pause()
        app.screen.query_one("QuestionBox").scroll_visible(animate=False)
        await pilot.pause()

    assert snap_compare(app, run_before=open_revocation, terminal_size=SIZE)


def test_review(snap_compare, app):
    assert snap_compare(app, press=["v"], terminal_size=SIZE)


def test_help(snap_compare, app):
    assert snap_compare(app, press=["question_mark"], terminal_size=SIZE)


def test_consent(snap_compare, app):
    async def consent(pilot):
        app.push_screen(ConsentScreen("admin.example.test", [
            "1 login as test role 'admin' (POST /login) to read the session cookie it sets",
            "1 login as test role 'admin', then at most 600 read-only GET requests (4/s per route) to: /api/customers",
        ], 1500))
        await pilot.pause()

    assert snap_compare(app, run_before=consent, terminal_size=SIZE)


def test_consent_write(snap_compare, app):
    async def consent(pilot):
        app.push_screen(ConsentScreen("admin.example.test", [
            "input checks as test role 'support': 2 write route(s) (PATCH /api/me, PATCH /api/customers/{id}), one bad "
            "change at a time (11 kinds), only on support's own records, each change put back at once; at most 50 "
            "requests per route, 100 in all",
            "CSRF checks as test role 'support' (cookie logins only): read up to 2 pages for forms, ...",
        ], 1500, tier="write"))
        await pilot.pause()

    assert snap_compare(app, run_before=consent, terminal_size=SIZE)


def test_revocation_drill(snap_compare, tmp_path):
    from wizard.tui.screens.revocation import RevocationScreen

    audit = offline_audit(tmp_path, findings=False)
    audit.config.roles = {"support2": Role(level=1, whoami="GET /api/me",
                                           login=LoginRecipe(username_env="LR_SUPPORT2_USER", password_env="LR_SUPPORT2_PASS"))}
    audit.config.revocation.role = "support2"
    app = LaunchReadyApp(audit=audit)

    async def drill(pilot):
        app.push_screen(ItemScreen("access-revocation"))
        await pilot.pause()
        app.push_screen(RevocationScreen())
        await pilot.pause()

    assert snap_compare(app, run_before=drill, terminal_size=SIZE)


def test_export(snap_compare, app):
    async def export(pilot):
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#folder").value = "/home/founder/launch-ready-report"
        await pilot.pause()

    assert snap_compare(app, run_before=export, terminal_size=SIZE)


def test_overview_small_terminal(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24))
