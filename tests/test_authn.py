"""Authentication on every route: anonymous and invalid-token requests, judged like a person would."""

from __future__ import annotations

import httpx
import pytest

from wizard.config import Config
from wizard.demo.app import demo_env
from wizard.demo.repo import make_demo_repo
from wizard.demo.server import DemoServer
from wizard.engine.auth import AuthState, SetCookie
from wizard.engine.http import Response
from wizard.model import Status
from wizard.probes.authn import invalid_credentials, judge_anonymous
from wizard.redact import scrub

from servers import http_server, reply
from targets.audit import bad, demo_config, run_probes

HOME = b"<html><h1>Acme</h1></html>"


def resp(status: int, body: bytes = b"", **headers) -> Response:
    return Response("GET", "http://t/x", status, httpx.Headers(headers), body, 0.0)


@pytest.mark.parametrize("answer,status", [
    (resp(401), Status.PASS),
    (resp(403), Status.PASS),
    (resp(302, location="/login?next=/admin"), Status.PASS),
    (resp(302, location="https://sso.example.com/oauth/authorize"), Status.PASS),
    (resp(200, b'<form><input type="password" name="pw"></form>'), Status.PASS),  # the login page, served as 200
    (resp(200, HOME), Status.PASS),  # the public home page (single-page apps)
    (resp(200, b'{"users": []}'), Status.FAIL),
    (resp(302, location="/dashboard"), Status.UNKNOWN),
    (resp(404), Status.UNKNOWN),
    (resp(500), Status.UNKNOWN),
])
def test_what_counts_as_enforced(answer, status):
    assert judge_anonymous(answer, HOME)[0] is status


def test_the_invalid_credential_looks_real_but_is_not():
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzYW0iLCJyb2xlIjoic3VwcG9ydCJ9.c2lnbmF0dXJlLW9mLXRoZS1hcHA"
    state = AuthState("support", token=token, cookies=[SetCookie("__Host-sid", "real-session-value-123")])
    forged = invalid_credentials([state])
    head, payload, sig = forged["Authorization"].removeprefix("Bearer ").split(".")
    assert (head, payload) == tuple(token.split(".")[:2]) and sig != token.split(".")[2]  # a wrong signature
    assert forged["Cookie"].startswith("__Host-sid=launch-ready-invalid-") and "real-session" not in forged["Cookie"]
    assert forged["Authorization"] not in scrub(forged["Authorization"])  # never printed
    assert invalid_credentials([])["Cookie"].startswith("session=launch-ready-invalid-")


def test_an_app_that_accepts_any_session_cookie_is_reported(tmp_path):
    def route(h):
        if h.path in ("/", "/login"):
            return reply(h, 200, HOME)
        cookie = h.headers.get("cookie", "")
        reply(h, 200 if "session=" in cookie else 401, b'{"secret": "payroll 2024"}', {"Content-Type": "application/json"})

    with http_server(route) as (url, log):
        (tmp_path / "endpoints.txt").write_text("GET /api/payroll\nGET /\n")
        config = Config.model_validate({"target": {"url": url}, "endpoints": {"list": "endpoints.txt", "from_source": False,
                                                                           "discover": False}})
        config.base_dir = str(tmp_path)
        findings, _ = run_probes(config, {}, ["authn"])
    assert {(f.rule, f.title) for f in bad(findings)} == {
        ("authn.invalid-token-accepted", "GET /api/payroll accepts an invalid token")}
    sent = [h.get("cookie", "") for m, p, h in log if p == "/api/payroll"]
    assert sent[0] == "" and sent[1].startswith("session=launch-ready-invalid-")


@pytest.fixture(scope="module")
def flawed_repo(tmp_path_factory):
    return make_demo_repo(tmp_path_factory.mktemp("repo") / "r", fixed=False)


def test_ids_come_from_a_test_accounts_list_not_a_placeholder(tmp_path, flawed_repo):
    with DemoServer(fixed=False, workdir=tmp_path) as server:
        config = demo_config(tmp_path, server, flawed_repo.path, False)
        findings, _ = run_probes(config, demo_env(), ["authn"])
        anonymous = [e["path"] for e in server.access_log if not e["cookie"] and e["path"].startswith("/api/customers/")]
    assert anonymous and all(p.rsplit("/", 1)[1] in {str(i) for i in range(101, 113)} for p in anonymous)
    detail = next(f for f in findings if f.title.startswith("GET /api/customers/{customer_id}:"))
    assert detail.status is Status.PASS and "(id from a test account's list)" in detail.evidence[0]


def test_without_the_login_tier_an_id_from_the_sources_is_used(tmp_path, flawed_repo):
    with DemoServer(fixed=False, workdir=tmp_path) as server:
        config = demo_config(tmp_path, server, flawed_repo.path, False, consent__login=False, consent__write=False)
        findings, summary = run_probes(config, demo_env(), ["authn"])
        assert not [e for e in server.access_log if e["method"] == "POST"]  # no login was even tried
    detail = next(f for f in findings if f.title.startswith("GET /api/customers/{customer_id}:"))
    assert detail.evidence[0].startswith("GET /api/customers/101 (no cookie, no token) (id seen in the sources)")
    assert {f.title for f in bad(findings)} >= {"GET /admin/export is open without logging in",
                                                "GET /debug/vars is open without logging in"}


def test_with_no_real_id_known_a_placeholder_is_said_and_a_404_is_unknown(tmp_path):
    def route(h):
        reply(h, 200 if h.path == "/" else 404, HOME if h.path == "/" else b"{}")

    with http_server(route) as (url, log):
        (tmp_path / "endpoints.txt").write_text("GET /api/items/{item_id}\n")
        config = Config.model_validate({"target": {"url": url}, "endpoints": {"list": "endpoints.txt", "from_source": False,
                                                                           "discover": False}})
        config.base_dir = str(tmp_path)
        findings, _ = run_probes(config, {}, ["authn"])
    f = next(f for f in findings if f.rule == "authn.unauthenticated-access")
    assert f.status is Status.UNKNOWN and "404" in f.title
    assert f.evidence[0].startswith("GET /api/items/1 (no cookie, no token) (placeholder id: no real id known)")
