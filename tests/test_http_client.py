"""The one HTTP client enforces the audit's safety rules, whatever a probe asks of it."""

import asyncio
import gzip
import time

import pytest

from wizard.engine.http import (BudgetExhausted, ClientPolicy, OutOfScope, RequestFailed, ScopedClient,
                                TierNotAllowed, UnsafeRoute, USER_AGENT)
from wizard.model import Tier

from servers import http_server, reply


def policy(**kw) -> ClientPolicy:
    kw.setdefault("scope", {"127.0.0.1"})
    kw.setdefault("timeout", 3.0)
    return ClientPolicy(**kw)


async def get(pol, url, **kw):
    async with ScopedClient(pol) as c:
        return await c.request("GET", url, probe="t", **kw), c


async def test_out_of_scope_host_is_never_contacted():
    with http_server(lambda h: reply(h)) as (url, log):
        with pytest.raises(OutOfScope):
            await get(policy(scope={"admin.example.com"}), url + "/")
    assert log == []


async def test_state_changing_routes_are_never_requested_even_with_get():
    with http_server(lambda h: reply(h)) as (url, log):
        for path in ("/admin/users/3/delete", "/api/reset-password", "/db/seed", "/logout", "/api/cache/clear"):
            with pytest.raises(UnsafeRoute):
                await get(policy(), url + path)
        resp, _ = await get(policy(), url + "/api/runs")  # a word inside a word is fine
    assert resp.status == 200 and [p for _, p, _ in log] == ["/api/runs"]


async def test_writes_need_consent_and_delete_needs_allow_delete():
    with http_server(lambda h: reply(h)) as (url, log):
        async with ScopedClient(policy()) as c:
            with pytest.raises(TierNotAllowed):
                await c.request("POST", url + "/api/items", probe="t")
        async with ScopedClient(policy(tier=Tier.LOGIN)) as c:
            await c.request("POST", url + "/login", probe="t", login=True)  # the login tier's one POST
            with pytest.raises(TierNotAllowed):
                await c.request("POST", url + "/api/items", probe="t")
        async with ScopedClient(policy(tier=Tier.DESTRUCTIVE)) as c:
            with pytest.raises(TierNotAllowed):
                await c.request("DELETE", url + "/api/items/1", probe="t")
    assert [(m, p) for m, p, _ in log] == [("POST", "/login")]


async def test_budget_is_global_and_counted_per_probe():
    with http_server(lambda h: reply(h)) as (url, log):
        async with ScopedClient(policy(budget=3, rate_per_host=50)) as c:
            for _ in range(3):
                await c.request("GET", url + "/", probe="a")
            with pytest.raises(BudgetExhausted):
                await c.request("GET", url + "/", probe="b")
            assert dict(c.sent) == {"a": 3}
    assert len(log) == 3


async def test_user_agent_is_recognisable():
    with http_server(lambda h: reply(h)) as (url, log):
        await get(policy(), url + "/")
    assert log[0][2]["user-agent"] == USER_AGENT


async def test_a_trickling_server_ends_within_the_time_limit():
    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Length", "100")
        h.end_headers()
        for _ in range(100):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.5)

    with http_server(trickle) as (url, _):
        started = time.monotonic()
        with pytest.raises(RequestFailed, match="within"):
            await get(policy(timeout=1.5), url + "/")
        assert time.monotonic() - started < 3


async def test_gzip_bomb_is_capped_after_decompression():
    bomb = gzip.compress(b"\0" * 20_000_000)
    with http_server(lambda h: reply(h, 200, bomb, {"Content-Encoding": "gzip"})) as (url, _):
        resp, _ = await get(policy(max_body=100_000), url + "/")
    assert resp.truncated and len(resp.body) == 100_000


async def test_redirect_loop_is_a_clear_failure():
    with http_server(lambda h: reply(h, 302, b"", {"Location": h.path + "x"})) as (url, _):
        with pytest.raises(RequestFailed, match="redirect"):
            await get(policy(), url + "/")


async def test_credentials_are_not_sent_to_another_host_on_redirect():
    with http_server(lambda h: reply(h)) as (other, other_log):
        other = other.replace("127.0.0.1", "localhost")
        with http_server(lambda h: reply(h, 302, b"", {"Location": other + "/landing"})) as (url, _):
            resp, _ = await get(policy(scope={"127.0.0.1", "localhost"}), url + "/", headers={"Authorization": "Bearer s3cr3t-token"})
    assert resp.status == 200
    assert "authorization" not in other_log[0][2]


async def test_redirect_out_of_scope_is_not_followed():
    with http_server(lambda h: reply(h, 301, b"", {"Location": "https://evil.example/"})) as (url, _):
        resp, _ = await get(policy(), url + "/")
    assert resp.status == 301


async def test_not_http_on_the_port_is_a_clear_failure():
    import socket
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()

    def garbage():
        conn, _ = srv.accept()
        conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n" * 3)
        conn.close()

    threading.Thread(target=garbage, daemon=True).start()
    with pytest.raises(RequestFailed, match="HTTP|failed"):
        await get(policy(), f"http://127.0.0.1:{srv.getsockname()[1]}/")
    srv.close()


async def test_per_host_rate_is_respected():
    with http_server(lambda h: reply(h)) as (url, _):
        async with ScopedClient(policy(rate_per_host=10)) as c:
            started = time.monotonic()
            await asyncio.gather(*(c.request("GET", url + "/", probe="t") for _ in range(6)))
            assert time.monotonic() - started >= 0.45  # 6 requests at 10/s: at least 0.5 s of spacing


async def test_cookies_set_for_one_request_are_never_replayed_on_the_next():
    def route(h):
        reply(h, 200, b"ok", {"Set-Cookie": "session=abc123456; Path=/"})

    with http_server(route) as (url, log):
        async with ScopedClient(policy()) as c:
            await c.request("GET", url + "/login", probe="a")
            await c.request("GET", url + "/api/me", probe="b")
    assert "cookie" not in log[1][2]


async def test_a_shared_request_nobody_awaits_ends_with_its_client():
    """A cancelled run leaves the requests several probes shared in flight; closing the client stops
    them, so no request outlives the run (or talks to the target after the person pressed Esc)."""
    def slow(h):
        time.sleep(2)
        reply(h)

    with http_server(slow) as (url, _):
        async with ScopedClient(policy(timeout=5.0)) as c:
            fut = c.shared(c.request("GET", url + "/", probe="t"))
            await asyncio.sleep(0.2)  # the request is on the wire; its only waiter went away
            started = time.monotonic()
        assert fut.cancelled()
        assert time.monotonic() - started < 1  # closed at once, not after the slow answer
        leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert leftovers == []
