"""The revocation drill: how fast can you cut off someone who leaves?

The tool opens a fresh session as a test account (login tier) and checks it on the read-only who-am-I
route. The person then disables that account the way they would for a leaver; the tool keeps trying
the open session (every `[revocation] poll_seconds`, at most `revocation_drill_minutes`) and measures
how long it still works. The result is a `revocation.session-after-disable` finding in the audit.

Front ends drive it through `DrillRunner`, which runs it in its own thread and event loop: `start()`,
then `disabled()` when the person says the account is disabled, or `cancel()`. Events come back
through a callback: ("ready", text), ("tick", text), ("done", text), ("error", text).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Callable

from wizard.errors import UserError
from wizard.model import Finding, Location, Severity, Status, Tier

PROBE_ID = "revocation"
RULE = "revocation.session-after-disable"
PERSON_TIMEOUT = 30 * 60  # seconds the drill waits for the person to disable the account


def drill_limits(audit) -> tuple[float, float, int]:
    """(seconds between tries, seconds the open session is watched at most, tries at most)."""
    poll, watch = audit.config.revocation.poll_seconds, audit.checklist.settings.revocation_drill_minutes * 60
    return poll, watch, math.ceil(watch / poll - 1e-9) + 1


def drill_plan(audit) -> list[str]:
    from wizard.inventory import load_inventory
    from wizard.probes.whoami import whoami_route

    config = audit.config
    role = config.revocation.role
    if not role:
        raise UserError("name the test account to disable: [revocation] role = \"...\" in the config")
    who = whoami_route(config, role, load_inventory(config))
    if not who:
        raise UserError(f"the drill needs a read-only who-am-I route: [roles.{role}] whoami = \"GET /api/me\"")
    poll, watch, tries = drill_limits(audit)
    return [f"1 login as test role '{role}' and 1 GET {who} to check the session works",
            f"after you disable that account: GET {who} every {poll:g} s, for at most {watch / 60:g} minutes "
            f"({tries} requests at most), until the session is refused",
            "nothing else is sent; re-enable the account afterwards"]


class RevocationDrill:
    def __init__(self, audit):
        self.audit = audit
        self.role = audit.config.revocation.role
        self.plan = drill_plan(audit)  # raises a clear UserError when the config is missing a piece

    async def run(self, disabled: asyncio.Event, cancel: asyncio.Event, emit: Callable[[str, str], None]) -> Finding | None:
        from wizard.engine.auth import login
        from wizard.engine.http import ScopedClient
        from wizard.inventory import load_inventory
        from wizard.probes import jwt as jwts
        from wizard.probes import whoami
        from wizard.probes.base import ProbeContext
        from wizard.probes.session import session_cookies

        audit, role = self.audit, self.role
        engine = audit.engine()
        policy = engine.policy()
        policy.tier = Tier.LOGIN  # the person started the drill after reading its plan: that is the consent
        endpoints = load_inventory(audit.config)
        who = whoami.whoami_route(audit.config, role, endpoints)
        poll, watch, tries = drill_limits(audit)
        async with ScopedClient(policy) as client:
            ctx = ProbeContext(audit.config, audit.checklist.settings, client, audit.credentials, Tier.LOGIN, endpoints)
            try:
                state = await login(ctx, role, PROBE_ID)
            except Exception as err:  # noqa: BLE001 - reported on screen, never a crash
                emit("error", f"login as '{role}' failed: {getattr(err, 'reason', err)}")
                return None
            if not state.ok:
                emit("error", f"could not log in as '{role}': {state.reason}")
                return None
            reference = await whoami.ask(ctx, PROBE_ID, who, state.headers)
            if not whoami.works(reference):
                emit("error", f"GET {who} does not work even with the fresh session ({reference.line})")
                return None
            lifetime = self._declared_lifetime(state, jwts, session_cookies)
            emit("ready", f"Session open as '{role}' (GET {who} -> {reference.line}). Now disable the account '{role}' "
                          "the way you would for a leaver, then confirm here.")
            waiter = asyncio.ensure_future(disabled.wait())
            stopper = asyncio.ensure_future(cancel.wait())
            done, _ = await asyncio.wait({waiter, stopper}, timeout=PERSON_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
            for f in (waiter, stopper):
                f.cancel()
            if stopper in done or waiter not in done:
                emit("done", "Drill cancelled: nothing recorded.")
                return None
            started = time.monotonic()
            evidence = [f"GET {who} with the fresh session before disabling -> {reference.line}"]
            for n in range(1, tries + 1):
                elapsed = time.monotonic() - started
                got = await whoami.ask(ctx, PROBE_ID, who, state.headers)
                if not whoami.same_user(got, reference):
                    evidence.append(f"GET {who} {elapsed:.0f} s after disabling -> {got.line}")
                    finding = self._cut_off(elapsed, whoami.is_refusal(got), evidence, who)
                    break
                if elapsed >= watch or n == tries:
                    evidence.append(f"GET {who} {elapsed:.0f} s after disabling -> {got.line} (still the same user)")
                    finding = self._still_works(elapsed, lifetime, evidence, who)
                    break
                emit("tick", f"The open session still works {elapsed:.0f} s after disabling (trying every {poll:g} s, "
                             f"for at most {watch / 60:g} min).")
                try:
                    await asyncio.wait_for(cancel.wait(), timeout=min(poll, max(0.0, watch - elapsed)))
                    emit("done", "Drill cancelled: nothing recorded.")
                    return None
                except asyncio.TimeoutError:
                    pass
        if finding.item is None:
            finding.item = audit.checklist.item_for_rule(finding.rule)
        audit.session.add_finding(finding)
        emit("done", finding.title)
        return finding

    @staticmethod
    def _declared_lifetime(state, jwts, session_cookies) -> float | None:
        token = jwts.decode(state.token) if state.token else None
        if token is not None:
            return token.lifetime_seconds()
        cookies = session_cookies(state.cookies)
        return cookies[0].lifetime_seconds() if cookies else None

    def _finding(self, status: Status, title: str, evidence: list[str], who: str, **kw) -> Finding:
        return Finding.make(probe=PROBE_ID, rule=RULE, key=self.role or "", status=status, title=title, evidence=evidence,
                            location=Location(url=self.audit.config.target.url.rstrip("/") + who, method="GET"), **kw)

    def _cut_off(self, seconds: float, refused: bool, evidence: list[str], who: str) -> Finding:
        limit = self.audit.checklist.settings.revocation_max_minutes * 60
        note = "" if refused else " (the answer was no longer this user's, though not a clear refusal)"
        status = Status.PASS if seconds <= limit else Status.FAIL
        return self._finding(status, f"Disabling the account ended its open session after {_human(seconds)}{note}",
                             evidence, who, severity=Severity.INFO if status is Status.PASS else Severity.HIGH,
                             detail="Measured by the revocation drill: the person disabled the test account while the "
                                    "tool kept trying its already-open session.",
                             data={"seconds": round(seconds, 1), "cut_off": True})

    def _still_works(self, seconds: float, lifetime: float | None, evidence: list[str], who: str) -> Finding:
        limit = self.audit.checklist.settings.revocation_max_minutes * 60
        ends_in_time = lifetime is not None and lifetime <= limit
        life = f"; the session itself lasts {_human(lifetime)}" if lifetime else ""
        return self._finding(
            Status.WARN if ends_in_time else Status.FAIL,
            f"The open session still worked {_human(seconds)} after the account was disabled",
            evidence, who, severity=Severity.MEDIUM if ends_in_time else Severity.HIGH,
            detail=f"The drill watched for {_human(seconds)}{life}. Disabling a person does not end the sessions they "
                   "already have, so a leaver keeps working access until the session expires.",
            fix="Make deactivation end every session and token of the user at once (server-side sessions, or a "
                "per-user 'tokens valid after' time checked on every request).",
            references=["OWASP ASVS 4.0.3 V3.3.1, V3.3.3"], data={"seconds": round(seconds, 1), "cut_off": False})


def _human(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:.0f} days"


class DrillRunner:
    """The drill in its own thread and event loop, driven from a UI thread or a prompt loop."""

    def __init__(self, drill: RevocationDrill, emit: Callable[[str, str], None]):
        self.drill, self.emit = drill, emit
        self.finding: Finding | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._disabled: asyncio.Event | None = None
        self._cancel: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="launch-ready-revocation-drill", daemon=True)

    def start(self) -> "DrillRunner":
        self._thread.start()
        self._ready.wait(5)
        return self

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._disabled, self._cancel = asyncio.Event(), asyncio.Event()
        self._ready.set()
        try:
            self.finding = loop.run_until_complete(self.drill.run(self._disabled, self._cancel, self.emit))
        except Exception as err:  # noqa: BLE001 - shown to the person, never a crash
            self.emit("error", f"{type(err).__name__}: {err}")
        finally:
            loop.close()

    def _set(self, event: asyncio.Event | None) -> None:
        if self._loop is not None and event is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(event.set)

    def disabled(self) -> None:
        self._set(self._disabled)

    def cancel(self) -> None:
        self._set(self._cancel)

    def join(self, timeout: float | None = None) -> Finding | None:
        self._thread.join(timeout)
        return self.finding

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
