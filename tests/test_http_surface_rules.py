"""The HTTP-surface judgements as specifications: thresholds, not exact values; the way browsers read
repeated and comma-joined headers; content signatures instead of status codes."""

from __future__ import annotations

import json

import httpx
import pytest

from wizard.engine.auth import parse_set_cookie
from wizard.engine.http import Response
from wizard.model import Status
from wizard.probes import cookies, cors, headerrules as hr, health
from wizard.probes.bundles import decode_data_url, map_reference, parse_source_map
from wizard.probes.errorpages import find_leak
from wizard.probes.exposure_paths import SENSITIVE_PATHS, directory_listing, env_file, git_head, json_with_secret_keys
from wizard.probes.htmlscan import parse_html
from wizard.probes.monitoring_signals import find_signals
from wizard.probes.transport import judge_first_hop, judge_mixed_content


def H(*pairs: tuple[str, str]) -> httpx.Headers:
    return httpx.Headers(list(pairs))


def resp(url: str, status: int = 200, headers=(), body: bytes = b"") -> Response:
    return Response("GET", url, status, httpx.Headers(list(headers)), body, 0.0)


# -- HSTS -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers, status", [
    ([("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload")], Status.PASS),  # 2 years is fine
    ([("Strict-Transport-Security", "max-age=15552000")], Status.PASS),  # exactly 180 days
    ([("Strict-Transport-Security", 'max-age="31536000"')], Status.PASS),  # quoted value is valid
    ([("Strict-Transport-Security", "max-age=2592000")], Status.WARN),
    ([("Strict-Transport-Security", "max-age=0")], Status.FAIL),
    ([("Strict-Transport-Security", "includeSubDomains")], Status.FAIL),
    ([("Strict-Transport-Security", "max-age=1y")], Status.FAIL),
    ([("Strict-Transport-Security", "max-age=31536000; max-age=31536000")], Status.FAIL),  # repeated directive
    ([("Strict-Transport-Security", "max-age=31536000")] * 2, Status.WARN),
    ([("Strict-Transport-Security", "max-age=31536000, max-age=31536000")], Status.WARN),
    ([("Strict-Transport-Security", "max-age=31536000"), ("Strict-Transport-Security", "max-age=300")], Status.FAIL),
    ([], Status.FAIL),
])
def test_hsts(headers, status):
    assert hr.judge_hsts(H(*headers), 180, https=True).status is status


def test_hsts_needs_https():
    assert hr.judge_hsts(H(("Strict-Transport-Security", "max-age=31536000")), 180, https=False).status is Status.FAIL


# -- CSP ------------------------------------------------------------------------------------------

CSP = "Content-Security-Policy"


@pytest.mark.parametrize("value, status", [
    ("default-src 'self'; object-src 'none'", Status.PASS),
    ("script-src 'self'; object-src 'none'", Status.PASS),
    ("script-src 'self'", Status.WARN),  # plugins unrestricted
    ("default-src 'self'; style-src 'self' 'unsafe-inline'", Status.WARN),
    ("default-src 'self' 'unsafe-inline'", Status.FAIL),
    ("script-src 'self' 'unsafe-inline' 'nonce-abc'; object-src 'none'", Status.PASS),  # ignored next to a nonce
    ("script-src 'self' 'unsafe-eval'; object-src 'none'", Status.FAIL),
    ("script-src *; object-src 'none'", Status.FAIL),
    ("script-src https:; object-src 'none'", Status.FAIL),
    ("script-src 'self' http://cdn.example.com; object-src 'none'", Status.FAIL),
    ("script-src 'nonce-x' 'strict-dynamic' https: http:; object-src 'none'", Status.PASS),  # hosts ignored
    ("img-src 'self'", Status.FAIL),  # no script restriction at all
    ("frame-ancestors 'none'", Status.FAIL),
])
def test_csp_per_directive(value, status):
    assert hr.judge_csp(H((CSP, value))).status is status


