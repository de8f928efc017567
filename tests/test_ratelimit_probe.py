"""Rate limits: ground truth on the demo and the Ledger API, the test account never left locked, and
servers that misbehave (slow, failing, locking for an hour) ending the check with a reason."""

from __future__ import annotations

import json
import threading
import time

import pytest

from wizard.checklist.schema import Settings
from wizard.demo.app import DEMO_PASSWORDS, demo_env
from wizard.demo.repo import make_demo_repo
from wizard.demo.server import DemoServer
from wizard.probes.ratelimit import burst_sizes, max_requests

from servers import http_server, reply
from targets.audit import bad, demo_config, ledger_config, run_probes
from targets.ledger_api import LedgerApi, ledger_env


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_demo_repo(tmp_path_factory.mktemp("repo") / "r", fixed=False)


def pairs(findings):
    return {(f.rule, f.status.value, f.title) for f in findings}


def test_burst_stays_within_the_bar_and_the_plan_says_so():
    assert burst_sizes(Settings()) == (12, 3)  # 12 wrong passwords + 3 made-up users = 15 attempts
    assert burst_sizes(Settings(ratelimit_max_attempts=4)) == (4, 0)
    from wizard.config import Config, LoginRecipe, RateLimit, Target
    from wizard.probes.ratelimit import RateLimitProbe

    config = Config(target=Target(url="https://a.example.test"),
                    ratelimit=RateLimit(account=LoginRecipe(username_env="RL_U", password_env="RL_P")))
    plan = " ".join(RateLimitProbe().login_plan(config, []))
    assert "$RL_U" in plan and "at most 12 wrong passwords and 3 logins as a made-up user" in plan
    assert f"at most {max_requests(config, Settings())} requests" in plan


def test_demo_flawed_no_limit_and_user_enumeration(tmp_path, repo):
    with DemoServer(fixed=False, workdir=tmp_path) as server:
        config = demo_config(tmp_path, server, repo.path, False)
        findings, summary = run_probes(config, demo_env(), ["ratelimit"])
        log = list(server.access_log)
    assert {(f.rule, f.title) for f in bad(findings)} == {
        ("ratelimit.login", next(f.title for f in findings if f.rule == "ratelimit.login")),
        ("ratelimit.user-enumeration", "The login tells an unknown user from a wrong password (a different message)"),  # B5
    }
    assert next(f for f in findings if f.rule == "ratelimit.login").title.startswith(
        "No limit on wrong passwords: 12 (15 failed sign-ins in all) in")  # B4: the title counts what its evidence lists
    assert summary.requests["ratelimit"] == len(log) <= max_requests(config, Settings())
    assert len([e for e in log if e["status"] == 401]) == 15  # the whole burst: 15 wrong sign-ins
    assert log[-1]["status"] == 200  # the test account still logs in


# the fixed demo locks the account for 12 s, and the check waits for it
def test_demo_fixed_is_limited_and_the_account_is_unlocked_at_the_end(tmp_path, repo):
    import httpx
    import ssl

    with DemoServer(fixed=True, workdir=tmp_path) as server:
        config = demo_config(tmp_path, server, repo.path, True)
        findings, summary = run_probes(config, demo_env(), ["ratelimit"])
        log = list(server.access_log)
        client = httpx.Client(verify=ssl.create_default_context(cafile=str(server.ca_path)))
        after = client.post(server.https_url + "/login", json={"username": "lockout", "password": DEMO_PASSWORDS["lockout"]})
    assert bad(findings) == []
    assert ("ratelimit.login", "pass", "Login is limited after 10 wrong passwords (13 failed sign-ins in all): 429 Too Many "
            "Requests, Retry-After: 12, says: 'too many'") in pairs(findings)
    assert after.status_code == 200  # never left locked
    assert summary.requests["ratelimit"] == len(log) <= max_requests(config, Settings())


@pytest.mark.parametrize("fixed", [False, True])
def test_ledger(tmp_path, fixed):
    with LedgerApi(fixed=fixed) as api:
        config = ledger_config(tmp_path, api.base_url)
        findings, summary = run_probes(config, ledger_env(), ["ratelimit"])
        log = list(api.access_log)
        still_locked = bool(api.failures.get("dave@ledger.test"))
    if fixed:
        assert bad(findings) == []
        assert any(f.title.startswith("Login is limited after 5 wrong passwords (8 failed sign-ins in all): 429 Too Many "
                                      "Requests, RateLimit-Remaining: 0") for f in findings)
        lock = next(f for f in findings if f.rule == "ratelimit.lockout")
        assert lock.title.startswith("The test account was locked and unlocked itself within")
        assert not still_locked  # the last correct login cleared the failures
    else:
        assert {f.rule for f in bad(findings)} == {"ratelimit.login"}  # L10; same message for unknown users
    assert log[-1]["status"] == 200
    assert summary.requests["ratelimit"] == len(log) <= max_requests(config, Settings())


# --------------------------------------------------------------------------- servers that misbehave

