"""The latency probe end to end: plan, self-check, sampling, and findings a founder can read."""

import asyncio
import time

import pytest

from wizard.checklist.schema import Settings
from wizard.config import Config, resolve_credentials
from wizard.engine.http import ClientPolicy, ScopedClient
from wizard.latency.sampler import Health, RunResult
from wizard.latency.selfcheck import ClientCheck, bottleneck, measure_client
from wizard.model import Status, Tier
from wizard.probes.base import ProbeContext
from wizard.probes.latency import LatencyProbe

from delay_server import DelayProcess

DATA_KEYS = {"samples_ms", "p50_ms", "p95_ms", "p99_ms", "ci_ms", "n", "errors"}  # the report's chart reads these


def config_for(url: str, endpoints: list[str], **latency) -> Config:
    latency = {"rate": 20, "max_samples": 100, **latency}
    return Config.model_validate({"target": {"url": url}, "limits": {"rate_per_host": 50},
                                  "latency": {"endpoints": endpoints, **latency}})


async def run_probe(config: Config, tier=Tier.PASSIVE, budget=1500, hog=None, credentials=None):
    policy = ClientPolicy(scope=set(config.target.scope), rate_per_host=config.limits.rate_per_host, budget=budget,
                          timeout=config.limits.request_timeout, tier=tier,
                          verify=str(config.resolve(config.target.ca_bundle)) if config.target.ca_bundle else True)
    progress: list[str] = []
    async with ScopedClient(policy) as client:
        ctx = ProbeContext(config=config, settings=Settings(), http=client, credentials=credentials or {}, tier=tier,
                           emit_progress=lambda probe, msg, frac: progress.append(msg))
        hog_task = asyncio.create_task(hog()) if hog else None
        try:
            findings = [f async for f in LatencyProbe().run(ctx)]
        finally:
            if hog_task:
                hog_task.cancel()
    return findings, progress


@pytest.fixture(scope="module")
def server():
    with DelayProcess(seed=1) as srv:
        yield srv


@pytest.fixture(scope="module")
def audited(server):
    config = config_for(server.url, ["GET /p95-700 detail", "GET /zero list", "GET /flaky list"])
    return asyncio.run(run_probe(config))


def test_slow_and_fast_endpoints_get_clear_plain_verdicts(audited):
    findings, _ = audited
    p95 = {f.location.url.rsplit("/", 1)[1]: f for f in findings if f.rule == "latency.p95"}
    slow, fast = p95["p95-700"], p95["zero"]
    assert slow.status is Status.FAIL and slow.title.startswith("GET /p95-700: p95 ") and "over the 500 ms bar" in slow.title
    assert "95% confidence" in slow.detail and slow.fix
    assert fast.status is Status.PASS and "under the 500 ms bar" in fast.title and not fast.fix
    for f in p95.values():
        assert DATA_KEYS <= f.data.keys()
        assert f.data["samples_ms"] == sorted(f.data["samples_ms"]) and len(f.data["samples_ms"]) == f.data["n"]
        assert f.data["p99_low_confidence"] is True  # n < 1000
        assert f.data["sampler"]["self_check"]["n"] == 30 and f.data["sampler"]["limited"] == []
        assert f.data["rate"]["planned"] == 20 and f.data["cold"]["total_ms"] > 0


def test_evidence_carries_every_figure_the_issue_asks_for(audited):
    findings, _ = audited
    fast = next(f for f in findings if f.rule == "latency.p95" and f.location.url.endswith("/zero"))
    text = "\n".join(fast.evidence)
    for needle in ("n=", "p50", "p95", "p99", "(low confidence: under 1,000 samples)", "max", "95% interval",
                   "server wait clock", "cold (first request", "errors: none", "planned 20/s, achieved",
                   "send lag", "self-check on a zero-delay local server", "intended start"):
        assert needle in text, needle


def test_an_error_rate_over_one_percent_is_its_own_finding(audited):
    findings, _ = audited
    flaky = [f for f in findings if f.location.url and f.location.url.endswith("/flaky")]
    errors = next(f for f in flaky if f.rule == "latency.errors")
    assert errors.status is Status.FAIL and "5 of 100 requests failed (5.0%" in errors.title
    assert errors.data["errors_by_class"] == {"http-5xx": 5}
    timing = next(f for f in flaky if f.rule == "latency.p95")
    assert timing.data["errors"] == 5 and timing.data["n"] == 100  # the errors stay in the sample


def test_the_plan_is_shown_before_anything_is_timed(audited):
    _, progress = audited
    assert progress[0].startswith("Time 3 read-only endpoint(s) without logging in, 20 requests/s each")
    assert progress.index(next(m for m in progress if m.startswith("self-check"))) < progress.index(
        next(m for m in progress if ": n=" in m))


