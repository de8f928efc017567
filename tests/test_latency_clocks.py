"""The ScopedClient's phase stamps (`timings=True`) and the three clocks read off them."""

import pytest

from wizard.engine.http import ClientPolicy, RequestFailed, ScopedClient
from wizard.latency import clocks

from delay_server import DelayServer, Fixed, Route
from servers import free_port


def policy(**kw) -> ClientPolicy:
    kw.setdefault("scope", {"127.0.0.1"})
    kw.setdefault("timeout", 3.0)
    kw.setdefault("rate_per_host", 50)
    return ClientPolicy(**kw)


@pytest.fixture(scope="module")
def server():
    with DelayServer({"/slow": Route(Fixed(0.1)), "/stuck": Route(Fixed(5.0)), "/zero": Route(Fixed(0.0))}) as srv:
        yield srv


async def test_timings_stamp_each_phase_and_the_wait_clock_matches_what_the_server_served(server):
    async with ScopedClient(policy()) as client:
        first = await client.request("GET", server.url + "/slow", probe="t", timings=True)
        second = await client.request("GET", server.url + "/slow", probe="t", timings=True)
        plain = await client.request("GET", server.url + "/zero", probe="t")
    st = first.timings
    order = ["start", "connect_tcp.started", "connect_tcp.complete", "send_request_headers.started",
             "send_request_body.complete", "receive_response_headers.complete", "receive_response_body.complete", "end"]
    assert [st[k] for k in order] == sorted(st[k] for k in order)
    assert "connect_tcp.started" not in second.timings  # a reused connection has no connect phase
    assert plain.timings is None  # nothing changes for callers that do not ask
    held = server.served_on("/slow")[1].held
    sample = clocks.from_response(second.timings["start"], second.timings["start"], second.timings, 200, 0.0)
    assert abs(sample.wait - held) < 0.02
    assert sample.total >= sample.wait and sample.error is None and not sample.new_connection


async def test_a_new_connection_is_timed_apart_from_the_request(server):
    async with ScopedClient(policy()) as client:
        resp = await client.request("GET", server.url + "/zero", probe="t", timings=True)
    st = resp.timings
    sample = clocks.from_response(st["start"], st["start"], st, resp.status, 0.0)
    assert sample.new_connection and sample.connect > 0
    assert sample.total == pytest.approx(st["end"] - st["start"] - sample.connect)


async def test_failures_say_what_kind_they_are(server):
    async with ScopedClient(policy(timeout=0.3)) as client:
        with pytest.raises(RequestFailed) as slow:
            await client.request("GET", server.url + "/stuck", probe="t", timings=True)
        with pytest.raises(RequestFailed) as refused:
            await client.request("GET", f"http://127.0.0.1:{free_port()}/", probe="t", timings=True)
    assert slow.value.kind == "timeout" and refused.value.kind == "connect"


def test_a_timeout_counts_at_the_time_limit_and_errors_are_classed():
    s = clocks.from_failure(intended=1.0, issued=1.001, ended=1.2, kind="timeout", timeout=10.0, run_start=0.0)
    assert s.total == 10.0 and s.error == "timeout" and s.wait is None
    assert clocks.from_failure(1.0, 1.0, 1.05, "connect", 10.0, 0.0).error == "connection"
    assert [clocks.error_class(c) for c in (200, 302, 404, 429, 503)] == [None, None, "http-4xx", "http-429", "http-5xx"]


def test_total_time_runs_from_the_intended_start_so_a_late_send_is_not_hidden():
    stamps = {"send_request_body.complete": 10.2, "receive_response_headers.complete": 10.3, "end": 10.31}
    s = clocks.from_response(intended=10.0, issued=10.15, stamps=stamps, status=200, run_start=9.0)
    assert s.lag == pytest.approx(0.15) and s.total == pytest.approx(0.31) and s.wait == pytest.approx(0.1)
    assert s.intended == pytest.approx(1.0)
