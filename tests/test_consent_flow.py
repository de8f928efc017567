"""Consent, tier by tier: the login tier and the write tier are each shown with their plan and asked
for on their own (TUI and plain prompts); `scan` takes consent only from its flags or the config.
Nothing reaches the server before the answer: the server's own access log says so."""

from __future__ import annotations

import io
import time

import pytest

from wizard.audit import Audit
from wizard.tui.screens.consent import ConsentScreen

from targets.audit import ledger_config
from targets.ledger_api import LedgerApi, ledger_env
from tui_helpers import OpenedApp

FAST = ["session", "input", "csrf-active"]  # the tiers' own probes; latency sampling would only slow the test


@pytest.fixture(autouse=True)
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("LAUNCH_READY_HOME", str(tmp_path / "home"))
    for k, v in ledger_env().items():
        monkeypatch.setenv(k, v)
    original = Audit.probes
    monkeypatch.setattr(Audit, "probes", lambda self, only=None, skip=None: original(self, only or FAST, skip))


def writes(log) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in log if e["method"] in ("PUT", "PATCH", "DELETE")
            or (e["method"] == "POST" and not e["path"].startswith("/v1/auth/"))]


async def wait_for(pilot, condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.1)


@pytest.mark.parametrize("allow_write", [False, True])
async def test_tui_asks_for_each_tier_with_its_plan_and_sends_nothing_before(tmp_path, allow_write):
    with LedgerApi(fixed=True) as api:
        audit = Audit.start(ledger_config(tmp_path, api.base_url, write=True), tmp_path / "s.json")
        app = OpenedApp(audit)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), 10)
            assert app.screen.tier == "login" and any("session checks" in line for line in app.screen.plan)
            assert not any("input checks" in line for line in app.screen.plan)  # the write plan is asked for apart
            assert api.access_log == []
            await pilot.press("y")
            await wait_for(pilot, lambda: getattr(app.screen, "tier", "") == "write", 10)
            assert any("input checks as test role 'alice'" in line for line in app.screen.plan)
            assert api.access_log == []
            await pilot.press("y" if allow_write else "n")
            await wait_for(pilot, lambda: bool(audit.session.data.runs) and audit.session.data.runs[-1].finished)
        log = list(api.access_log)
    assert log and log[0]["path"] != "/v1/me"
    assert bool(writes(log)) is allow_write
    assert any(e["path"] == "/v1/auth/token" for e in log)  # the login tier was allowed in both cases


async def test_tui_declining_the_login_tier_sends_only_read_only_requests(tmp_path):
    with LedgerApi(fixed=True) as api:
        audit = Audit.start(ledger_config(tmp_path, api.base_url, write=True), tmp_path / "s.json")
        app = OpenedApp(audit)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), 10)
            await pilot.press("n")
            await wait_for(pilot, lambda: bool(audit.session.data.runs) and audit.session.data.runs[-1].finished)
            await pilot.press("r")  # asked again on the next run: a "no" is for one run only
            await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen), 10)
            assert app.screen.tier == "login"
            await pilot.press("escape")
            await wait_for(pilot, lambda: len(audit.session.data.runs) == 2 and audit.session.data.runs[-1].finished)
        log = list(api.access_log)
    assert all(e["method"] in ("GET", "HEAD", "OPTIONS") for e in log)


class Fake:
    """Answers confirm prompts by their text and records every prompt (like test_plain's fake)."""

    def __init__(self, answers: dict[str, bool]):
        self.answers, self.asked = answers, []

    def confirm(self, message, default=True, **kw):
        self.asked.append(message)
        value = next((v for k, v in self.answers.items() if k in message), default)
        return type("P", (), {"ask": lambda self: value})()


@pytest.mark.parametrize("allow_write", [False, True])
def test_plain_mode_shows_both_plans_and_asks_twice(tmp_path, allow_write):
    from wizard.plain import PlainWizard

    with LedgerApi(fixed=True) as api:
        fake = Fake({"Run the automated checks now?": True, "Allow logging in": True, "Also allow these changes": allow_write})
        out = io.StringIO()
        wizard = PlainWizard(q=fake, out=out)
        wizard.audit = Audit.start(ledger_config(tmp_path, api.base_url, write=True), tmp_path / "s.json")
        original = wizard.audit.run_probes

        def run_probes(**kw):
            assert api.access_log == []  # nothing before both answers
            return original(**kw)

        wizard.audit.run_probes = run_probes
        wizard.maybe_run_checks()
        log = list(api.access_log)
    printed = out.getvalue()
    assert "session checks" in printed and "input checks as test role 'alice'" in printed
    assert printed.index("session checks") < printed.index("input checks")
    assert [m for m in fake.asked if "allow" in m.lower()] == ["Allow logging in with the test accounts for this run?",
                                                               "Also allow these changes on staging for this run?"]
    assert bool(writes(log)) is allow_write


def test_plain_mode_never_asks_for_writes_on_production(tmp_path):
    from wizard.plain import PlainWizard

    with LedgerApi(fixed=True) as api:
        config = ledger_config(tmp_path, api.base_url, write=True)
        config.target.environment = "production"
        fake = Fake({"Run the automated checks now?": True, "Allow logging in": True, "Also allow": True})
        wizard = PlainWizard(q=fake, out=io.StringIO())
        wizard.audit = Audit.start(config, tmp_path / "s.json")
        wizard.maybe_run_checks()
        log = list(api.access_log)
    assert not [m for m in fake.asked if "Also allow" in m]
    assert writes(log) == []


def scan(tmp_path, config_path, *flags):
    from wizard.commands import run_scan

    return run_scan(config_path=config_path, url=None, repo=None, domain=None, endpoints=None, ca_bundle=None,
                    dns_server=None, only=FAST, skip=None, answers_path=None, checklist_dir=None,
                    session_path=tmp_path / f"scan-{len(flags)}-{time.monotonic_ns()}.json", resume=False,
                    formats=["json"], out=tmp_path / "r.json", fail_on="never", consent_login="--consent-login" in flags,
                    consent_write="--consent-write" in flags, allow_delete=False, log_file=None)


def test_scan_takes_consent_only_from_flags_or_the_config(tmp_path, capsys):
    with LedgerApi(fixed=True) as api:
        config = ledger_config(tmp_path, api.base_url)  # written with login = true: switch consent off in the file
        path = tmp_path / "launch-ready.toml"
        path.write_text(path.read_text().replace("login = true\nwrite = false", "login = false\nwrite = false"))
        scan(tmp_path, path)
        assert all(e["method"] == "GET" for e in api.access_log)  # no flag, no consent: nothing but reads
        n = len(api.access_log)
        scan(tmp_path, path, "--consent-login")
        assert any(e["path"] == "/v1/auth/token" for e in api.access_log[n:]) and writes(api.access_log) == []
        err = capsys.readouterr().err
        assert "Login tier (consented by --consent-login or the config):" in err and "Write tier" not in err
        scan(tmp_path, path, "--consent-login", "--consent-write")
        assert writes(api.access_log)
        assert "Write tier on staging (consented by --consent-write or the config):" in capsys.readouterr().err
