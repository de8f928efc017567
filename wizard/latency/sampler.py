"""The open-model sampler: sends on a fixed-rate schedule, keeps every sample, decides per endpoint.

Per endpoint it looks at the data at a few sample counts (50, 100, 200, ... up to the budget). At
each look it computes an order-statistic confidence interval for the p95 (Bonferroni-adjusted for
the number of looks, so stopping early never inflates the chance of a wrong call above 5%):

- the interval's upper end is under the bar  -> PASS, stop sending to that endpoint;
- its lower end is over the bar              -> FAIL, stop;
- the budget is reached with neither         -> INCONCLUSIVE.

Answers that are errors or timeouts stay in the sample (a timeout at the time limit). The app is
spared: a 429 pauses every endpoint for its Retry-After, and a burst of server errors or timeouts
stops the whole run.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Callable

from wizard.engine.http import BlockedRequest, RequestFailed, ScopedClient
from wizard.latency import clocks
from wizard.latency.clocks import SERVER_SIDE, Sample
from wizard.latency.schedule import Schedule
from wizard.stats import looks, nearest_rank, per_look_confidence, quantile_ci

PASS, FAIL, INCONCLUSIVE, STOPPED = "pass", "fail", "inconclusive", "stopped"
SPIN = 0.001  # seconds before a send when the sampler stops sleeping and yields until the exact moment


@dataclass(frozen=True)
class Target:
    key: str  # "GET /api/customers", the finding's stable key
    method: str
    url: str
    group: str = "list"
    headers: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class SamplerSettings:
    rate: float  # requests per second per endpoint
    max_samples: int  # timed requests per endpoint, at most
    bar: float  # seconds: the p95 threshold
    lanes: int = 1  # endpoints timed at once
    min_gap: float = 0.0  # seconds between any two sends (keeps the client's rate limit from delaying one)
    timeout: float = 10.0  # the client's time limit per request: a timeout sample counts at this value
    warmup: int = 1  # first requests per endpoint, reported apart as "cold"
    quantile: float = 0.95
    confidence: float = 0.95
    first_look: int = 50
    seed: int = 0
    deadline: float = math.inf  # seconds for the whole run; undecided endpoints are then inconclusive
    max_pause: float = 60.0  # the longest Retry-After honoured before giving up
    max_429: int = 3  # rate-limit answers tolerated before the run stops
    burst: tuple[int, int] = (5, 10)  # this many server-side failures in the last N answers stop the run


@dataclass(eq=False)  # hashed by identity: the schedule keys lanes by it
class EndpointRun:
    target: Target
    budget: int
    looks: list[int]
    samples: list[Sample] = field(default_factory=list)  # timed requests, in completion order
    warmups: list[Sample] = field(default_factory=list)
    issued: int = 0
    outcome: str | None = None
    reason: str = ""
    decided_at: int | None = None
    ci: tuple[float, float] = (-math.inf, math.inf)
    ci_n: int = 0
    sending: bool = True

    @property
    def cold(self) -> Sample | None:
        return self.warmups[0] if self.warmups else None

    def totals(self) -> list[float]:
        return sorted(s.total for s in self.samples)

    def waits(self) -> list[float]:
        return sorted(s.wait for s in self.samples if s.wait is not None)

    def errors(self) -> Counter[str]:
        return Counter(s.error for s in self.samples if s.error)

    def achieved_rate(self) -> float | None:
        starts = sorted(s.intended + s.lag for s in self.samples)  # when each actually went out
        if len(starts) < 3 or starts[-1] <= starts[0]:
            return None
        return (len(starts) - 1) / (starts[-1] - starts[0])


@dataclass
class Health:
    """How the client itself did during the run: was it keeping the schedule, was it busy?"""

    lags: list[float]  # sorted send lags, seconds
    cpu: float  # seconds of CPU used by this thread
    wall: float  # seconds
    requests: int

    @property
    def cpu_busy(self) -> float:
        return self.cpu / self.wall if self.wall > 0 else 0.0

    def lag(self, p: float) -> float:
        return nearest_rank(self.lags, p) if self.lags else 0.0


@dataclass
class RunResult:
    endpoints: list[EndpointRun]
    health: Health
    planned_rate: float  # per endpoint
    lanes: int = 1
    stopped: str | None = None  # why the whole run stopped early
    paused: float = 0.0  # seconds spent waiting on Retry-After


class Sampler:
    def __init__(self, client: ScopedClient, probe_id: str, settings: SamplerSettings,
                 progress: Callable[[str], None] = lambda msg: None):
        self.client = client
        self.probe_id = probe_id
        self.s = settings
        self.progress = progress
        self.decision_confidence = per_look_confidence(settings.confidence, len(looks(settings.max_samples, settings.first_look)))
        self._stopped: str | None = None
        self._rate_limited = 0
        self._paused = 0.0
        self._waiter: asyncio.Future | None = None

    async def run(self, targets: list[Target]) -> RunResult:
        s = self.s
        runs = [EndpointRun(t, s.max_samples, looks(s.max_samples, s.first_look)) for t in targets]
        schedule = Schedule(s.rate, s.min_gap, s.seed)
        self._schedule = schedule
        tasks: set[asyncio.Task] = set()
        self._start = start = time.perf_counter()
        cpu0 = time.thread_time()
        try:
            await self._dispatch(runs, schedule, tasks)
            if tasks:
                await asyncio.gather(*tasks)
        finally:  # cancelled (the person pressed esc, or a time limit): no request outlives the run
            for task in list(tasks):
                task.cancel()
        wall = time.perf_counter() - start
        for run in runs:
            self._settle(run)
        lags = sorted(x.lag for r in runs for x in r.samples)
        health = Health(lags, time.thread_time() - cpu0, wall, sum(len(r.samples) + len(r.warmups) for r in runs))
        return RunResult(runs, health, s.rate, s.lanes, self._stopped, self._paused)

    async def _dispatch(self, runs: list[EndpointRun], schedule: Schedule, tasks: set[asyncio.Task]) -> None:
        """Send on schedule until every endpoint is decided, out of budget, or the run stops."""
        s, start = self.s, self._start
        pending = deque(runs)
        active: list[EndpointRun] = []
        while True:
            active = [r for r in active if r.sending]
            if self._stopped:
                break
            if time.perf_counter() - start > s.deadline:
                self._stop(f"the sampling time limit of {s.deadline:.0f} s was reached")
                break
            while pending and len(active) < s.lanes:
                run = pending.popleft()
                active.append(run)
                schedule.add(run, time.perf_counter())
            nxt = schedule.peek()
            if nxt is None:
                if not pending:
                    break
                continue
            when, run = nxt
            delay = when - time.perf_counter()
            if delay > SPIN:
                await self._sleep(delay - SPIN)
                continue
            if delay > 0:
                while time.perf_counter() < when and not self._stopped:
                    await asyncio.sleep(0)  # the last millisecond: the selector's timer rounds up to whole ms
                continue  # the plan may have changed meanwhile (a decision, a 429)
            when, run = schedule.take()
            warmup = run.issued < s.warmup
            run.issued += 1
            if run.issued >= run.budget + s.warmup:
                self._finish_sending(run)
            task = asyncio.create_task(self._one(run, when, warmup))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        for run in pending:
            run.outcome, run.reason, run.sending = STOPPED, f"not timed: {self._stopped}", False

    async def _sleep(self, delay: float) -> None:
        """Sleep until the next send, or until a decision or a 429 changes the plan (`_wake`).

        One future and one timer: asyncio.wait_for would add a task and a cancellation per send,
        and each extra loop turn is send lag.
        """
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        timer = loop.call_later(delay, self._wake)
        try:
            await self._waiter
        finally:
            timer.cancel()
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # -- one request ----------------------------------------------------------------------------
    async def _one(self, run: EndpointRun, intended: float, warmup: bool) -> None:
        t = run.target
        issued = time.perf_counter()
        retry_after = None
        try:
            resp = await self.client.request(t.method, t.url, probe=self.probe_id, headers=t.headers,
                                             follow_redirects=False, timings=True)
            sample = clocks.from_response(intended, issued, resp.timings or {"end": time.perf_counter()},
                                          resp.status, self._start)
            if resp.status == 429:
                retry_after = resp.headers.get("retry-after", "")
        except RequestFailed as err:
            sample = clocks.from_failure(intended, issued, time.perf_counter(), err.kind, self.s.timeout, self._start)
        except BlockedRequest as err:
            if run.sending or run.outcome is None:
                run.reason = f"stopped early: {err.reason}"
            self._finish_sending(run)
            return
        if warmup:
            run.warmups.append(sample)
            return
        run.samples.append(sample)
        if retry_after is not None:
            self._on_rate_limit(retry_after)
        self._check_burst(run)
        self._look(run)

    # -- decisions ------------------------------------------------------------------------------
    def _look(self, run: EndpointRun, final: bool = False) -> None:
        n = len(run.samples)
        if run.outcome is not None or not n or (n not in run.looks and not final):
            return
        ordered = run.totals()
        bad = sum(1 for x in run.samples if x.error)
        if bad * 2 > n:
            self._decide(run, STOPPED, f"{bad} of {n} answers were errors: timing error pages says nothing "
                                       "about the real work (check the path and the login)")
            return
        moved = sum(1 for x in run.samples if x.status is not None and 300 <= x.status < 400)
        if moved * 2 > n:
            self._decide(run, STOPPED, f"{moved} of {n} answers were redirects: the page itself was not timed "
                                       "(give the final path, and check the test login still works)")
            return
        lo, hi = quantile_ci(ordered, self.s.quantile, self.decision_confidence)
        run.ci, run.ci_n = (lo, hi), n
        p95 = nearest_rank(ordered, self.s.quantile)
        self.progress(f"{run.target.key}: n={n}, p95 {p95 * 1000:.0f} ms "
                      f"(interval {lo * 1000:.0f}-{'open' if math.isinf(hi) else f'{hi * 1000:.0f}'} ms)")
        if hi < self.s.bar:
            self._decide(run, PASS)
        elif lo > self.s.bar:
            self._decide(run, FAIL)
        elif n >= run.budget or final:
            why = "the request budget" if n >= run.budget else "the end of sampling"
            self._decide(run, INCONCLUSIVE, f"after {n} requests the interval still spans the bar ({why} was reached)")

    def _decide(self, run: EndpointRun, outcome: str, reason: str = "") -> None:
        run.outcome, run.reason, run.decided_at = outcome, reason or run.reason, len(run.samples)
        self._finish_sending(run)

    def _settle(self, run: EndpointRun) -> None:
        """After the last answer: an endpoint that was never called gets its final look now."""
        if run.outcome is None and run.samples:
            self._look(run, final=True)
            if run.outcome == INCONCLUSIVE and self._stopped:
                run.reason = f"sampling stopped early: {self._stopped}"
        if run.outcome is None:
            run.outcome = STOPPED
            run.reason = run.reason or (f"not timed: {self._stopped}" if self._stopped else "no answer was timed")

    def _finish_sending(self, run: EndpointRun) -> None:
        if run.sending:
            run.sending = False
            self._schedule.remove(run)
            self._wake()

    # -- sparing the app ------------------------------------------------------------------------
    def _stop(self, reason: str) -> None:
        if self._stopped is None:
            self._stopped = reason
            self.progress(f"stopped: {reason}")
        self._wake()

    def _check_burst(self, run: EndpointRun) -> None:
        count, window = self.s.burst
        recent = run.samples[-window:]
        bad = sum(1 for x in recent if x.error in SERVER_SIDE)
        if bad >= count:
            self._stop(f"{bad} of the last {len(recent)} answers from {run.target.key} were server errors or "
                       "timeouts; sampling stopped so as not to add load to a struggling app")

    def _on_rate_limit(self, header: str) -> None:
        self._rate_limited += 1
        wait = retry_after_seconds(header)
        if self._rate_limited > self.s.max_429:
            self._stop(f"the app answered 429 Too Many Requests {self._rate_limited} times; lower [latency] rate")
        elif wait > self.s.max_pause:
            self._stop(f"the app asked to wait {wait:.0f} s (429 Retry-After)")
        else:
            self.progress(f"the app answered 429: pausing {wait:g} s as its Retry-After asks")
            self._paused += wait
            self._schedule.delay_all(time.perf_counter() + wait)
            self._wake()


def retry_after_seconds(value: str, default: float = 5.0) -> float:
    """Seconds from a Retry-After header: a number or an HTTP date; `default` when absent or unreadable."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return default
    from datetime import datetime, timezone

    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