def test_every_enforced_policy_applies_so_one_strict_policy_is_enough():
    two_lines = H((CSP, "default-src *"), (CSP, "script-src 'self'; object-src 'none'"))
    comma_joined = H((CSP, "default-src *, script-src 'self'; object-src 'none'"))
    assert hr.judge_csp(two_lines).status is Status.PASS
    assert hr.judge_csp(comma_joined).status is Status.PASS
    assert hr.judge_csp(H((CSP, "default-src *"), (CSP, "img-src *"))).status is Status.FAIL


def test_report_only_and_meta_policies():
    ro = H(("Content-Security-Policy-Report-Only", "default-src 'self'"))
    assert hr.judge_csp(ro).status is Status.WARN
    assert hr.judge_csp(ro, ["default-src 'self'; object-src 'none'"]).status is Status.PASS  # <meta> enforces
    assert hr.judge_csp(H()).status is Status.FAIL


# -- framing, nosniff, referrer, isolation -------------------------------------------------------------

@pytest.mark.parametrize("headers, status", [
    ([(CSP, "frame-ancestors 'none'")], Status.PASS),
    ([(CSP, "frame-ancestors 'self'")], Status.PASS),
    ([(CSP, "frame-ancestors https://portal.example.com")], Status.PASS),
    ([(CSP, "frame-ancestors *"), ("X-Frame-Options", "DENY")], Status.FAIL),  # XFO ignored when frame-ancestors is set
    ([(CSP, "frame-ancestors https:")], Status.FAIL),
    ([("X-Frame-Options", "deny")], Status.PASS),
    ([("X-Frame-Options", "SAMEORIGIN"), ("X-Frame-Options", "SAMEORIGIN")], Status.PASS),
    ([("X-Frame-Options", "DENY, SAMEORIGIN")], Status.WARN),
    ([("X-Frame-Options", "ALLOW-FROM https://a.example")], Status.FAIL),
    ([("X-Frame-Options", "ALLOWALL")], Status.FAIL),
    ([], Status.FAIL),
])
def test_framing(headers, status):
    assert hr.judge_framing(H(*headers)).status is status


def test_nosniff_reads_the_first_value():
    assert hr.judge_nosniff(H(("X-Content-Type-Options", "nosniff, nosniff"))).status is Status.PASS
    assert hr.judge_nosniff(H(("X-Content-Type-Options", "sniff"))).status is Status.WARN
    assert hr.judge_nosniff(H()).status is Status.WARN


@pytest.mark.parametrize("headers, meta, status", [
    ([("Referrer-Policy", "no-referrer")], [], Status.PASS),
    ([("Referrer-Policy", "unsafe-url")], [], Status.FAIL),
    ([("Referrer-Policy", "no-referrer-when-downgrade")], [], Status.FAIL),
    ([("Referrer-Policy", "unsafe-url, strict-origin-when-cross-origin")], [], Status.PASS),  # last valid wins
    ([("Referrer-Policy", "strict-origin"), ("Referrer-Policy", "made-up-policy")], [], Status.PASS),  # unknown skipped
    ([("Referrer-Policy", "bogus")], [], Status.WARN),
    ([], ["same-origin"], Status.PASS),
    ([], [], Status.WARN),
])
def test_referrer_policy(headers, meta, status):
    assert hr.judge_referrer(H(*headers), meta).status is status


def test_isolation_headers_are_optional_hardening():
    assert hr.judge_permissions_policy(H(("Permissions-Policy", "camera=()"))).status is Status.PASS
    assert hr.judge_permissions_policy(H(("Permissions-Policy", "geolocation=*"))).status is Status.WARN
    assert hr.judge_permissions_policy(H(("Feature-Policy", "camera 'none'"))).status is Status.WARN
    assert hr.judge_coop(H(("Cross-Origin-Opener-Policy", "same-origin; report-to=x"))).status is Status.PASS
    assert hr.judge_coop(H(("Cross-Origin-Opener-Policy", "unsafe-none"))).status is Status.WARN
    assert hr.judge_corp(H(("Cross-Origin-Resource-Policy", "cross-origin"))).status is Status.WARN
    for judge in (hr.judge_permissions_policy, hr.judge_coop, hr.judge_corp):
        v = judge(H())
        assert v.status is Status.WARN and "optional hardening" in v.title


