"""Run probes concurrently with time limits; a probe that crashes or times out becomes `unknown`."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from wizard.checklist.schema import Checklist
from wizard.config import Config, Credentials
from wizard.engine.http import ClientPolicy, ScopedClient
from wizard.errors import UserError
from wizard.model import Finding, Severity, Status, Tier
from wizard.probes.base import Probe, ProbeContext
from wizard.session import AuditSession

log = logging.getLogger("launch_ready.engine")


class Observer:
    """Progress callbacks (sslyze's observer idea). Front ends subclass what they need."""

    def probe_started(self, probe: Probe) -> None: ...
    def probe_progress(self, probe_id: str, message: str, fraction: float | None) -> None: ...
    def finding(self, finding: Finding) -> None: ...
    def probe_finished(self, probe: Probe, outcome: str, elapsed: float, findings: int) -> None: ...


@dataclass
class RunSummary:
    outcomes: dict[str, str] = field(default_factory=dict)  # probe id -> ok / not run: reason / timeout / crashed
    requests: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)  # probe id -> wall time it ran
    cancelled: bool = False


def select_probes(probes: list[Probe], checklist: Checklist, only: list[str] | None, skip: list[str] | None) -> list[Probe]:
    """`--only`/`--skip` take probe ids, item ids or short area names; an unknown word is an error."""
    item_ids = {it.id for it in checklist.items}

    def matches(probe: Probe, token: str) -> bool:
        if token == probe.id or token in probe.areas:
            return True
        if token in item_ids:
            item = checklist.item(token)
            return any(item.informed_by(rule) for rule in probe.rules)
        return False

    known = {p.id for p in probes} | {a for p in probes for a in p.areas} | item_ids
    for token in (only or []) + (skip or []):
        if token not in known:
            raise UserError(
                f"'{token}' is not a probe, item or area; try one of: {', '.join(sorted({a for p in probes for a in p.areas}))}",
                where="--only/--skip",
            )
    chosen = [p for p in probes if not only or any(matches(p, t) for t in only)]
    return [p for p in chosen if not any(matches(p, t) for t in (skip or []))]


def named_routes(config: Config, kind: str) -> set[tuple[str, str]]:
    """(METHOD, path) of the routes the config names as login routes, or as logout routes."""
    routes: list[str] = []
    if kind == "login":
        routes += [r.login.route for r in config.roles.values() if r.login]
        routes += [config.ratelimit.account.route] if config.ratelimit.account else []
        routes += [r.route for r in config.ratelimit.routes]
    else:
        routes += [r.logout for r in config.roles.values() if r.logout]
    prefix = urlsplit(config.target.url or "").path.rstrip("/")  # probes send to target.url + path
    out = set()
    for route in routes:
        method, _, path = route.partition(" ")
        out.add((method.upper(), prefix + (urlsplit(path).path or "/")))
    return out


