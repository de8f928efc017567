"""Hostile servers: each ends in a clear `unknown` or `fail` within the time and size budget, and the
rest of the audit goes on (the repository secret scan in the same run still finishes and reports)."""

from __future__ import annotations

import importlib.util
import json
import ssl
import subprocess
import sys
import textwrap
import time
from http.server import BaseHTTPRequestHandler

import pytest

import hostile_servers as hs
from header_profiles import GOOD_HEADERS, throwaway_ca, tls_server
from conftest import CHILD_PEAK_MB
from surface_run import SURFACE_PROBES, assert_ran_ok, make_config, run_surface
from wizard.model import Status

TIMEOUT = 1.5  # seconds per request in these runs
# brotli comes with WeasyPrint (fonttools[woff]); without it httpx never decodes `br`, so no bomb either
needs_brotli = pytest.mark.skipif(importlib.util.find_spec("brotli") is None, reason="the brotli package is not installed")
BUDGET = 12.0  # seconds for the whole run, whatever the server does


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    path = tmp_path_factory.mktemp("repo")
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "first"]):
        if args[0] == "add":
            (path / "README.md").write_text("hello\n")
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=path, check=True)
    return path


def tls_context() -> ssl.SSLContext:
    _, cert = throwaway_ca()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    return ctx


CASES = {
    # name: (behaviour, TLS on the server, scheme the audit uses, expected reachable status, words in the reason)
    "redirect loop": (hs.redirect_loop, False, "http", "fail", "redirect"),
    "10 MB of headers": (hs.ten_megabytes_of_headers, False, "http", "fail", "larger than 100 KB"),
    "gzip bomb": (hs.compression_bomb("gzip"), False, "http", "pass", "size limit"),
    "brotli bomb": (hs.compression_bomb("brotli"), False, "http", "pass", "size limit"),
    "stacked gzip bomb": (hs.compression_bomb("stacked"), False, "http", "fail", "stacked content encodings"),
    "endless chunked body": (hs.endless_chunked, False, "http", "pass", "size limit"),
    "one byte a second": (hs.one_byte_a_second, False, "http", "fail", f"within {TIMEOUT:g} s"),
    "not HTTP on the port": (hs.not_http, False, "http", "fail", "did not speak valid HTTP"),
    "garbage status line": (hs.status_only_garbage, False, "http", "fail", "did not speak valid HTTP"),
    "TLS on a plain port": (hs.not_http, True, "http", "fail", "only speaks TLS"),
    "plain HTTP on a TLS port": (hs.not_http, False, "https", "fail", "TLS handshake failed"),
}


@pytest.mark.parametrize("name", [pytest.param(n, marks=needs_brotli if "brotli" in n else ()) for n in CASES])
def test_hostile_target_ends_clearly_within_budget_and_the_audit_goes_on(name, tmp_path, repo):
    behaviour, tls, scheme, expected, words = CASES[name]
    getattr(behaviour, "prepare", lambda: None)()
    with hs.raw_server(behaviour, tls_context() if tls else None) as port:
        config = make_config(tmp_path, f"{scheme}://127.0.0.1:{port}", http_url=f"http://127.0.0.1:{port}",
                             limits={"request_timeout": TIMEOUT})
        config.target.repo = str(repo)
        started = time.monotonic()
        findings, summary, _ = run_surface(config, SURFACE_PROBES + ["secrets"])
        elapsed = time.monotonic() - started
    assert elapsed < BUDGET, f"{name}: {elapsed:.1f} s"
    assert_ran_ok(summary, SURFACE_PROBES + ["secrets"])  # no probe crashed or timed out
    reachable = next(f for f in findings if f.rule == "http.reachable")
    assert reachable.status.value == expected, (reachable.title, reachable.detail)
    assert words in " ".join([reachable.detail, *reachable.evidence]), reachable.evidence
    assert {f.probe for f in findings} >= set(SURFACE_PROBES)  # every probe said something
    assert any(f.rule == "secrets.clean" and f.status is Status.PASS and f.probe == "secrets" for f in findings)
    if expected == "fail":  # nothing was judged on an answer that never came
        judged = [f for f in findings if f.probe in ("cors", "exposure", "health", "bundles") and f.status is not Status.UNKNOWN
                  and f.status is not Status.NA]
        assert not judged, [(f.rule, f.status.value, f.title) for f in judged]


def hostile_paths_site():
    """A good HTTPS site whose usual exposure and health paths misbehave in every way at once."""
    misbehaving = {"/.env": hs.compression_bomb("gzip"), "/.git/HEAD": hs.endless_chunked,
                   "/server-status": hs.one_byte_a_second, "/debug": hs.redirect_loop,
                   "/health": hs.ten_megabytes_of_headers, "/openapi.json": hs.status_only_garbage,
                   "/backup.zip": hs.compression_bomb("brotli")}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version, sys_version = "ops", ""

        def log_message(self, *args):
            pass

        def do_GET(self):
            behaviour = misbehaving.get(self.path)
            if behaviour:
                self.close_connection = True
                try:
                    behaviour(_Conn(self), self.requestline.encode())
                except OSError:
                    pass
                return
            body = b"<!doctype html><title>ok</title>" if self.path == "/" else b"not found"
            self.send_response(200 if self.path == "/" else 404)
            for k, v in GOOD_HEADERS:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_OPTIONS = do_GET

    return Handler


class _Conn:
    def __init__(self, handler: BaseHTTPRequestHandler):
        self.handler = handler

    def sendall(self, data: bytes) -> None:
        self.handler.wfile.write(data)
        self.handler.wfile.flush()