@pytest.mark.parametrize("headers, status", [
    ([("Cache-Control", "no-store")], Status.PASS),
    ([("Cache-Control", "private"), ("Cache-Control", "no-store")], Status.PASS),
    ([("Cache-Control", "private, no-cache")], Status.WARN),
    ([("Cache-Control", "max-age=0")], Status.WARN),
    ([("Cache-Control", "public, max-age=600")], Status.FAIL),
    ([("Cache-Control", "max-age=600")], Status.FAIL),
    ([("Cache-Control", "private, max-age=600")], Status.WARN),
    ([("Cache-Control", "s-maxage=60")], Status.FAIL),
    ([], Status.WARN),
])
def test_cache_control_on_logged_in_responses(headers, status):
    assert hr.judge_cache_control(H(*headers)).status is status


def test_banners():
    assert hr.judge_banner(H(("Server", "nginx"))).status is Status.PASS
    assert hr.judge_banner(H(("Server", "nginx/1.25.3"))).status is Status.WARN
    assert hr.judge_banner(H(("X-Powered-By", "Express"))).status is Status.WARN


# -- cookies --------------------------------------------------------------------------------------

def C(line: str):
    c = parse_set_cookie(line)
    assert c is not None
    return c


def test_session_cookie_flags():
    assert cookies.judge_session_flags(C("__Host-s=abcdefgh; Path=/; Secure; HttpOnly; SameSite=Strict"), True).status is Status.PASS
    assert cookies.judge_session_flags(C("s=abcdefgh; Secure; HttpOnly"), True).status is Status.WARN
    assert cookies.judge_session_flags(C("s=abcdefgh; Secure; HttpOnly; SameSite=None"), True).status is Status.WARN
    assert cookies.judge_session_flags(C("s=abcdefgh; HttpOnly; SameSite=Lax"), True).status is Status.FAIL
    assert cookies.judge_session_flags(C("s=abcdefgh; HttpOnly; SameSite=Lax"), False).status is Status.PASS  # plain-HTTP site
    assert cookies.judge_session_flags(C("s=abcdefgh; Secure; SameSite=Lax"), True).status is Status.FAIL
    v = cookies.judge_session_flags(C("s=abcdefgh; Secure; HttpOnly; SameSite=Lax; Domain=example.com"), True)
    assert v.status is Status.WARN and "subdomain" in v.detail


def test_session_lifetime_against_the_admin_limit():
    assert cookies.judge_lifetime(C("s=v; Max-Age=28800"), 8).status is Status.PASS
    assert cookies.judge_lifetime(C("s=v; Max-Age=86400"), 8).status is Status.WARN
    assert cookies.judge_lifetime(C("s=v; Max-Age=604800"), 8).status is Status.FAIL
    assert cookies.judge_lifetime(C("s=v"), 8).status is Status.PASS  # browser session
    # an invalid Max-Age is ignored, so Expires decides (RFC 6265)
    assert cookies.judge_lifetime(C("s=v; Max-Age=soon; Expires=Wed, 01 Jan 2098 00:00:00 GMT"), 8).status is Status.FAIL
    assert cookies.judge_lifetime(C("s=v; Max-Age=600; Expires=Wed, 01 Jan 2098 00:00:00 GMT"), 8).status is Status.PASS
    assert cookies.is_deletion(C("s=; Max-Age=0")) and cookies.is_deletion(C("s=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT"))


