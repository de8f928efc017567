"""p95 latency of normal admin actions: an open-model sample with a confidence interval and a self-check.

The plan (wizard/latency/plan.py) is shown before anything is sent; the sampler
(wizard/latency/sampler.py) times read-only requests on a fixed-rate schedule and decides per
endpoint; the self-check (wizard/latency/selfcheck.py) withholds any verdict when the client itself
was the bottleneck. This module turns the results into findings a founder can read.
"""

from __future__ import annotations

import asyncio
import math
import ssl
from collections.abc import AsyncIterator

from wizard.engine.auth import login
from wizard.engine.http import BlockedRequest, RequestFailed
from wizard.latency.clocks import SERVER_SIDE
from wizard.latency.cold import ConnectionSetup, measure_connection
from wizard.latency.plan import FIRST_LOOK, WARMUP, LatencyPlan, build_plan
from wizard.latency.sampler import FAIL, INCONCLUSIVE, PASS, EndpointRun, RunResult, Sampler, SamplerSettings, Target
from wizard.latency.selfcheck import ClientCheck, bottleneck, measure_client
from wizard.model import Finding, Location, Severity, Status, Tier
from wizard.probes.authn import concrete_path
from wizard.probes.base import Probe, ProbeContext
from wizard.stats import nearest_rank, per_look_confidence

ERROR_RATE_BAR = 0.01  # more than 1% failed requests is its own finding
LOW_CONFIDENCE_P99 = 1000  # under this many samples a p99 rests on a handful of them
BUDGET_SHARE = 0.8  # the latency sample leaves a fifth of the run's request budget to the other checks
FIX = ("Profile this route under the same load: add indexes on the queries it runs, remove N+1 query "
       "patterns, paginate large lists, and cache expensive reads where it is safe. Then rerun the check.")


def _login_role(config) -> str | None:
    return next((n for n, r in config.roles.items() if r.login or r.token_env or r.cookie_env), None)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None or math.isinf(seconds) else round(seconds * 1000, 2)


