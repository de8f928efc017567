"""The sampler against a server with seeded, known delays: verdicts, coordinated omission, sparing the app.

Verdict tests assert on verdicts, never on timings: the delays are seeded, the margins wide.
"""

import asyncio
import math

import pytest

from wizard.engine.http import ClientPolicy, ScopedClient
from wizard.latency.sampler import FAIL, INCONCLUSIVE, PASS, STOPPED, Sampler, SamplerSettings, Target, retry_after_seconds
from wizard.stats import nearest_rank

from delay_server import DelayProcess, DelayServer, Fixed, Route, Stall


def target(srv, path: str) -> Target:
    return Target(f"GET {path}", "GET", srv.url + path)


async def sample(srv, paths, rate_per_host=50.0, timeout=5.0, **kw):
    kw.setdefault("bar", 0.5)
    settings = SamplerSettings(min_gap=1 / rate_per_host, timeout=timeout, **kw)
    messages: list[str] = []
    policy = ClientPolicy(scope={"127.0.0.1"}, rate_per_host=rate_per_host, budget=5000, timeout=timeout)
    async with ScopedClient(policy) as client:
        result = await Sampler(client, "latency", settings, messages.append).run([target(srv, p) for p in paths])
    return result, messages


@pytest.fixture(scope="module")
def server():
    with DelayProcess(seed=1) as srv:  # its own process: no GIL shared with the client under test
        yield srv


@pytest.fixture(scope="module")
def verdicts(server):
    """300 / 700 / ~500 ms p95 side by side, a fixed n=200 run of the 300 ms one, and the stall, at once."""

    async def all_runs():
        return await asyncio.gather(
            sample(server, ["/p95-300", "/p95-700", "/p95-500"], rate=12, lanes=3, max_samples=200),
            sample(server, ["/p95-300"], rate=20, max_samples=200, first_look=200),
            sample(server, ["/stall"], rate=20, max_samples=200, first_look=200),
        )

    return asyncio.run(all_runs())


def by_key(result):
    return {r.target.key: r for r in result.endpoints}


def test_a_300ms_p95_endpoint_passes(verdicts):
    (adaptive, _), (fixed_n, _), _ = verdicts
    run = by_key(adaptive)["GET /p95-300"]
    assert run.outcome == PASS and run.decided_at <= 200
    assert run.ci[1] < 0.5  # the interval's upper end is under the bar
    single = fixed_n.endpoints[0]
    assert single.outcome == PASS and single.decided_at == 200 and len(single.samples) >= 200


def test_a_700ms_p95_endpoint_fails(verdicts):
    run = by_key(verdicts[0][0])["GET /p95-700"]
    assert run.outcome == FAIL and run.ci[0] > 0.5


def test_an_endpoint_near_the_bar_is_not_called_until_the_interval_clears(verdicts):
    result, messages = verdicts[0]
    run = by_key(result)["GET /p95-500"]
    assert run.outcome == INCONCLUSIVE and run.decided_at == 200
    lo, hi = run.ci
    assert lo <= 0.5 <= hi
    looked = [m for m in messages if m.startswith("GET /p95-500: n=")]
    assert [m.split(",")[0] for m in looked] == ["GET /p95-500: n=50", "GET /p95-500: n=100", "GET /p95-500: n=200"]


def test_every_sample_is_kept_and_the_server_served_each_one(verdicts, server):
    result, _ = verdicts[0]
    for run in result.endpoints:
        assert len(run.samples) >= run.decided_at  # answers that came in after the call are kept too
        assert len(run.warmups) == 1 and run.cold is not None
    slow = by_key(result)["GET /p95-700"]  # only this run asked for /p95-700
    served = sorted(s.held for s in server.served_on("/p95-700"))
    assert len(served) == len(slow.samples) + 1
    assert nearest_rank(slow.totals(), 0.5) >= nearest_rank(served, 0.5)  # the client never reads faster than served