def test_cookie_prefixes():
    assert cookies.judge_prefix(C("__Host-s=v; Path=/; Secure")).status is Status.PASS
    assert cookies.judge_prefix(C("__Host-s=v; Path=/app; Secure")).status is Status.FAIL  # browsers drop it
    assert cookies.judge_prefix(C("__Host-s=v; Path=/; Secure; Domain=example.com")).status is Status.FAIL
    assert cookies.judge_prefix(C("__Secure-s=v; Path=/")).status is Status.FAIL
    assert cookies.judge_prefix(C("sessionid=v")).status is Status.WARN


def test_session_and_csrf_cookies_are_told_apart():
    assert cookies.classify(C("csrftoken=v"), by_login=True) == "csrf"
    assert cookies.classify(C("XSRF-TOKEN=v"), by_login=False) == "csrf"
    assert cookies.classify(C("sessionid=v"), by_login=False) == "session"
    assert cookies.classify(C("theme=dark"), by_login=False) == "other"
    assert cookies.classify(C("theme=dark"), by_login=True) == "session"  # set by the login: it carries the session
    # a CSRF cookie must be readable by the page's script: no HttpOnly needed
    assert cookies.judge_csrf_cookie(C("csrftoken=v; Secure; SameSite=Lax"), True).status is Status.PASS
    assert cookies.judge_csrf_cookie(C("csrftoken=v; SameSite=Lax"), True).status is Status.WARN


def test_malformed_cookie_attributes_and_redacted_lines():
    problems = cookies.attribute_problems(C("s=v; Max-Age=forever; Expires=someday; SameSite=Sideways"))
    assert len(problems) == 3
    assert cookies.samesite(C("s=v; SameSite=Sideways")) is None
    line = cookies.redacted_line("s3cretvalue-without-name; HttpOnly")
    assert "s3cretvalue" not in line and "HttpOnly" in line


# -- CORS -----------------------------------------------------------------------------------------

def origin_test(kind, origin, acao=None, creds=False):
    headers = ([("Access-Control-Allow-Origin", acao)] if acao else []) + ([("Access-Control-Allow-Credentials", "true")] if creds else [])
    return cors.OriginTest(kind, origin, "/api", resp("https://a.example/api", 200, headers))


def test_cors_origins_include_lookalikes_of_the_app_origin():
    sent = cors.origins("https://admin.example.com:8443", "abc")
    assert sent["null"] == "null" and sent["foreign"] == "https://lr-abc.example"
    assert sent["prefix"] == "https://evil-admin.example.com:8443"
    assert sent["suffix"] == "https://admin.example.com.evil.example"
    assert sent["insecure"] == "http://admin.example.com:8443"
    assert "insecure" not in cors.origins("http://admin.example.com", "abc")


def test_cors_echo_with_credentials_fails_and_without_warns():
    o = "https://lr-x.example"
    assert cors.judge([origin_test("foreign", o, o, True)], "any website").status is Status.FAIL
    assert cors.judge([origin_test("foreign", o, o.upper(), True)], "any website").status is Status.FAIL
    assert cors.judge([origin_test("foreign", o, o)], "any website").status is Status.WARN
    assert cors.judge([origin_test("foreign", o, "https://admin.example.com", True)], "any website").status is Status.PASS
    assert cors.judge([origin_test("foreign", o, "*")], "any website").status is Status.PASS  # wildcard judged apart
    trusted_http = origin_test("insecure", "http://a.example", "http://a.example", True)
    assert cors.judge([trusted_http], "look-alike origins").status is Status.WARN
    failed = cors.OriginTest("null", "null", "/api", error="timed out")
    assert cors.judge([failed], "null").status is Status.UNKNOWN


# -- transport ------------------------------------------------------------------------------------