class LatencyProbe(Probe):
    id = "latency"
    title = "p95 latency of normal admin actions"
    areas = ("latency", "performance")
    rules = ("latency.p95", "latency.errors")
    needs = ("url",)
    timeout = 900  # the plan bounds the real duration (shown before it runs); this is the backstop
    phase = 1

    # -- the plan, before anything is sent ------------------------------------------------------
    def make_plan(self, config, endpoints, logged_in: bool) -> LatencyPlan:
        plan = build_plan(config.latency, endpoints, logged_in, config.limits.rate_per_host)
        if plan.entries:
            share = int(BUDGET_SHARE * config.limits.request_budget) // len(plan.entries) - WARMUP
            plan.max_samples = max(1, min(plan.max_samples, share))
        return plan

    def plan(self, config, endpoints) -> list[str]:
        """What this probe sends without logging in, in plain words (the passive tier)."""
        return self.make_plan(config, endpoints, logged_in=False).describe()

    def login_plan(self, config, endpoints) -> list[str]:
        role = _login_role(config)
        if not role:
            return []
        plan = self.make_plan(config, endpoints, logged_in=True)
        if not plan.entries:
            return []
        routes = ", ".join(f"{e.key} ({e.group})" for e in plan.entries)
        how = (f"1 login as test role '{role}'" if config.roles[role].login
               else f"test role '{role}' (its token or cookie; no login request)")
        return [f"{how}, then at most {plan.max_requests():,} read-only requests "
                f"({plan.rate:g}/s per route, {plan.lanes} routes at a time) to time: {routes}"]

    def not_applicable(self, ctx: ProbeContext) -> str | None:
        if not ctx.endpoints and not ctx.config.latency.endpoints and ctx.config.target.url:
            return "no endpoint to time (give an [endpoints] list or [latency] endpoints)"
        return super().not_applicable(ctx)

    # -- the run --------------------------------------------------------------------------------
    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        headers = await self._login_headers(ctx)
        plan = self.make_plan(ctx.config, ctx.endpoints, logged_in=bool(headers))
        for line in plan.describe():
            self.progress(ctx, line)
        if not plan.entries:
            yield self.finding("latency.p95", Status.UNKNOWN, "No endpoint could be timed", key="none",
                               detail="List read-only pages under [latency] endpoints, or give an endpoint list and "
                                      "consent to the login tier with a test role so logged-in pages can be timed.",
                               evidence=plan.describe())
            return
        remaining = ctx.http.policy.budget - ctx.http.total_sent
        per_endpoint = min(plan.max_samples, remaining // len(plan.entries) - WARMUP)
        if per_endpoint < FIRST_LOOK:
            yield self.finding("latency.p95", Status.UNKNOWN, "Latency not timed: the request budget is used up",
                               key="budget", detail=f"Only {remaining} requests are left in this run's budget. Raise "
                               "[limits] request_budget or time fewer endpoints.")
            return
        self.progress(ctx, "self-check: timing this computer's own client on a local zero-delay server")
        check, check_error = None, ""
        try:
            check = await measure_client(rate=max(20.0, plan.total_rate), timeout=ctx.http.policy.timeout)
        except (OSError, RuntimeError, RequestFailed, BlockedRequest) as err:
            check_error = f"the self-check could not run ({err})"
        setup = await self._connection_setup(ctx, ctx.base_url + "/")
        bar = ctx.settings.p95_ms / 1000
        settings = SamplerSettings(
            rate=plan.rate, max_samples=per_endpoint, bar=bar, lanes=plan.lanes,
            min_gap=1.0 / ctx.http.policy.rate_per_host, timeout=ctx.http.policy.timeout,
            warmup=WARMUP, deadline=self.timeout - 60,
        )
        # Fill path ids with ones the inventory saw (a list's /items/42); a placeholder id only times 404s.
        known = {(ep.method, ep.path): ep for ep in ctx.endpoints}

        def path_of(e) -> str:
            ep = known.get((e.method, e.path))
            return ep.concrete() if ep is not None else concrete_path(e.path)

        targets = [Target(e.key, e.method, ctx.base_url + path_of(e), e.group, headers) for e in plan.entries]
        result = await Sampler(ctx.http, self.id, settings, lambda msg: self.progress(ctx, msg)).run(targets)
        limited = bottleneck(check, result, bar) + ([check_error] if check_error else [])
        for run in result.endpoints:
            for finding in self._findings(ctx, run, result, check, limited, setup):
                if finding.rule == "latency.p95":
                    finding.data["plan"] = plan.describe()  # the method, for the report's appendix
                yield finding

    async def _connection_setup(self, ctx: ProbeContext, url: str) -> ConnectionSetup | None:
        try:
            ctx.http.check("GET", url)  # the same scope rules as every request
            return await measure_connection(url, ctx.http.policy.verify, min(5.0, ctx.http.policy.timeout))
        except (BlockedRequest, OSError, ssl.SSLError, asyncio.TimeoutError):
            return None

    async def _login_headers(self, ctx: ProbeContext) -> dict[str, str]:
        role = _login_role(ctx.config) if ctx.allows(Tier.LOGIN) else None
        if not role:
            return {}
        try:
            state = await login(ctx, role, self.id)
        except (RequestFailed, BlockedRequest):
            return {}
        return state.headers if state.ok else {}

    # -- findings -------------------------------------------------------------------------------
    def _findings(self, ctx: ProbeContext, run: EndpointRun, result: RunResult, check: ClientCheck | None,
                  limited: list[str], setup: ConnectionSetup | None) -> list[Finding]:
        key = run.target.key
        location = Location(url=run.target.url, method=run.target.method)
        bar_ms = ctx.settings.p95_ms
        n = len(run.samples)
        if not n:
            return [self.finding("latency.p95", Status.UNKNOWN, f"{key}: latency not measured", key=key,
                                 location=location, detail=f"{run.reason[:1].upper()}{run.reason[1:]}.", data={"n": 0, "samples_ms": [], "errors": 0, "verdict": run.outcome,
                                                          "reason": run.reason, "group": run.target.group})]
        totals = run.totals()
        p50, p95, p99 = (nearest_rank(totals, p) * 1000 for p in (0.5, 0.95, 0.99))
        verdict, reason = run.outcome, run.reason
        if limited and verdict in (PASS, FAIL, INCONCLUSIVE):
            verdict, reason = "sampler-limited", "; ".join(limited)
        status, title = self._headline(key, verdict, reason, p95, bar_ms, n)
        data = self._data(run, result, check, limited, verdict, reason, (p50, p95, p99), bar_ms, setup)
        out = [self.finding(
            "latency.p95", status, title, key=key, location=location,
            severity=Severity.HIGH if status is Status.FAIL else (Severity.INFO if status is Status.PASS else Severity.MEDIUM),
            detail=self._detail(verdict, reason, data, bar_ms),
            evidence=self._evidence(run, result, check, data),
            fix=FIX if status is Status.FAIL else "",
            data=data,
        )]
        errors = run.errors()
        failed = sum(errors.values())
        if failed / n > ERROR_RATE_BAR:
            server_side = sum(c for cls, c in errors.items() if cls in SERVER_SIDE)
            classes = ", ".join(f"{cls} {c}" for cls, c in errors.most_common())
            if server_side / n > ERROR_RATE_BAR:
                status, detail = Status.FAIL, ("The app answered with server errors or not at all. Under this gentle "
                                               "load more than 1 in 100 requests should never fail.")
            else:
                status, detail = Status.WARN, ("The app refused these requests (4xx). Check the path and that the test "
                                               "account may open it: a refusal is not the page's real work.")
            out.append(self.finding(
                "latency.errors", status, f"{key}: {failed} of {n} requests failed ({failed / n:.1%}, over the 1% bar)",
                key=key, location=location, severity=Severity.HIGH if status is Status.FAIL else Severity.MEDIUM,
                detail=detail, evidence=[f"errors by class: {classes}"],
                fix="Find these errors in the app's logs for the sampling window and fix their cause." if status is Status.FAIL else "",
                data={"n": n, "errors": failed, "errors_by_class": dict(errors), "error_rate": failed / n},
            ))
        return out

    @staticmethod
    def _headline(key: str, verdict: str, reason: str, p95: float, bar_ms: float, n: int) -> tuple[Status, str]:
        if verdict == PASS:
            return Status.PASS, f"{key}: p95 {p95:.0f} ms is under the {bar_ms:g} ms bar"
        if verdict == FAIL:
            return Status.FAIL, f"{key}: p95 {p95:.0f} ms is over the {bar_ms:g} ms bar"
        if verdict == INCONCLUSIVE:
            return Status.UNKNOWN, f"{key}: p95 about {p95:.0f} ms, not clearly under or over {bar_ms:g} ms after {n} requests"
        if verdict == "sampler-limited":
            return Status.UNKNOWN, f"{key}: latency not measured reliably (sampler-limited: this computer was the bottleneck)"
        return Status.UNKNOWN, f"{key}: latency not measured (sampling stopped)"

    @staticmethod
    def _detail(verdict: str, reason: str, data: dict, bar_ms: float) -> str:
        lo, hi = data["ci_ms"]
        span = f"between {lo:.0f} and {hi:.0f} ms" if lo is not None and hi is not None else (
            f"above {lo:.0f} ms" if lo is not None else "not bounded yet")
        sure = f"With 95% confidence the true p95 is {span}"
        if verdict == PASS:
            return f"95 of 100 requests answered within {data['p95_ms']:.0f} ms. {sure}: entirely under the {bar_ms:g} ms bar."
        if verdict == FAIL:
            return (f"1 request in 20 took {data['p95_ms']:.0f} ms or more. {sure}: entirely over the {bar_ms:g} ms bar, "
                    "so staff will feel it every day.")
        if verdict == INCONCLUSIVE:
            return (f"{sure}, which straddles the {bar_ms:g} ms bar: {reason}. Rerun with a larger [latency] "
                    "max_samples, or measure it with a load test on staging.")
        if verdict == "sampler-limited":
            return (f"The figures may describe this computer rather than the app: {reason}. Rerun on a less busy "
                    "machine or lower [latency] rate.")
        return f"{reason[:1].upper()}{reason[1:]}."

    @staticmethod
    def _data(run: EndpointRun, result: RunResult, check: ClientCheck | None, limited: list[str], verdict: str,
              reason: str, pcts: tuple[float, float, float], bar_ms: float, setup: ConnectionSetup | None) -> dict:
        totals, waits = run.totals(), run.waits()
        n = len(totals)
        errors = run.errors()
        lags = sorted(s.lag for s in run.samples)
        cold = run.cold
        achieved = run.achieved_rate()
        return {
            "group": run.target.group,
            "n": n,
            "p50_ms": round(pcts[0], 2), "p95_ms": round(pcts[1], 2), "p99_ms": round(pcts[2], 2),
            "p99_low_confidence": n < LOW_CONFIDENCE_P99,
            "ci_ms": [_ms(run.ci[0]), _ms(run.ci[1])],
            "ci_n": run.ci_n,
            "ci_confidence": 0.95,
            "ci_confidence_per_look": round(per_look_confidence(0.95, len(run.looks)), 6),
            "looks": run.looks,
            "decided_at": run.decided_at,
            "max_ms": _ms(totals[-1]),
            "bar_ms": bar_ms,
            "verdict": verdict,
            "reason": reason,
            "errors": sum(errors.values()),
            "errors_by_class": dict(errors),
            "wait_p50_ms": _ms(nearest_rank(waits, 0.5)) if waits else None,
            "wait_p95_ms": _ms(nearest_rank(waits, 0.95)) if waits else None,
            "wait_p99_ms": _ms(nearest_rank(waits, 0.99)) if waits else None,
            "cold": {  # the warm-up request, and a fresh connection's setup measured on its own
                "total_ms": None if cold is None else _ms(cold.total + (cold.connect or 0) + (cold.tls or 0)),
                "new_connection": bool(cold and cold.new_connection),
                "connect_ms": _ms(setup.connect) if setup else None,
                "tls_ms": _ms(setup.tls) if setup else None},
            "new_connections": sum(1 for s in run.samples if s.new_connection),
            "send_lag_ms": {"p50": _ms(nearest_rank(lags, 0.5)), "p99": _ms(nearest_rank(lags, 0.99)), "max": _ms(lags[-1])},
            "rate": {"planned": result.planned_rate, "achieved": round(achieved, 3) if achieved else None},
            "sampler": {"self_check": check.as_data() if check else None, "cpu_busy": round(result.health.cpu_busy, 3),
                        "limited": limited, "run_stopped": result.stopped, "paused_s": result.paused},
            "clock": "intended start -> body read, connect/TLS excluded",
            "samples_ms": [round(x * 1000, 2) for x in totals],
        }

    @staticmethod
    def _evidence(run: EndpointRun, result: RunResult, check: ClientCheck | None, d: dict) -> list[str]:
        lo, hi = d["ci_ms"]
        span = (f"{lo:.0f} to {hi:.0f} ms" if lo is not None and hi is not None
                else f"above {lo:.0f} ms (too few samples for an upper end)" if lo is not None else "not bounded yet")
        p99_note = " (low confidence: under 1,000 samples)" if d["p99_low_confidence"] else ""
        cold = d["cold"]
        first = "no answer" if cold["total_ms"] is None else (
            f"{cold['total_ms']:.0f} ms on a {'new' if cold['new_connection'] else 'reused'} connection")
        setup = "not measured" if cold["connect_ms"] is None else (
            f"connect {cold['connect_ms']:.1f} ms" + (f" + TLS {cold['tls_ms']:.1f} ms" if cold["tls_ms"] is not None else ""))
        cold_line = f"cold (first request, not in the sample): {first}; a fresh connection costs {setup} on top"
        errors = ", ".join(f"{k} {v}" for k, v in sorted(d["errors_by_class"].items())) or "none"
        achieved = d["rate"]["achieved"]
        lines = [
            f"n={d['n']} timed GET requests: p50 {d['p50_ms']:.0f} ms, p95 {d['p95_ms']:.0f} ms, "
            f"p99 {d['p99_ms']:.0f} ms{p99_note}, max {d['max_ms']:.0f} ms",
            f"p95 95% interval (order statistics, {d['ci_confidence_per_look']:.2%} at each of {len(d['looks'])} looks): "
            f"{span} at n={d['ci_n']}",
            "server wait clock (request sent -> response headers): "
            + (f"p50 {d['wait_p50_ms']:.1f} ms, p95 {d['wait_p95_ms']:.1f} ms, p99 {d['wait_p99_ms']:.1f} ms"
               if d["wait_p95_ms"] is not None else "no answer"),
            cold_line,
            f"errors: {errors} ({d['errors']} of {d['n']})",
            f"rate: planned {d['rate']['planned']:g}/s, achieved {achieved:.2f}/s" if achieved else
            f"rate: planned {d['rate']['planned']:g}/s",
            f"send lag: p50 {d['send_lag_ms']['p50']:.1f} ms, p99 {d['send_lag_ms']['p99']:.1f} ms; "
            f"sampler thread used {result.health.cpu_busy:.0%} of a CPU core",
            check.describe() if check else "self-check: not run",
            "clock: from each request's intended start to the end of its body; connect and TLS time excluded",
        ]
        if result.stopped:
            lines.append(f"run stopped early: {result.stopped}")
        return lines

