"""Requests as a named role, through the audit's one client, with a cache for repeated GETs.

Each role sends exactly its own headers (the client has no cookie jar), so "anonymous" really sends
no credential. Concurrency is bounded; the client still enforces scope, tiers, the deny-list, the
budget and the per-host rate. Evidence lines name the role, never its token or cookie.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

from wizard.engine.http import BlockedRequest, BudgetExhausted, RequestFailed, Response
from wizard.probes.authz.compare import describe
from wizard.redact import scrub


@dataclass
class Outcome:
    resp: Response | None = None
    error: str | None = None
    blocked: bool = False
    budget: bool = False

    @property
    def ok(self) -> bool:
        return self.resp is not None and 200 <= self.resp.status < 300


# Anonymous GETs are the same for every probe of a run: the authentication and authorization probes
# share them (per client, so per run) instead of asking the app twice.
_ANONYMOUS: "weakref.WeakKeyDictionary[object, dict[str, asyncio.Future]]" = weakref.WeakKeyDictionary()
ANONYMOUS = "anonymous"


class RoleRequests:
    def __init__(self, ctx, probe: str, headers: dict[str, dict[str, str]], concurrency: int = 8):
        self.ctx = ctx
        self.probe = probe
        self.headers = headers  # role -> headers it sends ({} for anonymous)
        self._cache: dict[tuple[str, str], asyncio.Future] = {}
        self._sem = asyncio.Semaphore(concurrency)
        self.budget_exhausted = False

    def url(self, path: str) -> str:
        return self.ctx.base_url.rstrip("/") + path

    async def send(self, role: str, method: str, path: str, **kwargs) -> Outcome:
        if self.budget_exhausted:
            return Outcome(error="request budget used up", blocked=True, budget=True)
        async with self._sem:
            try:
                resp = await self.ctx.http.request(method, self.url(path), probe=self.probe,
                                                   headers=dict(self.headers.get(role, {})),
                                                   follow_redirects=False, **kwargs)
                return Outcome(resp)
            except BudgetExhausted as err:
                self.budget_exhausted = True
                return Outcome(error=err.reason, blocked=True, budget=True)
            except BlockedRequest as err:
                return Outcome(error=err.reason, blocked=True)
            except RequestFailed as err:
                return Outcome(error=err.reason)

    async def get(self, role: str, path: str) -> Outcome:
        """GET once per (role, path) for the whole probe; concurrent callers share the answer."""
        cache: dict = self._cache
        key: object = (role, path)
        if role == ANONYMOUS and not self.headers.get(role):
            cache, key = _ANONYMOUS.setdefault(self.ctx.http, {}), path
        fut = cache.get(key)
        if fut is None:
            fut = self.ctx.http.shared(self.send(role, "GET", path))
            cache[key] = fut
        return await asyncio.shield(fut)  # one caller's cancellation must not cancel the others' answer

    @staticmethod
    def line(role: str, method: str, path: str, out: Outcome, note: str = "") -> str:
        answer = describe(out.resp) if out.resp is not None else f"not answered ({out.error})"
        who = "no login" if role == ANONYMOUS else f"as {role}"
        return scrub(f"{method} {path} {who} -> {answer}" + (f"; {note}" if note else ""))