@needs_brotli
def test_hostile_paths_on_a_good_site_leave_the_rest_of_the_audit_intact(tmp_path):
    for kind in ("gzip", "brotli"):
        hs.bomb(kind)
    with tls_server(hostile_paths_site(), tmp_path) as (server, ca):
        url = f"https://127.0.0.1:{server.server_address[1]}"
        config = make_config(tmp_path, url, ca=ca, endpoints=None, login=False, limits={"request_timeout": TIMEOUT})
        started = time.monotonic()
        findings, summary, _ = run_surface(config)
        elapsed = time.monotonic() - started
    assert elapsed < BUDGET, (elapsed, summary.outcomes)
    assert_ran_ok(summary)
    by_rule: dict = {}
    for f in findings:
        by_rule.setdefault(f.rule, f)
    # the misbehaving paths: no false finding; answers cut at the size limit are judged, silent ones said
    sensitive = by_rule["exposure.sensitive-file"]
    assert sensitive.status is Status.PASS
    reasons = " ".join(sensitive.evidence)
    assert "GET /.env -> 200, 2000000 bytes" in reasons  # the gzip bomb, cut at the size limit
    assert "GET /.git/HEAD -> 200, 2000000 bytes" in reasons  # the endless body, cut too
    assert "GET /backup.zip -> 200, 2000000 bytes" in reasons  # the brotli bomb
    debug = by_rule["exposure.debug-route"]
    assert debug.status is Status.UNKNOWN and debug.title == "1 of 4 well-known addresses gave no answer"
    assert "GET /server-status -> no complete answer within 1.5 s" in debug.evidence  # the trickle
    assert "GET /debug -> 302, 0 bytes" in debug.evidence  # a redirect is an answer, never followed here
    assert by_rule["exposure.api-spec"].status is Status.UNKNOWN  # /openapi.json answers garbage
    health = by_rule["monitoring.health-endpoint"]
    assert health.status is Status.WARN and "GET /health -> the response headers are larger than 100 KB" in health.evidence
    # everything else is judged as usual
    for rule in ("http.reachable", "headers.hsts", "headers.csp", "headers.framing", "cors.foreign-origin",
                 "exposure.verbose-errors"):
        assert by_rule[rule].status is Status.PASS, (rule, by_rule[rule].title)


@needs_brotli
def test_a_compression_bomb_stays_within_memory(tmp_path):
    """Measured in a child process so its peak memory is its own: 1 GB of brotli output, capped at 2 MB."""
    hs.bomb("brotli")
    with hs.raw_server(hs.compression_bomb("brotli")) as port:
        script = textwrap.dedent(f"""
            import asyncio, json
            from wizard.engine.http import ClientPolicy, ScopedClient
            async def main():
                async with ScopedClient(ClientPolicy(scope={{"127.0.0.1"}}, timeout=5)) as c:
                    r = await c.request("GET", "http://127.0.0.1:{port}/", probe="t")
                    return len(r.body), r.truncated
            size, truncated = asyncio.run(main())
            print(json.dumps({{"size": size, "truncated": truncated, "peak_mb": {CHILD_PEAK_MB}}}))
        """)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["size"] == 2_000_000 and got["truncated"]
    assert got["peak_mb"] < 200, got


# -- the client's own defences, one by one --------------------------------------------------------

async def _get(url: str, **policy):
    from wizard.engine.http import ClientPolicy, ScopedClient

    async with ScopedClient(ClientPolicy(scope={"127.0.0.1"}, timeout=TIMEOUT, **policy)) as c:
        return await c.request("GET", url, probe="t")


@pytest.mark.parametrize("encoding", ["gzip", "deflate-zlib", "deflate-raw", "br", "identity", "x-unknown"])
async def test_ordinary_compressed_bodies_still_decode(encoding):
    import gzip as gz
    import zlib

    from servers import http_server, reply

    text = b"<html>" + b"hello world " * 5000 + b"</html>"
    if encoding == "br":
        brotli = pytest.importorskip("brotli")
        body, header = brotli.compress(text), "br"
    elif encoding == "gzip":
        body, header = gz.compress(text), "gzip"
    elif encoding == "deflate-zlib":
        body, header = zlib.compress(text), "deflate"
    elif encoding == "deflate-raw":
        co = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        body, header = co.compress(text) + co.flush(), "deflate"
    else:
        body, header = text, encoding
    with http_server(lambda h: reply(h, 200, body, {"Content-Encoding": header})) as (url, _):
        resp = await _get(url + "/")
    assert resp.body == text and not resp.truncated


async def test_client_failures_say_what_happened():
    from wizard.engine.http import RequestFailed

    from servers import free_port

    with pytest.raises(RequestFailed, match="connection refused"):
        await _get(f"http://127.0.0.1:{free_port()}/")
    with hs.raw_server(hs.ten_megabytes_of_headers) as port:
        with pytest.raises(RequestFailed, match="headers are larger than 100 KB"):
            await _get(f"http://127.0.0.1:{port}/")
    hs.bomb("stacked")
    with hs.raw_server(hs.compression_bomb("stacked")) as port:
        with pytest.raises(RequestFailed, match="stacked content encodings"):
            await _get(f"http://127.0.0.1:{port}/")
    with hs.raw_server(hs.not_http, tls_context()) as port:
        with pytest.raises(RequestFailed, match="only speaks TLS"):
            await _get(f"http://127.0.0.1:{port}/")
