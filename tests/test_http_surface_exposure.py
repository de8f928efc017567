"""Exposed files, debug routes, bundles and health endpoints against real servers: found when they are
really there, silent when a site answers 200 (or the same canned text) to every path."""

from __future__ import annotations

import json

import pytest

from servers import http_server, reply
from surface_run import assert_ran_ok, make_config, run_surface, verdicts
from wizard.model import Status

SPA = b"<!doctype html><html><head><title>App</title><script src='/assets/app.js'></script></head><body><div id=app></div></body></html>"


def everything_200(h):
    if h.path == "/assets/app.js":
        reply(h, 200, b"console.log('app');", {"Content-Type": "application/javascript"})
    else:
        reply(h, 200, SPA, {"Content-Type": "text/html"})


@pytest.mark.parametrize("route", [
    everything_200,
    lambda h: reply(h, 200, b'{"status": "ok", "error": null}', {"Content-Type": "application/json"}),  # an API catch-all
    lambda h: reply(h, 200, b"APP_ENV=prod\nDEBUG=false\n", {"Content-Type": "text/plain"}),  # a .env-like text everywhere
])
def test_a_site_answering_200_to_everything_yields_no_exposure_finding(route, tmp_path):
    with http_server(route) as (url, log):
        findings, summary, _ = run_surface(make_config(tmp_path, url, endpoints=None, login=False), ["exposure", "bundles", "health"])
    assert_ran_ok(summary, ["exposure", "bundles", "health"])
    bad = [(f.rule, f.title) for f in findings if f.rule.startswith(("exposure.", "secrets.")) and f.status in (Status.FAIL, Status.WARN)]
    assert bad == []
    assert not any(f.rule == "monitoring.health-endpoint" and f.status is Status.PASS for f in findings)
    assert len(log) < 40  # bounded


SECRET_DB_PASSWORD = "Zq8" + "vR2mK9tLw4xPnB7"  # assembled: no secret-shaped literal in the source


def leaky_site(h):
    files = {
        "/": (200, "text/html", b"<html><script src='/js/main.js'></script><script>window.cfg={}</script></html>"),
        "/.env": (200, "text/plain", f"APP_ENV=prod\nDATABASE_URL=postgres://app:{SECRET_DB_PASSWORD}@db.internal/app\n".encode()),
        "/.git/HEAD": (200, "text/plain", b"ref: refs/heads/main\n"),
        "/backup.sql": (200, "application/sql", b"-- PostgreSQL database dump\nCREATE TABLE users (id int);\n"),
        "/.DS_Store": (200, "application/octet-stream", b"\x00\x00\x00\x01Bud1" + b"\x00" * 64),
        "/actuator/env": (200, "application/json", b'{"activeProfiles": ["prod"], "propertySources": []}'),
        "/openapi.json": (200, "application/json", json.dumps({"openapi": "3.0.3", "paths": {"/a": {}}}).encode()),
        "/js/": (200, "text/html", b"<html><title>Index of /js/</title><a href='main.js'>main.js</a></html>"),
        "/js/main.js": (200, "application/javascript", b"var x = 1;\n//# sourceMappingURL=main.js.map\n"),
        "/js/main.js.map": (200, "application/json", json.dumps({"version": 3, "sources": ["src/main.ts"], "mappings": "AAAA",
                                                                   "sourcesContent": ["const y = 2;"]}).encode()),
        "/healthz": (200, "application/json", b'{"status": "UP", "version": "4.2.0", "db": "postgres://db.internal:5432"}'),
    }
    status, ctype, body = files.get(h.path.split("?")[0], (404, "text/plain", b"not found"))
    reply(h, status, body, {"Content-Type": ctype})


def test_real_exposures_are_found_and_described_without_values(tmp_path):
    with http_server(leaky_site) as (url, _):
        findings, _, _ = run_surface(make_config(tmp_path, url, endpoints=None, login=False), ["exposure", "bundles", "health"])
    by_rule: dict[str, list] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    titles = sorted(f.title for f in by_rule["exposure.sensitive-file"] if f.status is not Status.PASS)
    assert [t.split(" is public")[0] for t in titles] == ["/.DS_Store", "/.env", "/.git/HEAD", "/backup.sql"]
    v = verdicts(findings)
    assert v["exposure.sensitive-file"] == "fail" and v["exposure.debug-route"] == "fail"
    assert v["exposure.api-spec"] == "warn" and v["exposure.directory-listing"] == "warn"
    assert v["exposure.source-map"] == "warn" and v["monitoring.health-leak"] == "warn"
    assert v["secrets.exposed"] == "fail"
    secret = next(f for f in by_rule["secrets.exposed"])
    assert secret.data["rule"] == "url-credentials" and secret.location.url.endswith("/.env")
    assert SECRET_DB_PASSWORD not in json.dumps([f.model_dump(mode="json") for f in findings])


def test_stack_traces_on_missing_and_malformed_requests(tmp_path):
    def route(h):
        if "%ff" in h.path.lower():
            reply(h, 500, b"Error: URIError: URI malformed\n    at decodeURIComponent (<anonymous>)\n"
                          b"    at Layer.match (/srv/app/node_modules/express/lib/router/layer.js:123:14)")
        else:
            reply(h, 404, b"Cannot GET " + h.path.encode())

    with http_server(route) as (url, log):
        findings, _, _ = run_surface(make_config(tmp_path, url, endpoints=None, login=False), ["exposure"])
    f = next(f for f in findings if f.rule == "exposure.verbose-errors")
    assert f.status is Status.FAIL and "Node.js stack trace" in f.evidence[0]
    assert any("%ff%fe%" in path for _, path, _ in log)  # the malformed request went out as written