class Login:
    """A login route with a chosen behaviour; 'right-pass-1234' is the test account's password."""

    def __init__(self, behaviour: str, lock_after: int = 5):
        self.behaviour, self.lock_after = behaviour, lock_after
        self.failures = 0
        self.locked_until = 0.0
        self.lock = threading.Lock()

    def __call__(self, h):
        doc = json.loads(h.body or b"{}")
        if h.path == "/otp":
            return reply(h, 401 if self.behaviour != "otp-limited" or self.failures < 3 else 429, b'{"error": "bad code"}',
                         {} if self.behaviour != "otp-limited" or self.failures < 3 else {"Retry-After": "5"}) or self._fail()
        right = doc.get("password") == "right-pass-1234" and doc.get("username") == "lockout"
        with self.lock:
            now = time.monotonic()
            if self.behaviour == "slow":
                time.sleep(1.5)
            if self.behaviour == "storm" and not right:
                return reply(h, 500, b"Internal Server Error")
            if self.behaviour.startswith("lock") and now < self.locked_until:
                if self.behaviour == "lock-hour":
                    return reply(h, 423, b'{"error": "account locked"}', {"Retry-After": "3600"})
                return reply(h, 401, b'{"error": "invalid credentials"}')  # silent lockout
            if self.behaviour == "tarpit" and not right and self.failures >= 4:
                time.sleep(1.3)
            if right:
                self.failures = 0
                return reply(h, 200, b'{"token": "test-account-token-value"}')
            self.failures += 1
            if self.behaviour.startswith("lock") and self.failures >= self.lock_after:
                self.locked_until = now + (3600 if self.behaviour == "lock-hour" else 2.0)
            return reply(h, 401, b'{"error": "invalid credentials"}')

    def _fail(self):
        self.failures += 1


def config_for(tmp_path, url: str, max_wait: float = 3, routes: str = "", timeout: float = 1.0):
    from wizard.config import load_config

    path = tmp_path / "launch-ready.toml"
    path.write_text(f"""[target]
url = "{url}"
[endpoints]
from_source = false
discover = false
[ratelimit]
account = {{ route = "POST /login", username_env = "RL_USER", password_env = "RL_PASS" }}
max_wait_seconds = {max_wait}
{routes}
[consent]
login = true
[limits]
request_timeout = {timeout}
""", encoding="utf-8")
    return load_config(path)


ENV = {"RL_USER": "lockout", "RL_PASS": "right-pass-1234"}


def hostile(tmp_path, behaviour: str, **kw):
    server = Login(behaviour)
    with http_server(server) as (url, log):
        started = time.monotonic()
        findings, summary = run_probes(config_for(tmp_path, url, **kw), ENV, ["ratelimit"])
        took = time.monotonic() - started
    assert summary.outcomes == {"ratelimit": "ok"}, summary.outcomes
    return {f.rule: f for f in findings}, log, took


def test_a_slow_login_ends_the_check_with_a_reason_and_sends_nothing_else(tmp_path):
    found, log, took = hostile(tmp_path, "slow")
    f = found["ratelimit.login"]
    assert f.status.value == "unknown" and "no complete answer within 1 s" in f.detail and "Nothing else was sent" in f.detail
    assert len(log) == 1 and took < 10


def test_a_storm_of_server_errors_stops_the_burst(tmp_path):
    found, log, _ = hostile(tmp_path, "storm")
    f = found["ratelimit.login"]
    assert f.status.value == "unknown" and "answered 500 to 3 attempts in a row" in f.detail
    assert "user-enumeration" not in " ".join(found)  # server errors tell nothing about users
    assert len([1 for m, p, _ in log if p == "/login"]) == 1 + 3 + 1  # right, 3 errors in a row, right


def test_an_hour_long_lockout_is_waited_for_within_the_bound_then_reported(tmp_path):
    found, log, took = hostile(tmp_path, "lock-hour", max_wait=2)
    assert found["ratelimit.login"].title == ("Login is limited after 3 wrong passwords (5 failed sign-ins in all): "
                                              "423 Locked, Retry-After: 3600, says: 'locked'")  # a lockout is a limit
    lock = found["ratelimit.lockout"]
    assert lock.status.value == "unknown" and lock.title == "The test account is still locked after waiting 2 s"
    assert "the server asked to wait 3600 s more" in lock.detail and "$RL_USER" in lock.detail
    assert took < 15


def test_a_silent_lockout_is_waited_out_and_reported(tmp_path):
    found, log, _ = hostile(tmp_path, "lock-silent", max_wait=5)
    assert found["ratelimit.login"].status.value == "pass" and "silent lockout" in found["ratelimit.login"].title
    lock = found["ratelimit.lockout"]
    assert lock.status.value == "warn" and "locked silently" in lock.title
    assert log[-1][0] == "POST"  # the last request was the correct login that worked again


def test_a_clear_slowdown_counts_as_a_limit(tmp_path):
    found, _, _ = hostile(tmp_path, "tarpit", timeout=3.0)
    f = found["ratelimit.login"]
    assert f.status.value == "pass" and "slowed down from" in f.title


def test_reset_and_one_time_code_routes_are_burst_too(tmp_path):
    routes = '[[ratelimit.routes]]\nroute = "POST /otp"\nfields = { username = "{username}", code = "{wrong_code}" }\n'
    found, log, _ = hostile(tmp_path, "plain", routes=routes)
    f = found["ratelimit.other-route"]
    assert f.status.value == "fail" and f.title == "No limit on POST /otp: 12 tries answered normally"
    found, _, _ = hostile(tmp_path, "otp-limited", routes=routes)
    assert found["ratelimit.other-route"].status.value == "pass"


def test_no_dedicated_account_means_nothing_is_sent(tmp_path):
    from wizard.config import load_config

    path = tmp_path / "c.toml"
    with http_server(lambda h: reply(h)) as (url, log):
        path.write_text(f'[target]\nurl = "{url}"\n[consent]\nlogin = true\n', encoding="utf-8")
        findings, _ = run_probes(load_config(path), {}, ["ratelimit"])
    assert [(f.rule, f.status.value) for f in findings] == [("ratelimit.not-probed", "skipped")]
    assert log == []
