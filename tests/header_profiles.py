"""A small HTTPS app with many header, cookie and CORS profiles, and the verdict expected from every
HTTP-surface check on each.

Each profile is served by a real TLS server on 127.0.0.1 (certificate from a throwaway trustme CA),
with a plain-HTTP companion port for the redirect check. Routes: `/` (home), `/login` (GET form,
POST sets the login cookies), `/api/me` (logged-in JSON), `/health`, `/static/app.js`; anything
else is the profile's 404.
"""

from __future__ import annotations

import json
import ssl
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import trustme

# -- profile data ----------------------------------------------------------------------------------

GOOD_HEADERS = [
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("Content-Security-Policy", "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
]
GOOD_LOGIN_COOKIES = ["__Host-sid=4f9c2a7be1d04c6a9e1b7c3d5f8a2e60; Path=/; Max-Age=28800; Secure; HttpOnly; SameSite=Lax"]
GOOD_HOME_COOKIES = ["__Host-csrftoken=8d1e5b3a9c7f4e2d; Path=/; Secure; SameSite=Strict"]
FORM_WITH_TOKEN = '<form method="post" action="/login"><input type="hidden" name="csrfmiddlewaretoken" value="x1y2z3">' \
                  '<input name="username"><input name="password" type="password"></form>'
FORM_WITHOUT_TOKEN = '<form method="post" action="/login"><input name="username"><input name="password" type="password"></form>'
SENTRY_JS = 'Sentry.init({dsn: "https://0123456789abcdef0123456789abcdef@o42.ingest.sentry.io/42"});\n'
PLAIN_JS = "document.title = 'Ops';\n"
TRACEBACK_404 = ('Traceback (most recent call last):\n  File "/srv/app/views.py", line 42, in handler\n'
                 '    raise NotFound(path)\nNotFound: /missing\n')

# The verdict of every check on the good profile; other profiles list what differs.
GOOD_EXPECTED: dict[str, str | None] = {
    "http.reachable": "pass", "transport.https": "pass", "transport.http-redirect": "pass", "transport.hsts-chain": None,
    "transport.mixed-content": "pass",
    "headers.hsts": "pass", "headers.csp": "pass", "headers.framing": "pass", "headers.nosniff": "pass",
    "headers.referrer-policy": "pass", "headers.permissions-policy": "pass", "headers.coop": "pass", "headers.corp": "pass",
    "headers.banner": "pass", "headers.cache-control": "pass",
    "cookies.session-flags": "pass", "cookies.session-lifetime": "pass", "cookies.prefix": "pass",
    "cookies.csrf-cookie": "pass", "cookies.other-flags": None, "cookies.malformed": None, "cookies.none-seen": None,
    "cors.foreign-origin": "pass", "cors.null-origin": "pass", "cors.lookalike-origin": "pass", "cors.wildcard": "pass",
    "csrf.samesite": "pass", "csrf.token": "pass", "csrf.unsafe-get": "pass",
    "exposure.sensitive-file": "pass", "exposure.debug-route": "pass", "exposure.api-spec": "pass",
    "exposure.directory-listing": "pass", "exposure.verbose-errors": "pass", "exposure.source-map": "pass",
    "monitoring.health-endpoint": "pass", "monitoring.health-leak": "pass", "monitoring.error-tracking": "pass",
    "secrets.clean": "pass", "secrets.exposed": None,
}


def without(headers: list[tuple[str, str]], *names: str) -> list[tuple[str, str]]:
    drop = {n.lower() for n in names}
    return [(k, v) for k, v in headers if k.lower() not in drop]


def replace(headers: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    """Swap header values; keyword names use underscores for dashes (Content_Security_Policy)."""
    names = {k.replace("_", "-").lower(): v for k, v in values.items()}
    return without(headers, *names) + [(k.replace("_", "-"), v) for k, v in values.items()]


# CORS behaviours: request Origin (and our own origin) -> headers to add.
def cors_none(origin: str, own: str) -> list[tuple[str, str]]:
    return []


def cors_wildcard(origin: str, own: str) -> list[tuple[str, str]]:
    return [("Access-Control-Allow-Origin", "*")]


def cors_wildcard_credentials(origin: str, own: str) -> list[tuple[str, str]]:
    return [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")]


def cors_reflect_credentials(origin: str, own: str) -> list[tuple[str, str]]:
    return [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true"), ("Vary", "Origin")]


def cors_reflect(origin: str, own: str) -> list[tuple[str, str]]:
    return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]


def cors_null_credentials(origin: str, own: str) -> list[tuple[str, str]]:
    return cors_reflect_credentials(origin, own) if origin == "null" else []


def cors_loose_match(origin: str, own: str) -> list[tuple[str, str]]:
    """An allowlist written as `endswith(host:port) or startswith(scheme://host)`: look-alikes pass."""
    host_port = own.split("://", 1)[1]
    host = host_port.split(":")[0]
    if origin.endswith(host_port) or origin.startswith(f"https://{host}"):
        return cors_reflect_credentials(origin, own)
    return []


@dataclass
class Profile:
    name: str
    headers: list[tuple[str, str]] = field(default_factory=lambda: list(GOOD_HEADERS))
    home_cookies: list[str] = field(default_factory=lambda: list(GOOD_HOME_COOKIES))
    login_cookies: list[str] = field(default_factory=lambda: list(GOOD_LOGIN_COOKIES))
    api_headers: list[tuple[str, str]] = field(default_factory=lambda: [("Cache-Control", "no-store")])
    cors: Callable[[str, str], list[tuple[str, str]]] = cors_none
    form: str = FORM_WITH_TOKEN
    home_extra: str = ""
    js: str = SENTRY_JS
    plain_http: str = "301"  # what the plain-HTTP port does: 301, 302 or 200
    not_found: tuple[int, str] = (404, "Not found")
    extra_paths: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # path -> (status, content type, body)
    expected: dict[str, str | None] = field(default_factory=dict)  # differences from GOOD_EXPECTED

    def expected_verdicts(self) -> dict[str, str | None]:
        return {**GOOD_EXPECTED, **self.expected}


PROFILES: list[Profile] = [
    Profile("good"),
    Profile(
        "mixed",
        headers=[("Strict-Transport-Security", "max-age=2592000"),
                 ("Content-Security-Policy-Report-Only", "default-src 'self'"),
                 ("X-Frame-Options", "SAMEORIGIN")],
        home_cookies=[],
        login_cookies=["sessionid=0a1b2c3d4e5f60718293a4b5c6d7e8f9; Path=/; Max-Age=86400; Secure; HttpOnly"],
        api_headers=[("Cache-Control", "private, max-age=0")],
        form=FORM_WITHOUT_TOKEN, js=PLAIN_JS, plain_http="302",
        expected={"headers.hsts": "warn", "headers.csp": "warn", "headers.nosniff": "warn", "headers.referrer-policy": "warn",
                  "headers.permissions-policy": "warn", "headers.coop": "warn", "headers.corp": "warn",
                  "headers.cache-control": "warn", "cookies.session-flags": "warn", "cookies.session-lifetime": "warn",
                  "cookies.prefix": "warn", "cookies.csrf-cookie": None, "csrf.samesite": "warn", "csrf.token": "warn",
                  "transport.http-redirect": "warn", "monitoring.error-tracking": "warn"},
    ),
    Profile(
        "bad",
        headers=[("Server", "Apache/2.4.41 (Ubuntu)"), ("X-Powered-By", "PHP/7.4.3"), ("Referrer-Policy", "unsafe-url")],
        home_cookies=[],
        login_cookies=["sessionid=0a1b2c3d4e5f60718293a4b5c6d7e8f9; Path=/"],
        api_headers=[("Cache-Control", "public, max-age=3600")],
        cors=cors_reflect_credentials, form=FORM_WITHOUT_TOKEN, js=PLAIN_JS, plain_http="200",
        home_extra='<script src="http://cdn.example.com/lib.js"></script>',
        not_found=(404, TRACEBACK_404),
        extra_paths={"/.git/HEAD": (200, "text/plain", "ref: refs/heads/main\n")},
        expected={"headers.hsts": "fail", "headers.csp": "fail", "headers.framing": "fail", "headers.nosniff": "warn",
                  "headers.referrer-policy": "fail", "headers.permissions-policy": "warn", "headers.coop": "warn",
                  "headers.corp": "warn", "headers.banner": "warn", "headers.cache-control": "fail",
                  "cookies.session-flags": "fail", "cookies.prefix": "warn", "cookies.csrf-cookie": None,
                  "cors.foreign-origin": "fail", "cors.null-origin": "fail", "cors.lookalike-origin": "fail",
                  "csrf.samesite": "warn", "csrf.token": "warn", "transport.http-redirect": "fail",
                  "transport.mixed-content": "fail", "exposure.sensitive-file": "fail", "exposure.verbose-errors": "fail",
                  "monitoring.error-tracking": "warn"},
    ),
    Profile("duplicate-hsts", headers=GOOD_HEADERS + [("Strict-Transport-Security", "max-age=31536000; includeSubDomains")],
            expected={"headers.hsts": "warn"}),
    Profile("conflicting-hsts", headers=GOOD_HEADERS + [("Strict-Transport-Security", "max-age=0")],
            expected={"headers.hsts": "fail"}),
    Profile(
        "comma-joined",
        headers=[("Strict-Transport-Security", "max-age=31536000; includeSubDomains, max-age=31536000; includeSubDomains"),
                 ("Content-Security-Policy", "default-src *, script-src 'self'; object-src 'none'; base-uri 'self'"),
                 ("X-Frame-Options", "SAMEORIGIN, SAMEORIGIN"), ("X-Content-Type-Options", "nosniff, nosniff"),
                 ("Referrer-Policy", "no-referrer, strict-origin-when-cross-origin"),
                 ("Permissions-Policy", "camera=()"), ("Permissions-Policy", "microphone=()"),
                 ("Cross-Origin-Opener-Policy", "same-origin"), ("Cross-Origin-Resource-Policy", "same-origin")],
        api_headers=[("Cache-Control", "private"), ("Cache-Control", "no-store")],
        expected={"headers.hsts": "warn"},
    ),
    Profile(
        "malformed-set-cookie",
        home_cookies=["theme", "__Host-csrftoken=8d1e5b3a9c7f4e2d; Path=/; Secure; SameSite=Strict"],
        login_cookies=["__Host-sid=4f9c2a7be1d04c6a9e1b7c3d5f8a2e60; Path=/; Max-Age=forever; SameSite=Sideways; Secure; HttpOnly"],
        expected={"cookies.malformed": "warn", "cookies.session-flags": "warn", "csrf.samesite": "warn"},
    ),
    Profile("report-only-csp",
            headers=replace(without(GOOD_HEADERS, "Content-Security-Policy"),
                            Content_Security_Policy_Report_Only="default-src 'self'; object-src 'none'", X_Frame_Options="DENY"),
            expected={"headers.csp": "warn"}),
    Profile("unsafe-inline-csp",
            headers=replace(GOOD_HEADERS, Content_Security_Policy="default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; frame-ancestors 'self'"),
            expected={"headers.csp": "fail"}),
    Profile("nonce-csp",
            headers=replace(GOOD_HEADERS, Content_Security_Policy="script-src 'nonce-r4nd0m' 'unsafe-inline' 'strict-dynamic' https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"),
            expected={}),
    Profile("xfo-allow-from",
            headers=replace(without(GOOD_HEADERS, "Content-Security-Policy"), Content_Security_Policy="default-src 'self'; object-src 'none'",
                            X_Frame_Options="ALLOW-FROM https://portal.example.com"),
            expected={"headers.framing": "fail"}),
    Profile("conflicting-xfo",
            headers=replace(without(GOOD_HEADERS, "Content-Security-Policy"), Content_Security_Policy="default-src 'self'; object-src 'none'")
            + [("X-Frame-Options", "DENY"), ("X-Frame-Options", "SAMEORIGIN")],
            expected={"headers.framing": "warn"}),
    Profile("wildcard-acao", cors=cors_wildcard, expected={"cors.wildcard": "warn"}),
    Profile("wildcard-with-credentials", cors=cors_wildcard_credentials, expected={"cors.wildcard": "warn"}),
    Profile("null-origin-echo", cors=cors_null_credentials, expected={"cors.null-origin": "fail"}),
    Profile("reflected-origin-credentials", cors=cors_reflect_credentials,
            expected={"cors.foreign-origin": "fail", "cors.null-origin": "fail", "cors.lookalike-origin": "fail"}),
    Profile("reflected-origin-no-credentials", cors=cors_reflect,
            expected={"cors.foreign-origin": "warn", "cors.null-origin": "warn", "cors.lookalike-origin": "warn"}),
    Profile("lookalike-origin", cors=cors_loose_match, expected={"cors.lookalike-origin": "fail"}),
]


# -- the servers ----------------------------------------------------------------------------------

def home_page(p: Profile) -> str:
    return (f"<!doctype html><html><head><title>Ops</title><script src=\"/static/app.js\"></script></head>"
            f"<body><h1>Ops console</h1><a href=\"/login\">Sign in</a>{p.home_extra}</body></html>")


def login_page(p: Profile) -> str:
    return f"<!doctype html><html><head><title>Sign in</title></head><body>{p.form}</body></html>"


def make_handler(p: Profile, own_origin: Callable[[], str]):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version, sys_version = "ops", ""  # no version banner unless a profile adds one

        def log_message(self, *args):
            pass

        def _send(self, status: int, ctype: str, body: str, headers=(), cookies=()) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            origin = self.headers.get("Origin")
            for k, v in list(headers) + (p.cors(origin, own_origin()) if origin else []):
                self.send_header(k, v)
            for c in cookies:
                self.send_header("Set-Cookie", c)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/":
                self._send(200, "text/html; charset=utf-8", home_page(p), p.headers, p.home_cookies)
            elif path == "/login":
                self._send(200, "text/html; charset=utf-8", login_page(p), p.headers)
            elif path == "/api/me":
                if self.headers.get("Cookie"):
                    self._send(200, "application/json", '{"user": "tester"}', p.api_headers)
                else:
                    self._send(401, "application/json", '{"error": "login required"}', p.api_headers)
            elif path == "/health":
                self._send(200, "application/json", '{"status": "ok"}')
            elif path == "/static/app.js":
                self._send(200, "application/javascript", p.js)
            elif path in p.extra_paths:
                status, ctype, body = p.extra_paths[path]
                self._send(status, ctype, body)
            else:
                self._send(p.not_found[0], "text/plain", p.not_found[1], p.headers)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/login":
                self._send(200, "application/json", json.dumps({"ok": True}), p.headers, p.login_cookies)
            else:
                self._send(405, "text/plain", "no")

        def do_OPTIONS(self):
            self._send(204, "text/plain", "")

    return Handler


@dataclass
class Served:
    url: str
    http_url: str
    ca_path: Path


def _start(server: ThreadingHTTPServer) -> threading.Thread:
    server.daemon_threads = True
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    return t


@lru_cache(maxsize=1)
def throwaway_ca() -> tuple[trustme.CA, trustme.LeafCert]:
    """One throwaway CA and leaf certificate (127.0.0.1 and localhost) for every test server: key
    generation is the slow part."""
    ca = trustme.CA()
    return ca, ca.issue_cert("127.0.0.1", "localhost")


@contextmanager
def tls_server(handler_factory, tmp: Path, port: int = 0):
    """(server, CA path) for an HTTPS server on 127.0.0.1 whose certificate covers 127.0.0.1 and localhost."""
    ca, cert = throwaway_ca()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    ca_path = tmp / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_factory)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    _start(server)
    try:
        yield server, ca_path
    finally:
        server.shutdown()
        server.server_close()


def plain_redirector(mode: str, target: Callable[[], str], *, port: int = 0) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version, sys_version = "redirector", ""

        def log_message(self, *args):
            pass

        def do_GET(self):
            if mode == "200":
                body = b"<html>the whole app over plain HTTP</html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
            else:
                body = b""
                self.send_response(int(mode))
                self.send_header("Location", target() + self.path)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    _start(server)
    return server


@contextmanager
def serve_profile(p: Profile, tmp: Path):
    origin: list[str] = []
    with tls_server(make_handler(p, lambda: origin[0]), tmp) as (server, ca_path):
        origin.append(f"https://127.0.0.1:{server.server_address[1]}")
        plain = plain_redirector(p.plain_http, lambda: origin[0])
        try:
            yield Served(origin[0], f"http://127.0.0.1:{plain.server_address[1]}", ca_path)
        finally:
            plain.shutdown()
            plain.server_close()