def test_the_open_model_sees_a_server_stall_that_a_closed_loop_hides(verdicts):
    result, _ = verdicts[2]
    run = result.endpoints[0]
    truth = Stall().truth(0.95)  # 120 ms for a request arriving at a random moment
    p95 = nearest_rank(run.totals(), 0.95)
    assert truth == pytest.approx(0.120, abs=0.002)
    assert p95 > 0.6 * truth  # a closed-loop tool reports about 16 ms here (-85%)


def test_a_bimodal_endpoint_with_a_fast_mean_still_fails_on_its_p95(server):
    (result, _) = asyncio.run(sample(server, ["/bimodal"], rate=20, max_samples=400))
    run = result.endpoints[0]
    assert sum(s.total for s in run.samples) / len(run.samples) < 0.2  # the mean looks fine
    assert run.outcome == FAIL


# -- errors, timeouts, 429 -----------------------------------------------------------------------
def test_errors_stay_in_the_sample_and_are_counted_by_class(server):
    result, _ = asyncio.run(sample(server, ["/flaky"], rate=20, max_samples=100, first_look=100))
    run = result.endpoints[0]
    assert len(run.samples) == 100 and run.errors() == {"http-5xx": 5}
    assert run.outcome == PASS and result.stopped is None


def test_a_burst_of_server_errors_stops_the_whole_run(server):
    before = len(server.served_on("/broken"))
    result, _ = asyncio.run(sample(server, ["/broken", "/zero"], rate=20, max_samples=100, lanes=1))
    broken, zero = result.endpoints
    assert "server errors or timeouts" in result.stopped
    assert broken.outcome == STOPPED and len(broken.samples) <= 10
    assert zero.outcome == STOPPED and not zero.samples and "not timed" in zero.reason
    assert len(server.served_on("/broken")) - before <= 12


def test_timeouts_count_at_the_time_limit_and_stop_the_run():
    with DelayServer({"/stuck": Route(Fixed(3.0))}) as srv:
        result, _ = asyncio.run(sample(srv, ["/stuck"], rate=20, max_samples=100, timeout=0.3))
    run = result.endpoints[0]
    assert result.stopped and run.outcome == STOPPED
    assert run.errors()["timeout"] == len(run.samples) >= 5
    assert min(s.total for s in run.samples) >= 0.3


def test_429_pauses_every_endpoint_for_its_retry_after_and_repeated_429s_stop(server):
    result, messages = asyncio.run(sample(server, ["/slow-limit"], rate=20, max_samples=200))
    served = server.served_on("/slow-limit")
    limited = [s for s in served if s.status == 429]
    assert len(limited) == 4 and "429" in result.stopped
    for hit in limited[:-1]:  # after each 429 nothing new arrives for about its Retry-After (1 s)
        quiet = [s for s in served if hit.arrival + 0.1 < s.arrival < hit.arrival + 0.9]
        assert quiet == []
    assert result.paused == pytest.approx(3.0)
    assert any("pausing 1 s" in m for m in messages)


def test_retry_after_reads_seconds_and_dates():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("") == 5.0 and retry_after_seconds("soon") == 5.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: go on


def test_an_unknown_side_stays_open_rather_than_guessed(server):
    result, _ = asyncio.run(sample(server, ["/zero"], rate=20, max_samples=50))
    run = result.endpoints[0]
    assert run.outcome == INCONCLUSIVE and math.isinf(run.ci[1])  # 50 samples cannot bound a p95 from above


async def test_cancelling_the_run_leaves_no_request_behind(server):
    task = asyncio.create_task(sample(server, ["/p95-300", "/p95-700"], rate=20, lanes=2, max_samples=200))
    await asyncio.sleep(1.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


def test_refusals_and_redirects_are_not_taken_for_the_page(server):
    result, _ = asyncio.run(sample(server, ["/not-found", "/moved"], rate=20, lanes=2, max_samples=50))
    refused, moved = result.endpoints
    assert refused.outcome == STOPPED and "50 of 50 answers were errors" in refused.reason
    assert moved.outcome == STOPPED and "redirects" in moved.reason
