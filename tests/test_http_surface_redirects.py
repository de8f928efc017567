"""HTTP to HTTPS on the real ports: plain HTTP on 127.0.0.1:80, HTTPS on 127.0.0.1:443.

The redirect check only means something on the default ports (the config gives no http_url, so the
probe derives http://HOST/ as a browser would). Binding them needs root: CI runs as root and runs
these; elsewhere they are skipped.
"""

from __future__ import annotations

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from header_profiles import tls_server, _start
from surface_run import make_config, run_surface, verdicts

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="binding ports 80 and 443 needs root (CI runs as root)")

HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def handler(routes: dict):
    """A handler whose answers come from `routes` (path -> (status, headers)), changeable per test."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version, sys_version = "t", ""

        def log_message(self, *args):
            pass

        def do_GET(self):
            status, headers = routes.get(self.path, routes.get("*", (404, [])))
            body = b"<html>ok</html>" if status == 200 else b""
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture(scope="module")
def ports(tmp_path_factory):
    """(plain routes, TLS routes, CA path): servers on 80 and 443, routes set by each test."""
    plain_routes: dict = {}
    tls_routes: dict = {}
    try:
        plain = ThreadingHTTPServer(("127.0.0.1", 80), handler(plain_routes))
    except OSError as err:
        pytest.fail(f"cannot bind 127.0.0.1:80 as root: {err}")
    _start(plain)
    try:
        with tls_server(handler(tls_routes), tmp_path_factory.mktemp("tls"), port=443) as (_, ca):
            yield plain_routes, tls_routes, ca
    except OSError as err:
        pytest.fail(f"cannot bind 127.0.0.1:443 as root: {err}")
    finally:
        plain.shutdown()
        plain.server_close()


def run(ports, tmp_path, plain: dict, tls: dict, scope=("127.0.0.1",)):
    plain_routes, tls_routes, ca = ports
    plain_routes.clear(), plain_routes.update(plain)
    tls_routes.clear(), tls_routes.update(tls)
    config = make_config(tmp_path, "https://127.0.0.1", ca=ca, scope=list(scope), endpoints=None, login=False)
    findings, _, _ = run_surface(config, ["http-surface"])
    return verdicts(findings), {f.rule: f for f in findings}


GOOD_TLS = {"/": (200, [HSTS])}


def test_nothing_on_port_80_is_a_mild_warning(tmp_path):
    # Runs before the module's servers bind port 80 (pytest keeps file order).
    with tls_server(handler(GOOD_TLS), tmp_path, port=443) as (_, ca):
        config = make_config(tmp_path, "https://127.0.0.1", ca=ca, endpoints=None, login=False)
        findings, _, _ = run_surface(config, ["http-surface"])
    f = next(f for f in findings if f.rule == "transport.http-redirect")
    assert (f.status.value, f.title) == ("warn", "Plain HTTP is not served at all")


def test_permanent_redirect_on_the_same_host_passes(ports, tmp_path):
    got, by_rule = run(ports, tmp_path, {"*": (301, [("Location", "https://127.0.0.1/")])}, GOOD_TLS)
    assert got["transport.http-redirect"] == "pass" and got["headers.hsts"] == "pass"
    assert "transport.hsts-chain" not in got  # no HTTPS redirect on the way in
    assert by_rule["transport.http-redirect"].location.url == "http://127.0.0.1"


def test_temporary_redirect_warns(ports, tmp_path):
    got, _ = run(ports, tmp_path, {"*": (302, [("Location", "https://127.0.0.1/")])}, GOOD_TLS)
    assert got["transport.http-redirect"] == "warn"


def test_plain_http_serving_the_app_fails(ports, tmp_path):
    got, _ = run(ports, tmp_path, {"*": (200, [])}, GOOD_TLS)
    assert got["transport.http-redirect"] == "fail"


def test_first_hop_to_another_host_warns(ports, tmp_path):
    got, by_rule = run(ports, tmp_path, {"*": (301, [("Location", "https://localhost/")])}, GOOD_TLS,
                       scope=("127.0.0.1", "localhost"))
    assert got["transport.http-redirect"] == "warn"
    assert "another host" in by_rule["transport.http-redirect"].title


APEX_TO_WWW = {"*": (301, [("Location", "https://127.0.0.1/")])}  # 127.0.0.1 plays example.com, localhost www


def test_a_host_that_only_redirects_without_hsts_warns(ports, tmp_path):
    tls = {"/": (301, [("Location", "https://localhost/home")]), "/home": (200, [HSTS])}
    got, by_rule = run(ports, tmp_path, APEX_TO_WWW, tls, scope=("127.0.0.1", "localhost"))
    assert got["transport.http-redirect"] == "pass" and got["headers.hsts"] == "pass"
    assert got["transport.hsts-chain"] == "warn"
    assert "https://127.0.0.1/" in by_rule["transport.hsts-chain"].detail and "127.0.0.1 stays open" in by_rule["transport.hsts-chain"].detail


def test_hsts_from_every_host_on_the_way_passes_the_chain(ports, tmp_path):
    tls = {"/": (301, [("Location", "https://localhost/home"), HSTS]), "/home": (200, [HSTS])}
    got, _ = run(ports, tmp_path, APEX_TO_WWW, tls, scope=("127.0.0.1", "localhost"))
    assert got["transport.hsts-chain"] == "pass"


def test_a_same_host_redirect_without_hsts_is_fine_when_the_host_sends_it(ports, tmp_path):
    tls = {"/": (302, [("Location", "https://127.0.0.1/login")]), "/login": (200, [HSTS])}
    got, _ = run(ports, tmp_path, APEX_TO_WWW, tls)
    assert got["transport.hsts-chain"] == "pass"


def test_redirect_that_never_reaches_https_fails(ports, tmp_path):
    plain = {"/": (301, [("Location", "http://127.0.0.1/home")]), "/home": (200, [])}
    got, _ = run(ports, tmp_path, plain, GOOD_TLS)
    assert got["transport.http-redirect"] == "fail"


def test_plain_http_redirect_loop_is_judged_on_its_first_hop(ports, tmp_path):
    plain = {"/": (301, [("Location", "http://127.0.0.1/a")]), "/a": (301, [("Location", "http://127.0.0.1/")])}
    got, by_rule = run(ports, tmp_path, plain, GOOD_TLS)
    assert got["transport.http-redirect"] == "warn"
    assert "redirect" in by_rule["transport.http-redirect"].detail
