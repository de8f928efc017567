"""p95 latency of normal admin actions, sampled read-only at a fixed rate, with a confidence interval.

PASS only when the interval's upper end is under the bar, FAIL only when its lower end is over it;
otherwise sample more, up to a budget, then say INCONCLUSIVE. (The sampler issue deepens this.)
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator

from wizard.engine.auth import login
from wizard.engine.http import BlockedRequest, RequestFailed, is_unsafe_path
from wizard.model import Finding, Location, Severity, Status, Tier
from wizard.probes.authn import concrete_path
from wizard.probes.base import Probe, ProbeContext
from wizard.stats import nearest_rank, quantile_ci

RATE = 4.0  # requests per second per endpoint: 20/s in all at most, gentle on a real app
STEPS = (20, 40, 80, 120)  # decide as soon as the interval clears the bar
MAX_ENDPOINTS = 5


class LatencyProbe(Probe):
    id = "latency"
    title = "p95 latency of normal admin actions"
    areas = ("latency", "performance")
    rules = ("latency.p95", "latency.errors")
    needs = ("url", "endpoints")
    timeout = 120
    phase = 1

    def login_plan(self, config, endpoints) -> list[str]:
        role = next((n for n, r in config.roles.items() if r.login or r.token_env or r.cookie_env), None)
        if not role:
            return []
        eps = self._pick(endpoints, logged_in=True)
        return [f"1 login as test role '{role}', then at most {STEPS[-1] * len(eps)} read-only GET requests "
                f"({RATE:g}/s per route) to: {', '.join(e.path for e in eps)}"]

    @staticmethod
    def _pick(endpoints, logged_in: bool) -> list:
        # Normal admin actions: safe GET routes a logged-in user opens (not exports or debug routes).
        eps = [e for e in endpoints if e.method == "GET" and not is_unsafe_path(e.path)
               and (logged_in or e.public) and not any(w in e.path for w in ("export", "debug"))]
        return sorted(eps, key=lambda e: e.public)[:MAX_ENDPOINTS]  # logged-in work first: that is what admins do

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        headers: dict[str, str] = {}
        if ctx.allows(Tier.LOGIN):
            role = next((n for n, r in ctx.config.roles.items() if r.login or r.token_env or r.cookie_env), None)
            if role:
                try:
                    state = await login(ctx, role, self.id)
                    headers = state.headers if state.ok else {}
                except (RequestFailed, BlockedRequest):
                    headers = {}
        eps = self._pick(ctx.endpoints, logged_in=bool(headers))
        if not eps:
            yield self.finding("latency.p95", Status.UNKNOWN, "No endpoint could be sampled", key="none",
                               detail="Give an endpoint list and consent to the login tier with a test role, so logged-in pages can be timed.")
            return
        results = await asyncio.gather(*(self._sample(ctx, e, headers) for e in eps))
        for f in results:
            for finding in f:
                yield finding

    async def _sample(self, ctx: ProbeContext, ep, headers) -> list[Finding]:
        url = ctx.base_url + concrete_path(ep.path)
        key = f"GET {ep.path}"
        bar = ctx.settings.p95_ms / 1000
        samples: list[float] = []
        errors = 0
        start = time.perf_counter()
        sent = 0
        status = Status.UNKNOWN
        lo = hi = math.nan

        async def one(intended: float) -> None:
            nonlocal errors
            delay = intended - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                resp = await ctx.http.request("GET", url, probe=self.id, headers=headers, follow_redirects=False)
                # The client's own per-host rate limit may delay a send; resp.elapsed starts after that
                # wait, so our politeness is never counted as the server's slowness.
                samples.append(resp.elapsed)
                if resp.status >= 400:
                    errors += 1
            except RequestFailed:
                errors += 1
                samples.append(ctx.config.limits.request_timeout)  # a timeout counts at its value
            except BlockedRequest:
                errors += 1

        for target in STEPS:
            batch = [one(start + i / RATE) for i in range(sent, target)]
            sent = target
            await asyncio.gather(*batch)
            if not samples:
                break
            ordered = sorted(samples)
            lo, hi = quantile_ci(ordered, 0.95)
            self.progress(ctx, f"{key}: n={len(ordered)} p95={nearest_rank(ordered, 0.95) * 1000:.0f} ms", None)
            if hi < bar:
                status = Status.PASS
                break
            if lo > bar:
                status = Status.FAIL
                break
        if not samples:
            return [self.finding("latency.p95", Status.UNKNOWN, f"{key}: no sample", key=key)]
        ordered = sorted(samples)
        if errors > len(ordered) / 2:
            status = Status.UNKNOWN  # timing error pages says nothing about the real work
        p50, p95, p99 = (nearest_rank(ordered, p) * 1000 for p in (0.5, 0.95, 0.99))
        ci = f"95% CI {lo * 1000:.0f}-{'∞' if math.isinf(hi) else f'{hi * 1000:.0f}'} ms"
        stats = f"n={len(ordered)}, p50 {p50:.0f} ms, p95 {p95:.0f} ms ({ci}), p99 {p99:.0f} ms (low confidence), max {ordered[-1] * 1000:.0f} ms"
        word = {Status.PASS: "under", Status.FAIL: "over"}.get(status, "not clearly under or over")
        if errors > len(ordered) / 2:
            word = f"not measurable ({errors} of {len(ordered)} answers were errors), vs"
        out = [self.finding(
            "latency.p95", status, f"{key}: p95 {p95:.0f} ms is {word} {ctx.settings.p95_ms:g} ms",
            key=key, location=Location(url=url, method="GET"),
            severity=Severity.HIGH if status is Status.FAIL else Severity.INFO,
            evidence=[stats, f"{len(ordered)} read-only requests at {RATE:g}/s"],
            fix="Profile this route: add indexes on hot queries, remove N+1 patterns, cache expensive reads where safe."
            if status is Status.FAIL else "",
            data={"n": len(ordered), "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "ci_ms": [lo * 1000, hi * 1000],
                  "errors": errors, "samples_ms": [round(s * 1000, 2) for s in ordered]},
        )]
        if errors / len(ordered) > 0.01:
            out.append(self.finding("latency.errors", Status.WARN, f"{key}: {errors} of {len(ordered)} requests failed",
                                    key=key, location=Location(url=url, method="GET"), severity=Severity.MEDIUM))
        return out