def test_first_hop():
    ok = resp("http://a.example/", 301, [("Location", "https://a.example/")])
    assert judge_first_hop([ok, resp("https://a.example/")], "a.example").status is Status.PASS
    rel = resp("http://a.example/", 308, [("Location", "https://a.example/login")])
    assert judge_first_hop([rel], "a.example").status is Status.PASS
    temp = resp("http://a.example/", 307, [("Location", "https://a.example/")])
    assert judge_first_hop([temp], "a.example").status is Status.WARN
    www = resp("http://a.example/", 301, [("Location", "https://www.a.example/")])
    assert judge_first_hop([www], "a.example").status is Status.WARN
    served = resp("http://a.example/", 200)
    assert judge_first_hop([served], "a.example").status is Status.FAIL
    refused_with_403 = resp("http://a.example/", 403)
    assert judge_first_hop([refused_with_403], "a.example").status is Status.WARN


def test_mixed_content_active_fails_passive_warns_links_are_fine():
    page = parse_html('<a href="http://x.example/">link</a><img src="http://x.example/a.png">'
                      '<form action="/save"></form><link rel="stylesheet" href="//cdn.example/a.css">')
    assert judge_mixed_content([("https://a.example/", page)]).status is Status.WARN
    active = parse_html('<script src="http://cdn.example/lib.js"></script>')
    assert judge_mixed_content([("https://a.example/", active)]).status is Status.FAIL
    form = parse_html('<form method="post" action="http://a.example/login"></form>')
    assert judge_mixed_content([("https://a.example/", form)]).status is Status.FAIL
    icon = parse_html('<link rel="icon" href="http://a.example/favicon.ico">')  # not a blockable link type
    assert judge_mixed_content([("https://a.example/", icon)]).status is Status.PASS
    assert judge_mixed_content([("http://a.example/", active)]) is None  # a plain-HTTP page: another check


# -- exposure signatures --------------------------------------------------------------------------

def test_signatures_need_the_content_not_just_a_200():
    spa = b"<!doctype html><html><body><div id=app></div></body></html>"
    for entry in SENSITIVE_PATHS:
        assert entry.signature(spa) is None, entry.path
        assert entry.signature(b"") is None, entry.path
        assert entry.signature(b'{"error": "not found"}') is None, entry.path
    assert env_file(b"# app\nDB_URL=postgres://x\nSECRET_KEY=abc\n") == "2 KEY=value lines (DB_URL, SECRET_KEY)"
    assert env_file(b"Hello world\nA=1\n") is None
    assert git_head(b"ref: refs/heads/main\n") == "git HEAD (ref: refs/heads/main)"
    assert json_with_secret_keys(b'{"apiUrl": "/api", "sentry": {"dsn": "https://k@o1.ingest.sentry.io/1"}}')
    assert json_with_secret_keys(b'{"apiUrl": "/api", "theme": "dark"}') is None
    assert directory_listing(b"<html><title>Index of /static/</title><a href='a.js'>a.js</a></html>")


def test_evidence_names_keys_never_values():
    described = env_file(b"DATABASE_URL=postgres://u:hunter2hunter2@db/x\nAPI_TOKEN=tok_123456789\n")
    assert "hunter2" not in described and "tok_" not in described


@pytest.mark.parametrize("page, leak", [
    ('Traceback (most recent call last):\n  File "/app/x.py", line 3, in f', "Python traceback"),
    ("at com.acme.Foo.bar(Foo.java:42)", "Java stack trace"),
    ("    at Object.<anonymous> (/srv/app/index.js:10:5)", "Node.js stack trace"),
    ("goroutine 1 [running]:", "Go panic"),
    ("SQLSTATE[42000]: Syntax error", "SQL error"),
    ("<h1>Not Found</h1><p>The requested URL was not found on this server.</p>", None),
    ("Cannot GET /launch-ready-x", None),
])
def test_error_page_leaks(page, leak):
    found = find_leak(page)
    assert (found[0] if found else None) == leak


# -- bundles, source maps, monitoring ----------------------------------------------------------------