class Engine:
    def __init__(
        self,
        checklist: Checklist,
        config: Config,
        credentials: dict[str, Credentials] | None = None,
        observer: Observer | None = None,
        allow_delete: bool = False,
    ):
        self.checklist = checklist
        self.config = config
        self.credentials = credentials or {}
        self.observer = observer or Observer()
        self.allow_delete = allow_delete
        self.client: ScopedClient | None = None

    def consented_tier(self) -> Tier:
        c = self.config.consent
        if c.delete and self.allow_delete:
            return Tier.DESTRUCTIVE
        if c.write and self.config.target.environment == "staging":
            return Tier.WRITE  # write-tier probes refuse production whatever the consent says
        if c.login or c.write:
            return Tier.LOGIN
        return Tier.PASSIVE

    def policy(self) -> ClientPolicy:
        t = self.config.target
        lim = self.config.limits
        return ClientPolicy(
            scope=set(t.scope),
            tier=self.consented_tier(),
            budget=lim.request_budget,
            rate_per_host=lim.rate_per_host,
            timeout=lim.request_timeout,
            max_body=lim.max_body_bytes,
            allow_delete=self.allow_delete,
            verify=str(self.config.resolve(t.ca_bundle)) if t.ca_bundle else True,
            login_routes=frozenset(named_routes(self.config, "login")),
            logout_routes=frozenset(named_routes(self.config, "logout")),
        )

    def run(self, session: AuditSession, probes: list[Probe], cancel: "asyncio.Event | None" = None) -> RunSummary:
        return asyncio.run(self.run_async(session, probes, cancel))

    async def run_async(self, session: AuditSession, probes: list[Probe], cancel: asyncio.Event | None = None) -> RunSummary:
        from wizard.inventory import build_inventory, load_inventory

        started = time.perf_counter()
        summary = RunSummary()
        tier = self.consented_tier()
        run = session.start_run([p.id for p in probes], [tier.value])
        async with ScopedClient(self.policy()) as client:
            self.client = client
            # files and source first (a bad file is the person's error), then a spec from a URL or the
            # live app, fetched only when a probe will use the inventory
            if any("endpoints" in p.needs for p in probes):
                endpoints = await build_inventory(self.config, client)
            else:
                endpoints = load_inventory(self.config)
            run.endpoints = [" ".join([str(e), *sorted(e.tags)]) for e in endpoints]
            ctx = ProbeContext(
                config=self.config,
                settings=self.checklist.settings,
                http=client,
                credentials=self.credentials,
                tier=tier,
                endpoints=endpoints,
                emit_progress=self.observer.probe_progress,
            )
            for phase in sorted({p.phase for p in probes}):
                batch = [p for p in probes if p.phase == phase]
                if not await self._run_batch(batch, ctx, session, summary, cancel):
                    summary.cancelled = True
                    break
            summary.requests = dict(client.sent)
        run.stack = self._stack_seen(probes)
        summary.elapsed = time.perf_counter() - started
        session.finish_run(run, summary.requests, "cancelled" if summary.cancelled else "complete")
        return summary

    def _stack_seen(self, probes: list[Probe]) -> str:
        """The fix snippets' stack, when a repository probe read the repo in this run (its analysis is
        cached, so this costs nothing more); kept with the run so the report agrees with the wizard."""
        if not self.config.target.repo or not any(p.id.startswith("repo-") for p in probes):
            return ""
        from wizard.repointel import RepoUnreadable, stack_of

        try:
            return stack_of(self.config.resolve(self.config.target.repo)).snippet_stack or ""
        except (RepoUnreadable, OSError):
            return ""

    async def _run_batch(self, probes: list[Probe], ctx: ProbeContext, session: AuditSession,
                         summary: RunSummary, cancel: asyncio.Event | None) -> bool:
        """Run probes concurrently; False when the person cancelled."""
        tasks = [asyncio.create_task(self._run_one(p, ctx, session, summary)) for p in probes]
        waiter = asyncio.gather(*tasks)
        if cancel is None:
            await waiter
            return True
        cancel_task = asyncio.create_task(cancel.wait())
        done, _ = await asyncio.wait({waiter, cancel_task}, return_when=asyncio.FIRST_COMPLETED)
        if cancel_task in done:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            return False
        cancel_task.cancel()
        return True

    async def _run_one(self, probe: Probe, ctx: ProbeContext, session: AuditSession, summary: RunSummary) -> None:
        started = time.perf_counter()
        count = 0

        def record(f: Finding) -> None:
            nonlocal count
            if f.item is None:
                f.item = self.checklist.item_for_rule(f.rule)
            session.add_finding(f)
            self.observer.finding(f)
            count += 1

        reason = probe.not_applicable(ctx)
        if reason:
            for item in self._items_of(probe):
                record(self._placeholder(probe, item, Status.SKIPPED, f"{probe.title}: not run ({reason})"))
            summary.outcomes[probe.id] = f"not run: {reason}"
            self.observer.probe_finished(probe, summary.outcomes[probe.id], 0.0, count)
            return

        self.observer.probe_started(probe)
        limit = probe.timeout or self.config.limits.probe_timeout
        outcome = "ok"
        emitted_items: set[str | None] = set()

        async def consume() -> None:
            async for f in probe.run(ctx):
                record(f)
                emitted_items.add(f.item)

        try:
            await asyncio.wait_for(consume(), timeout=limit)
        except asyncio.TimeoutError:
            outcome = f"timed out after {limit:g} s"
        except asyncio.CancelledError:
            outcome = "cancelled"
            self.observer.probe_finished(probe, outcome, time.perf_counter() - started, count)
            raise
        except Exception as err:  # a probe bug must never take the audit down
            log.error("probe %s crashed: %s", probe.id, traceback.format_exc())
            outcome = f"crashed: {type(err).__name__}: {err}"
        if outcome != "ok":
            for item in self._items_of(probe):
                record(
                    self._placeholder(
                        probe, item, Status.UNKNOWN, f"{probe.title}: could not finish ({outcome})",
                        detail="Rerun the checks, or check this item by hand: the probe gave no complete result."
                        + (" Partial results are listed beside this one." if item in emitted_items else ""),
                    )
                )
        summary.outcomes[probe.id] = outcome
        summary.seconds[probe.id] = time.perf_counter() - started
        self.observer.probe_finished(probe, outcome, summary.seconds[probe.id], count)

    def _items_of(self, probe: Probe) -> list[str]:
        """The checklist items a probe informs, through the checklist's rule mapping."""
        items = {self.checklist.item_for_rule(rule) for rule in probe.rules}
        return sorted(i for i in items if i)

    @staticmethod
    def _placeholder(probe: Probe, item: str, status: Status, title: str, detail: str = "") -> Finding:
        return Finding.make(
            probe=probe.id,
            rule=f"{probe.id}.not-run" if status is Status.SKIPPED else f"{probe.id}.incomplete",
            key=item,
            item=item,
            status=status,
            severity=Severity.INFO,
            title=title,
            detail=detail,
        )
