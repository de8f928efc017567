"""Latency sampler figures against served truth: instrument error, a stalling server, send lag, CPU.

The seeded-delay server (tests/delay_server.py) runs in its own process and records how long it
held each request; every figure below compares the sampler with that record, measured in this run.
Debian's `hey` (a closed-loop load tool) is run on the same server when it is available.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from delay_server import DelayProcess, Stall  # noqa: E402

from wizard.engine.http import ClientPolicy, ScopedClient  # noqa: E402
from wizard.latency.sampler import Sampler, SamplerSettings, Target  # noqa: E402
from wizard.stats import nearest_rank  # noqa: E402

N = 400


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def pct(ours: float, truth: float) -> str:
    return f"{(ours - truth) / truth * 100:+.1f}%"


async def open_model(url: str, rate: float, n: int = N, rate_per_host: float = 100.0):
    settings = SamplerSettings(rate=rate, max_samples=n, bar=float("inf"), first_look=n, min_gap=1 / rate_per_host)
    policy = ClientPolicy(scope={"127.0.0.1"}, rate_per_host=rate_per_host, budget=n + 10, timeout=10)
    async with ScopedClient(policy) as client:
        result = await Sampler(client, "bench", settings).run([Target("GET x", "GET", url)])
    return result.endpoints[0], result.health


async def closed_loop(url: str, workers: int = 2, n: int = N) -> list[float]:
    """What a closed-loop tool does: each worker sends its next request when the last one is back.

    Few workers: more would make this Python client its own bottleneck (hey, in Go, is run with 10).
    """
    policy = ClientPolicy(scope={"127.0.0.1"}, rate_per_host=10_000, budget=n + 10, timeout=10)
    times: list[float] = []
    async with ScopedClient(policy) as client:
        async def worker():
            while len(times) < n:
                times.append((await client.request("GET", url, probe="bench")).elapsed)
        await asyncio.gather(*(worker() for _ in range(workers)))
    return sorted(times[:n])


def hey_binary() -> str | None:
    found = shutil.which("hey")
    if found:
        return found
    policy = subprocess.run(["apt-cache", "policy", "hey"], capture_output=True, text=True)
    if "Candidate:" not in policy.stdout or "Candidate: (none)" in policy.stdout or os.geteuid() != 0:
        return None
    print("          (installing Debian's hey for the comparison: apt-get install hey)")
    subprocess.run(["apt-get", "install", "-y", "-qq", "hey"], capture_output=True, text=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("hey")


def hey_percentiles(binary: str, url: str, workers: int = 10, n: int = N) -> dict[int, float]:
    """hey's own p95 and p99 (seconds), read from its 'Latency distribution' lines."""
    out = subprocess.run([binary, "-n", str(n), "-c", str(workers), url], capture_output=True, text=True, timeout=300).stdout
    return {int(p): float(v) for p, v in re.findall(r"(95|99)%+ in ([\d.]+) secs", out)}


def main() -> None:
    print(f"latency   sampler vs served truth, n={N} per case ({load()})")
    with DelayProcess(seed=1) as server:
        # 1. instrument error at p95: same requests, our clocks vs what the server says it served
        for path, label in (("/p95-300", "lognormal, p95 300 ms"), ("/bimodal", "90% 50 ms / 10% 600 ms")):
            server.reset()
            run, health = asyncio.run(open_model(server.url + path, rate=20))
            served = sorted(server.served_on(path), key=lambda s: s.arrival)[1:]  # the first was the warm-up
            held = sorted(s.held for s in served)
            truth = nearest_rank(held, 0.95)
            wait, total = nearest_rank(run.waits(), 0.95), nearest_rank(run.totals(), 0.95)
            print(f"  p95     {label:24} truth {truth * 1000:6.1f} ms | wait clock {wait * 1000:6.1f} ms ({pct(wait, truth)}, "
                  f"target <= 1%) | total {total * 1000:6.1f} ms ({pct(total, truth)}, target <= 2.5%)")
            t99, w99 = nearest_rank(held, 0.99), nearest_rank(run.waits(), 0.99)
            print(f"  p99     {label:24} truth {t99 * 1000:6.1f} ms | wait clock {w99 * 1000:6.1f} ms ({pct(w99, t99)}) "
                  "(low confidence at n=400)")

        # 2. a server that freezes 200 ms every 2 s: open model vs closed loop
        truth = Stall().truth(0.95)
        server.reset()
        run, _ = asyncio.run(open_model(server.url + "/stall", rate=20))
        ours = nearest_rank(run.totals(), 0.95)
        closed = nearest_rank(asyncio.run(closed_loop(server.url + "/stall")), 0.95)
        print(f"  stall   200 ms every 2 s         truth {truth * 1000:6.1f} ms | ours (open, 20/s) {ours * 1000:6.1f} ms "
              f"({pct(ours, truth)}, target -10%..+40%) | closed loop, 2 workers {closed * 1000:6.1f} ms ({pct(closed, truth)})")

        # 3. send lag and CPU at 50 req/s
        run, health = asyncio.run(open_model(server.url + "/zero", rate=50))
        lags = sorted(s.lag for s in run.samples)
        print(f"  lag     50 req/s, zero delay     send lag p50 {nearest_rank(lags, 0.5) * 1000:.2f} ms, "
              f"p99 {nearest_rank(lags, 0.99) * 1000:.2f} ms (target < 5 ms), max {lags[-1] * 1000:.2f} ms | "
              f"CPU {health.cpu / health.requests * 1000:.2f} ms per request, {health.cpu_busy:.0%} of a core")

        # 4. hey on the same server, beside ours
        binary = hey_binary()
        if binary is None:
            print("  hey     not installed (Debian package 'hey'; optional): no comparison")
        else:
            for path in ("/p95-300", "/stall"):
                server.reset()
                hey = hey_percentiles(binary, server.url + path)
                held = sorted(s.held for s in server.served_on(path))
                shown = []
                for p in (95, 99):
                    truth = Stall().truth(p / 100) if path == "/stall" else nearest_rank(held, p / 100)
                    got = hey.get(p)
                    shown.append(f"p{p} truth {truth * 1000:6.1f} ms, hey "
                                 + ("no figure" if got is None else f"{got * 1000:6.1f} ms ({pct(got, truth)})"))
                print(f"  hey     {path:24} -n {N} -c 10: " + " | ".join(shown))
    print(f"          ({load()} at the end)")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"          ({time.perf_counter() - started:.0f} s)")
