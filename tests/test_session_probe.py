"""Sessions: ground truth on the demo (cookie sessions) and the Ledger API (bearer JWTs), the forged
tokens, and what the server's own access log shows the probe sent."""

from __future__ import annotations

import time

import pytest

from wizard.demo.app import demo_env
from wizard.demo.repo import make_demo_repo
from wizard.demo.server import DemoServer
from wizard.engine.http import is_unsafe_path
from wizard.probes import jwt as jwts
from wizard.probes.session import max_requests

from targets.audit import bad, demo_config, ledger_config, run_probes
from targets.ledger_api import LedgerApi, ledger_env


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_demo_repo(tmp_path_factory.mktemp("repo") / "r", fixed=False)


def demo_run(tmp_path, repo, fixed: bool, probes=("session",)):
    with DemoServer(fixed=fixed, workdir=tmp_path) as server:
        config = demo_config(tmp_path, server, repo.path, fixed)
        findings, summary = run_probes(config, demo_env(), list(probes))
        return findings, summary, list(server.access_log), config


def pairs(findings) -> set[tuple[str, str]]:
    return {(f.rule, f.title) for f in bad(findings)}


DEMO_FLAWED = {
    ("session.lifetime", "Sessions of 'admin', 'support', 'support2' last 7 days (limit for an admin tool: 8 hours)"),  # B3
    ("session.rotation", "Login keeps the session id the browser already had (session fixation)"),  # B1
    ("session.logout", "Logout does not end the session: the old cookie still works"),  # B2
}
LEDGER_FLAWED = {
    ("session.lifetime", "Sessions of 'finance', 'auditor', 'alice', 'bob' last 30 days (limit for an admin tool: 8 hours)"),  # L8
    ("session.logout", "Logout does not end the session: the old token still works"),  # L9
    ("session.forged-token", "'finance' tokens are signed with a guessable secret ('secret')"),  # L7
}


@pytest.mark.parametrize("fixed", [False, True])
def test_demo_sessions(tmp_path, repo, fixed):
    findings, summary, log, config = demo_run(tmp_path, repo, fixed)
    assert pairs(findings) == (set() if fixed else DEMO_FLAWED)
    assert summary.outcomes == {"session": "ok"}
    assert summary.requests["session"] <= max_requests(config)  # within the announced plan
    # the one deny-listed call: a logout, carrying a session that the probe's own login had just opened
    unsafe = [e for e in log if is_unsafe_path(e["path"])]
    assert [(e["method"], e["path"], e["cookie"]) for e in unsafe] == [("POST", "/logout", True)]
    logins = [i for i, e in enumerate(log) if e["path"] == "/login" and e["method"] == "POST"]
    assert logins and logins[-1] < log.index(unsafe[0])
    if not fixed:
        rotation = next(f for f in findings if f.rule == "session.rotation")
        assert "a made-up id" in rotation.evidence[0]


@pytest.mark.parametrize("fixed", [False, True])
def test_ledger_sessions(tmp_path, fixed):
    with LedgerApi(fixed=fixed) as api:
        config = ledger_config(tmp_path, api.base_url)
        findings, summary = run_probes(config, ledger_env(), ["session"])
        log = list(api.access_log)
    assert pairs(findings) == (set() if fixed else LEDGER_FLAWED)
    assert summary.requests["session"] <= max_requests(config)
    rotation = next(f for f in findings if f.rule == "session.rotation")
    assert rotation.status.value == "n/a"  # a bearer token cannot be planted like a cookie
    # forged tokens went only to the read-only who-am-I route; the logout carried the probe's own token
    forged_paths = {e["path"] for e in log if e["method"] == "GET"}
    assert forged_paths <= {"/v1/me"}
    assert [e["path"] for e in log if e["method"] == "POST" and "logout" in e["path"]] == ["/v1/auth/logout"]
    if not fixed:
        weak = next(f for f in findings if f.rule == "session.forged-token" and f.status.value == "fail")
        assert "The app accepted a token we signed with it." in weak.detail
    text = "\n".join(f.model_dump_json() for f in findings)
    assert "eyJ" not in text  # no token, real or forged, in any finding