def test_source_maps_are_recognised_by_content():
    m = json.dumps({"version": 3, "sources": ["a.js"], "mappings": "AAAA"}).encode()
    assert parse_source_map(m) and parse_source_map(b")]}'\n" + m)
    assert parse_source_map(b"<!doctype html><html></html>") is None
    assert parse_source_map(b'{"version": 3}') is None
    js = "var a=1;\n//# sourceMappingURL=app.js.map\n"
    assert map_reference(js, resp("https://a.example/app.js")) == "app.js.map"
    assert map_reference("x", resp("https://a.example/app.js", headers=[("SourceMap", "/maps/app.map")])) == "/maps/app.map"
    assert decode_data_url("data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==") == b'{"version":3}'


def test_monitoring_signals():
    dsn = "https://" + "ab" * 16 + "@o123.ingest.sentry.io/456"
    found = find_signals(f'Sentry.init({{dsn: "{dsn}"}})')
    assert "Sentry" in found and "ab" * 16 not in found["Sentry"] and "o123.ingest.sentry.io/456" in found["Sentry"]
    assert set(find_signals("window.NREUM||(NREUM={}); DD_RUM.init({}); LogRocket.init('a/b'); Bugsnag.start({});"
                            " var _rollbarConfig = {};")) == {"New Relic", "Datadog RUM", "LogRocket", "Bugsnag", "Rollbar"}
    assert find_signals("console.log('sentry of the night')") == {}


# -- health ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, is_health", [
    (b'{"status": "ok"}', True), (b"OK", True), (b"pong", True), (b'{"healthy": true, "checks": []}', True),
    (b"<html><body>ok</body></html>", False), (b'{"error": "not found"}', False), (b"Welcome to our site", False),
])
def test_health_answers_are_recognised_by_content(body, is_health):
    assert (health.health_answer(resp("https://a.example/health", 200, body=body)) is not None) is is_health


def test_health_leaks():
    assert health.leaks({"status": "ok"}) == {}
    told = health.leaks({"status": "ok", "version": "1.2.3", "db": {"host": "postgres://db.internal:5432/app"},
                         "environment": {"APP_ENV": "prod", "LOG_LEVEL": "info"}})
    assert set(told) == {"versions", "env", "hosts"}
    assert set(health.leaks({"status": "ok", "PATH": "/usr/bin", "HOME": "/root", "SECRET_KEY": "x"})) == {"env"}
    assert set(health.leaks("OK v2.3.1")) == {"versions"}


# -- wiring -----------------------------------------------------------------------------------------

def test_every_rule_the_surface_can_emit_informs_a_checklist_item():
    from surface_run import SURFACE_PROBES, default_checklist
    from wizard.probes import load_probe

    checklist = default_checklist()
    unmapped = [(pid, rule) for pid in SURFACE_PROBES for rule in load_probe(pid).rules
                if checklist.item_for_rule(rule) is None]
    assert unmapped == []
    assert checklist.item_for_rule("monitoring.error-tracking") == "monitoring"
    assert checklist.item_for_rule("exposure.source-map") == "exposed-files"
    assert checklist.item_for_rule("transport.hsts-chain") == "tls-dns"


def test_login_plans_name_the_one_shared_login_and_the_extra_request(tmp_path):
    from surface_run import make_config
    from wizard.inventory import load_inventory
    from wizard.probes import load_probe

    config = make_config(tmp_path, "https://admin.example.com")
    endpoints = load_inventory(config)
    assert load_probe("cookies").login_plan(config, endpoints) == [
        "Test role 'tester': 1 login (POST /login), shared by the cookie, CSRF and header checks, to read the session cookie it gets"]
    assert load_probe("http-surface").login_plan(config, endpoints) == [
        "With test role 'tester': GET /api/me to read its Cache-Control header"]
    for pid in ("cors", "csrf", "exposure", "bundles", "health"):
        assert load_probe(pid).login_plan(config, endpoints) == []
    no_roles = make_config(tmp_path, "https://admin.example.com", login=False)
    assert load_probe("cookies").login_plan(no_roles, endpoints) == []
