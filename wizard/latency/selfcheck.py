"""Is the sampler measuring the server, or itself?

Before timing the app, the sampler times a zero-delay server of its own (in this process, on
127.0.0.1 only) through the very same client and schedule: whatever it measures there is the
client's own cost. During the real run it watches how late it sent each request (send lag) and how
much CPU its thread used. A Python client under CPU contention can otherwise mistake its own
slowness for the server's; when these figures say the client was the bottleneck, the run is marked
"sampler-limited" and gives no verdict.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from wizard.engine.http import ClientPolicy, ScopedClient
from wizard.latency.sampler import Health, RunResult, Sampler, SamplerSettings, Target
from wizard.stats import nearest_rank

_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


@dataclass(frozen=True)
class BottleneckLimits:
    """When the client counts as the bottleneck (shares are of the p95 bar).

    A bottleneck is sustained, not one hiccup of a busy machine: the rules read medians and the
    p95 (what could move a p95 reading), never a maximum or a p99 of a few dozen requests.
    """

    overhead_share: float = 0.10  # its own median cost per request on the zero-delay server
    lag_p50: float = 0.010  # seconds: most requests this late means it cannot keep the schedule
    lag_p95_share: float = 0.10  # 1 request in 20 this late could move the p95 itself
    cpu_busy: float = 0.80  # share of one core used by the sampler's thread
    rate_share: float = 0.90  # achieved / planned request rate


LIMITS = BottleneckLimits()


@dataclass
class ClientCheck:
    """The client's own cost, measured on the zero-delay server."""

    n: int
    total_p50: float  # seconds
    total_p95: float
    wait_p95: float
    lag_p99: float
    cpu_per_request: float  # seconds

    def describe(self) -> str:
        return (f"self-check on a zero-delay local server (n={self.n}): the client adds {self.total_p50 * 1000:.1f} ms "
                f"(p95 {self.total_p95 * 1000:.1f} ms) to total time and {self.wait_p95 * 1000:.2f} ms to the wait "
                f"clock; {self.cpu_per_request * 1000:.1f} ms of CPU per request")

    def as_data(self) -> dict:
        return {"n": self.n, "total_p50_ms": round(self.total_p50 * 1000, 3), "total_p95_ms": round(self.total_p95 * 1000, 3),
                "wait_p95_ms": round(self.wait_p95 * 1000, 3), "lag_p99_ms": round(self.lag_p99 * 1000, 3),
                "cpu_ms_per_request": round(self.cpu_per_request * 1000, 3)}


async def _serve_zero(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(_RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


async def measure_client(rate: float, n: int = 30, timeout: float = 5.0) -> ClientCheck:
    """Time n requests to a zero-delay server on 127.0.0.1 at `rate`, with the sampler's own machinery."""
    server = await asyncio.start_server(_serve_zero, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        policy = ClientPolicy(scope={"127.0.0.1"}, budget=n + 5, rate_per_host=50.0, timeout=timeout)
        async with ScopedClient(policy) as client:
            settings = SamplerSettings(rate=rate, max_samples=n, bar=float("inf"), first_look=n, timeout=timeout)
            result = await Sampler(client, "latency-self-check", settings).run(
                [Target("GET /", "GET", f"http://127.0.0.1:{port}/")])
    finally:
        server.close()
        await server.wait_closed()
    run = result.endpoints[0]
    totals, waits = run.totals(), run.waits()
    if not totals:
        raise RuntimeError("the self-check server did not answer")
    return ClientCheck(
        n=len(totals),
        total_p50=nearest_rank(totals, 0.5),
        total_p95=nearest_rank(totals, 0.95),
        wait_p95=nearest_rank(waits, 0.95) if waits else 0.0,
        lag_p99=result.health.lag(0.99),
        cpu_per_request=result.health.cpu / max(1, result.health.requests),
    )


def bottleneck(check: ClientCheck | None, result: RunResult, bar: float, limits: BottleneckLimits = LIMITS) -> list[str]:
    """Plain reasons the client was the bottleneck; empty when its figures are clean."""
    reasons = []
    if check is not None and check.total_p50 > limits.overhead_share * bar:
        reasons.append(f"on a zero-delay local server the client alone took {check.total_p50 * 1000:.0f} ms per request")
    if check is not None and check.cpu_per_request * result.planned_rate * max(1, result.lanes) > limits.cpu_busy:
        reasons.append(f"the client needs {check.cpu_per_request * 1000:.0f} ms of CPU per request, too much for the planned rate")
    h: Health = result.health
    if h.lags and h.lag(0.5) > limits.lag_p50:
        reasons.append(f"half the requests went out more than {h.lag(0.5) * 1000:.0f} ms late")
    if h.lags and h.lag(0.95) > limits.lag_p95_share * bar:
        reasons.append(f"1 request in 20 went out more than {h.lag(0.95) * 1000:.0f} ms late")
    if h.wall > 2 and h.cpu_busy > limits.cpu_busy:
        reasons.append(f"the sampler kept {h.cpu_busy:.0%} of a CPU core busy")
    if not result.paused:
        for run in result.endpoints:
            achieved = run.achieved_rate()
            if achieved is not None and len(run.samples) >= 20 and achieved < limits.rate_share * result.planned_rate:
                reasons.append(f"{run.target.key} got {achieved:.1f} requests/s of the {result.planned_rate:g} planned")
    return reasons