def test_no_role_with_a_login_is_skipped_not_guessed(tmp_path):
    from wizard.config import Role

    with LedgerApi(fixed=False) as api:
        config = ledger_config(tmp_path, api.base_url)
        config.roles = {"finance": Role(level=10, token_env="LEDGER_FINANCE_TOKEN")}
        env = {**ledger_env(), "LEDGER_FINANCE_TOKEN": api.issue("carol@ledger.test")}
        findings, _ = run_probes(config, env, ["session"])
        log = list(api.access_log)
    assert [(f.rule, f.status.value) for f in findings] == [("session.not-probed", "skipped")]
    assert [e for e in log if "logout" in e["path"]] == []  # a token from the environment is never logged out


# --------------------------------------------------------------------------- hostile servers

def hostile_config(tmp_path, url: str):
    from wizard.config import load_config

    (tmp_path / "endpoints.txt").write_text("GET /api/me\n", encoding="utf-8")
    path = tmp_path / "launch-ready.toml"
    path.write_text(f"""[target]
url = "{url}"
[endpoints]
list = "endpoints.txt"
from_source = false
discover = false
[roles.admin]
login = {{ route = "POST /login", username_env = "H_USER", password_env = "H_PASS" }}
whoami = "GET /api/me"
logout = "POST /logout"
[consent]
login = true
[limits]
request_timeout = 1.0
""", encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize("behaviour", ["slow", "storm"])
def test_a_slow_or_failing_server_ends_the_session_checks_with_unknown_and_a_reason(tmp_path, behaviour):
    from servers import http_server, reply

    def route(h):
        if behaviour == "slow":
            time.sleep(1.5)
            reply(h, 200, b"{}")
        else:
            reply(h, 503, b"upstream unavailable")

    with http_server(route) as (url, log):
        started = time.monotonic()
        findings, summary = run_probes(hostile_config(tmp_path, url), {"H_USER": "u", "H_PASS": "p-secret-1"}, ["session"])
        took = time.monotonic() - started
    assert summary.outcomes == {"session": "ok"} and took < 20
    unknown = [f for f in findings if f.status.value == "unknown"]
    assert unknown and all(f.detail for f in unknown)
    reason = " ".join(f.detail for f in unknown)
    assert ("within 1 s" in reason) if behaviour == "slow" else ("503" in reason)
    assert not [p for m, p, _ in log if "logout" in p]  # nothing to log out: no session was ever opened


# --------------------------------------------------------------------------- JWT helpers (offline)

def test_jwt_weak_key_is_found_offline_and_forged_copies_are_well_formed():
    token = jwts.sign({"typ": "JWT"}, {"sub": "a@b.c", "iat": 1000, "exp": 4600}, "changeme")
    jwt = jwts.decode(token)
    assert jwt.alg == "HS256" and jwt.lifetime_seconds() == 3600
    assert jwts.guess_key(jwt) == "changeme"
    assert jwts.guess_key(jwts.decode(jwts.sign({}, {"sub": "x"}, "a-long-random-key-nobody-guesses-9f3"))) is None
    none = jwts.decode(jwts.unsigned(jwt))
    assert none.alg == "none" and none.claims == jwt.claims and jwts.unsigned(jwt).endswith(".")
    later = jwts.decode(jwts.resigned_later(jwt, "changeme"))
    assert later.claims["exp"] == 4660 and jwts.guess_key(later) == "changeme"
    assert jwts.decode(jwts.with_random_key(jwt)).claims == jwt.claims
    assert jwts.decode("not.a.jwt") is None and jwts.decode("abc") is None
    assert jwts.decode(jwts.sign({}, {"sub": "x"}, "k")).lifetime_seconds() is None  # no exp: never expires