def test_a_client_that_cannot_keep_up_gives_no_verdict(server):
    async def hog():  # another task hogging the event loop, as a starved or overloaded client would
        while True:
            end = time.perf_counter() + 0.06
            while time.perf_counter() < end:
                pass
            await asyncio.sleep(0.005)

    findings, _ = asyncio.run(run_probe(config_for(server.url, ["GET /zero list"]), hog=hog))
    f = findings[0]
    assert f.status is Status.UNKNOWN and "sampler-limited" in f.title
    assert f.data["verdict"] == "sampler-limited" and f.data["sampler"]["limited"]


def test_bottleneck_rules():
    bar = 0.5
    clean = ClientCheck(n=30, total_p50=0.002, total_p95=0.004, wait_p95=0.0005, lag_p99=0.002, cpu_per_request=0.002)
    ok = RunResult([], Health(lags=[0.001] * 99 + [0.004], cpu=1.0, wall=10.0, requests=100), planned_rate=5)
    assert bottleneck(clean, ok, bar) == []
    hiccup = ClientCheck(n=30, total_p50=0.004, total_p95=0.08, wait_p95=0.0005, lag_p99=0.06, cpu_per_request=0.002)
    assert bottleneck(hiccup, ok, bar) == []  # one stall of a busy machine is not a bottleneck
    slow_client = ClientCheck(n=30, total_p50=0.06, total_p95=0.08, wait_p95=0.001, lag_p99=0.002, cpu_per_request=0.01)
    assert "client alone took 60 ms per request" in bottleneck(slow_client, ok, bar)[0]
    hungry = ClientCheck(n=30, total_p50=0.004, total_p95=0.006, wait_p95=0.001, lag_p99=0.002, cpu_per_request=0.05)
    assert "50 ms of CPU per request" in bottleneck(hungry, RunResult([], ok.health, planned_rate=5, lanes=4), bar)[0]
    tail = RunResult([], Health(lags=[0.001] * 90 + [0.08] * 10, cpu=1.0, wall=10.0, requests=100), planned_rate=5)
    assert "1 request in 20 went out more than 80 ms late" in bottleneck(clean, tail, bar)[0]
    late = RunResult([], Health(lags=[0.02] * 100, cpu=1.0, wall=10.0, requests=100), planned_rate=5)
    assert "half the requests went out more than 20 ms late" in bottleneck(clean, late, bar)[0]
    busy = RunResult([], Health(lags=[0.001] * 100, cpu=9.0, wall=10.0, requests=100), planned_rate=5)
    assert "90% of a CPU core" in bottleneck(clean, busy, bar)[0]


async def test_the_self_check_times_the_client_on_loopback_only():
    check = await measure_client(rate=20, n=20)
    assert check.n == 20 and 0 < check.total_p50 <= check.total_p95 and check.cpu_per_request > 0
    assert "zero-delay local server" in check.describe()


async def test_without_endpoints_or_budget_the_probe_says_so(server):
    findings, _ = await run_probe(Config.model_validate({"target": {"url": server.url}}))
    assert findings[0].status is Status.UNKNOWN and findings[0].title == "No endpoint could be timed"
    findings, _ = await run_probe(config_for(server.url, ["GET /zero"]), budget=40)
    assert findings[0].status is Status.UNKNOWN and "request budget" in findings[0].title
    ctx = ProbeContext(config=Config.model_validate({"target": {"url": server.url}}), settings=Settings(), http=None,
                       credentials={}, tier=Tier.PASSIVE)
    assert "no endpoint to time" in LatencyProbe().not_applicable(ctx)


@pytest.mark.parametrize("fixed,status", [(False, Status.FAIL), (True, Status.PASS)])
def test_the_demo_search_is_slow_in_the_flawed_build_and_fast_when_fixed(fixed, status, monkeypatch):
    from wizard.demo.server import DemoServer

    with DemoServer(fixed=fixed) as srv:
        for k, v in srv.credentials_env().items():
            monkeypatch.setenv(k, v)
        config = Config.model_validate({
            "target": {"url": srv.https_url, "ca_bundle": str(srv.ca_path)}, "limits": {"rate_per_host": 50},
            "roles": {"admin": {"login": {"route": "POST /login", "username_env": "LR_ADMIN_USER",
                                          "password_env": "LR_ADMIN_PASS"}}},
            "consent": {"login": True}, "latency": {"endpoints": ["GET /api/reports/search"], "rate": 20}})
        findings, _ = asyncio.run(run_probe(config, tier=Tier.LOGIN, credentials=resolve_credentials(config)))
    f = findings[0]
    assert f.status is status and f.title.startswith("GET /api/reports/search: p95")
    assert f.data["errors"] == 0  # logged in: the real page was timed, not a refusal
    assert f.data["cold"]["tls_ms"] is not None  # the first request paid for the TLS handshake, apart
