"""Rate limits on sign-in (login tier), with a dedicated test account, and user enumeration.

One correct login first (the account works; nothing else is sent if it does not), then a bounded
burst of wrong passwords within a minute (at most `ratelimit_max_attempts`, unknown-user tries
included), stopped at the first sign of a limit: a 429, a Retry-After or RateLimit header, a lockout
message, or a clear slowdown. Success is judged by a token or a session cookie, never by the status
code. A last correct login shows whether the account was locked, silently or not; a locked account
is waited for (at most `[ratelimit] max_wait_seconds`) and the report says whether it is free again.

User enumeration: the first wrong-password answers are compared with answers for a made-up user
(status, message, time). The burst runs last of all probes: a limit per IP address that it trips
cannot disturb the other checks' logins.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from wizard.config import RATELIMIT_ACCOUNT
from wizard.engine.auth import submit_login
from wizard.engine.http import BlockedRequest, RequestFailed, Response
from wizard.model import Finding, Location, Severity, Status, Tier
from wizard.probes.base import Probe, ProbeContext
from wizard.redact import register_secret, scrub

LOCK_MESSAGE = re.compile(r"too many|locked|lock-?out|try again (later|in)|temporar(il)?y (blocked|disabled|locked)|"
                          r"slow down|rate.?limit|limit exceeded|exceeded|captcha|wait \d+", re.I)
ENUMERATION_TRIES = 3  # made-up-user logins, interleaved with the first wrong passwords
MARGIN = 2  # wrong passwords sent beyond the expected limit
STORM = 3  # server errors in a row that stop the burst
MAX_UNLOCK_TRIES = 4  # correct logins while waiting for a lock to clear
_REFS = ["OWASP API Security Top 10 2023: API4 Unrestricted Resource Consumption",
         "OWASP ASVS 4.0.3 V2.2.1 (anti-automation: brute force and credential stuffing)"]
_ENUM_REFS = ["OWASP ASVS 4.0.3 V2.2.1", "OWASP Testing Guide WSTG-IDNT-04 (account enumeration)"]
_FIX = ("Limit failed sign-ins per username and per IP address (about {n} a minute), answer 429 with Retry-After, "
        "and log every block so monitoring can alert on bursts.")


def burst_sizes(settings) -> tuple[int, int]:
    """(wrong passwords for the account, made-up-user logins): at most `ratelimit_max_attempts` in all."""
    enum = ENUMERATION_TRIES if settings.ratelimit_max_attempts >= 2 * ENUMERATION_TRIES else 0
    wrong = min(settings.login_attempts_per_minute + MARGIN, settings.ratelimit_max_attempts - enum)
    return max(1, wrong), enum


def max_requests(config, settings) -> int:
    wrong, enum = burst_sizes(settings)
    per_route = min(settings.login_attempts_per_minute + MARGIN, settings.ratelimit_max_attempts)
    return 1 + wrong + enum + 1 + MAX_UNLOCK_TRIES + per_route * len(config.ratelimit.routes)


@dataclass
class Attempt:
    kind: str  # wrong / unknown / right
    status: int | None
    elapsed: float
    body: str = ""
    signs: list[str] = field(default_factory=list)
    retry_after: float | None = None
    success: bool = False
    error: str = ""


def retry_after(resp: Response) -> float | None:
    """Seconds the server asks to wait: Retry-After, else a RateLimit-Reset (seconds, or an epoch time)."""
    value = resp.headers.get("retry-after")
    if not value:
        reset = _number(resp.headers.get("ratelimit-reset") or resp.headers.get("x-ratelimit-reset"))
        if reset is None or resp.status < 400:
            return None
        return float(reset - time.time()) if reset > 1_000_000_000 else float(reset)
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _number(text: str | None) -> int | None:
    m = re.match(r"\s*(\d+)", text or "")
    return int(m.group(1)) if m else None


def limit_signs(resp: Response, expected_limit: int) -> list[str]:
    """Why this answer shows a limit at work (empty: it does not)."""
    signs = []
    if resp.status == 429:
        signs.append("429 Too Many Requests")
    if resp.status == 423:
        signs.append("423 Locked")
    if resp.headers.get("retry-after"):
        signs.append(f"Retry-After: {resp.headers['retry-after'][:40]}")
    remaining = _number(resp.headers.get("ratelimit-remaining") or resp.headers.get("x-ratelimit-remaining"))
    limit = _number(resp.headers.get("ratelimit-limit") or resp.headers.get("x-ratelimit-limit"))
    if remaining == 0:
        signs.append("RateLimit-Remaining: 0")
    elif limit is not None and limit <= expected_limit:
        signs.append(f"RateLimit-Limit: {limit}")
    if resp.status >= 400 and LOCK_MESSAGE.search(resp.text[:5000]):
        signs.append(f"says: {LOCK_MESSAGE.search(resp.text[:5000]).group(0)!r}")
    return signs


def normalise(body: str, *names: str) -> str:
    text = body[:4000]
    for name in names:
        if name:
            text = text.replace(name, "<user>")
    return re.sub(r"\s+", " ", re.sub(r"\d+", "0", text)).strip().lower()


class RateLimitProbe(Probe):
    id = "ratelimit"
    title = "Rate limits on sign-in, and user enumeration"
    tier = Tier.LOGIN
    areas = ("ratelimit", "auth")
    rules = ("ratelimit.login", "ratelimit.other-route", "ratelimit.lockout", "ratelimit.user-enumeration",
             "ratelimit.not-probed")
    needs = ("url",)
    timeout = 1100  # the burst takes seconds; waiting for a lock to clear is bounded by max_wait_seconds (<= 900)
    phase = 4  # last of all: a per-IP limit it trips cannot disturb the other checks' logins

    def login_plan(self, config, endpoints) -> list[str]:
        account = config.ratelimit.account
        if not account:
            return []
        settings = self.plan_settings()
        wrong, enum = burst_sizes(settings)
        lines = [f"rate limit: with the dedicated test account in ${account.username_env} ({account.route}): 1 correct "
                 f"login, then within a minute at most {wrong} wrong passwords and {enum} logins as a made-up user, "
                 f"stopping at the first sign of a limit; then 1 correct login (and at most {MAX_UNLOCK_TRIES} more while "
                 f"waiting up to {config.ratelimit.max_wait_seconds:g} s for a lock to clear)"]
        for r in config.ratelimit.routes:
            lines.append(f"rate limit: at most {min(settings.login_attempts_per_minute + MARGIN, settings.ratelimit_max_attempts)} "
                         f"wrong tries on {r.route} for that account")
        lines.append(f"rate limit: at most {max_requests(config, settings)} requests in all; that account may be locked "
                     "for a while, so use it for nothing else")
        return lines

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        recipe = ctx.config.ratelimit.account
        creds = ctx.credentials.get(RATELIMIT_ACCOUNT)
        if recipe is None:
            yield self.finding("ratelimit.not-probed", Status.SKIPPED, "Rate limits not tested: no dedicated test account named",
                               key="account", detail="Name an account used for nothing else (it may be locked for a while): "
                               "[ratelimit] account = { route = \"POST /login\", username_env = ..., password_env = ... }.")
            return
        if creds is None or not creds.username or not creds.password:
            yield self.finding("ratelimit.not-probed", Status.SKIPPED, "Rate limits not tested: the test account's variables are empty",
                               key="account", detail=f"Set ${recipe.username_env} and ${recipe.password_env}.")
            return
        self.ctx, self.recipe, self.creds = ctx, recipe, creds
        self.expected = ctx.settings.login_attempts_per_minute
        self.loc = Location(url=ctx.base_url.rstrip("/") + recipe.route.split(" ", 1)[1], method=recipe.route.split(" ")[0])
        self.progress(ctx, "one correct login with the test account", 0.05)
        first = await self._try("right", creds.password)
        if not first.success:
            why = first.error or f"answered {first.status} without a token or session cookie"
            yield self.finding("ratelimit.login", Status.UNKNOWN, "Rate limits not tested: the test account could not log in",
                               key="login", location=self.loc, detail=f"{why}. Nothing else was sent. Check "
                               f"${recipe.username_env}/${recipe.password_env}, or whether the account is locked already.")
            return
        attempts, stopped = await self._burst()
        refused, final, waited = await self._unlock()
        if stopped == "done" and not refused.success and not refused.signs and not refused.error:
            stopped = "silent lock"  # no sign during the burst, but the right password was refused afterwards
        for finding in (self._login_finding(attempts, stopped), self._enumeration_finding(attempts),
                        self._lockout_finding(refused, final, waited)):
            if finding is not None:
                yield finding
        for n, route in enumerate(ctx.config.ratelimit.routes):
            self.progress(ctx, f"burst on {route.route}", 0.8 + 0.2 * n / max(1, len(ctx.config.ratelimit.routes)))
            yield await self._other_route(route)

    # -- sending -----------------------------------------------------------------------------
    async def _try(self, kind: str, password: str, username: str | None = None) -> Attempt:
        started = time.perf_counter()
        try:
            got = await submit_login(self.ctx, self.recipe, username or self.creds.username, password, self.id)
        except (RequestFailed, BlockedRequest) as err:
            return Attempt(kind, None, time.perf_counter() - started, error=err.reason)
        resp = got.resp
        return Attempt(kind, resp.status, resp.elapsed, resp.text[:4000], limit_signs(resp, self.expected),
                       retry_after(resp), got.ok)

    async def _burst(self) -> tuple[list[Attempt], str]:
        """Wrong passwords (and made-up users, interleaved first) until a limit shows; why it stopped."""
        wrong, enum = burst_sizes(self.ctx.settings)
        order = []
        for i in range(max(wrong, enum)):
            if i < wrong:
                order.append("wrong")
            if i < enum:
                order.append("unknown")
        attempts: list[Attempt] = []
        nobody = f"launch-ready-nobody-{secrets.token_hex(4)}"
        errors_in_row = 0
        for n, kind in enumerate(order):
            self.progress(self.ctx, f"wrong sign-in {n + 1}/{len(order)}", 0.1 + 0.6 * n / len(order))
            password = f"launch-ready-wrong-{secrets.token_hex(6)}"
            register_secret(password, "wrong-password")
            a = await self._try(kind, password, nobody if kind == "unknown" else None)
            attempts.append(a)
            if a.error:
                return attempts, f"attempt {n + 1} got no answer ({a.error})"
            if a.success:
                return attempts, f"attempt {n + 1} with a wrong password answered like a correct login (status {a.status} with a session)"
            errors_in_row = errors_in_row + 1 if a.status >= 500 else 0
            if errors_in_row >= STORM:
                return attempts, f"the login answered {a.status} to {STORM} attempts in a row"
            if a.signs or (kind == "wrong" and self._slowdown(attempts)):
                return attempts, "limited"
        return attempts, "done"

    def _slowdown(self, attempts: list[Attempt]) -> str | None:
        wrong = [a.elapsed for a in attempts if a.kind == "wrong" and a.status is not None]
        if len(wrong) < 4:
            return None
        base = statistics.median(wrong[:3])
        last = wrong[-1]
        jump = self.ctx.settings.ratelimit_slowdown_ms / 1000
        if last >= base + jump and last >= 3 * base:
            return f"slowed down from {base * 1000:.0f} ms to {last * 1000:.0f} ms"
        return None

    async def _unlock(self) -> tuple[Attempt, Attempt, float]:
        """One correct login; when refused, wait (bounded) for the lock to clear. (first try, last try, waited s)."""
        self.progress(self.ctx, "one correct login: is the account locked?", 0.75)
        first = final = await self._try("right", self.creds.password)
        budget = self.ctx.config.ratelimit.max_wait_seconds
        waited, pause, tries = 0.0, 15.0, 0
        while not final.success and not (final.error and "budget" in final.error) and tries < MAX_UNLOCK_TRIES and waited < budget:
            delay = final.retry_after + 1 if final.retry_after is not None else pause
            delay = min(delay, budget - waited)
            self.progress(self.ctx, f"the account is locked: waiting {delay:.0f} s (at most {budget - waited:.0f} s more)", None)
            await asyncio.sleep(delay)
            waited += delay
            pause *= 2
            tries += 1
            final = await self._try("right", self.creds.password)
        return first, final, waited

    # -- judging -----------------------------------------------------------------------------
    def _lines(self, attempts: list[Attempt], limit: int = 8) -> list[str]:
        out = []
        for n, a in enumerate(attempts, 1):
            what = {"wrong": "wrong password", "unknown": "made-up user", "right": "correct password"}[a.kind]
            answer = f"not answered ({a.error})" if a.error else f"{a.status} in {a.elapsed * 1000:.0f} ms"
            out.append(f"#{n} {what} -> {answer}" + (f"; {', '.join(a.signs)}" if a.signs else ""))
        if len(out) > limit:
            out = out[:limit - 2] + [f"... {len(out) - limit + 1} more like these", out[-1]]
        return [scrub(line) for line in out]

    def _login_finding(self, attempts: list[Attempt], stopped: str) -> Finding:
        wrong = [a for a in attempts if a.kind == "wrong"]
        evidence = self._lines(attempts)
        spent = sum(a.elapsed for a in attempts)
        if stopped == "silent lock":
            return self.finding("ratelimit.login", Status.PASS, f"Login locks the account after {len(wrong)} wrong passwords "
                                "or fewer (a silent lockout: the right password was refused afterwards)", key="login",
                                location=self.loc, evidence=evidence, references=_REFS,
                                detail="No answer during the burst said so; when the lock started is not visible.")
        if stopped == "limited":
            last = attempts[-1]
            signs = last.signs or [self._slowdown(attempts) or "slowdown"]
            before = attempts[:-1]
            n = len([a for a in before if a.kind == "wrong"])
            total = len(before)
            status = Status.PASS if min(n, total) <= self.expected else Status.WARN
            count = f"{n} wrong passwords" + (f" ({total} failed sign-ins in all)" if total != n else "")
            title = (f"Login is limited after {count}: {', '.join(signs)}" if status is Status.PASS else
                     f"Login is limited, but only after {count} (expected at most {self.expected})")
            return self.finding("ratelimit.login", status, title, key="login", location=self.loc, evidence=evidence,
                                severity=Severity.INFO if status is Status.PASS else Severity.MEDIUM, references=_REFS,
                                fix="" if status is Status.PASS else _FIX.format(n=self.expected))
        if stopped != "done":
            return self.finding("ratelimit.login", Status.UNKNOWN, "Rate limit not judged: the burst was stopped", key="login",
                                location=self.loc, evidence=evidence, detail=f"Stopped because {stopped}. Nothing more was sent; "
                                "check the login route by hand (about 15 wrong passwords in a minute with a test account).")
        if len(wrong) <= self.expected:
            return self.finding("ratelimit.login", Status.UNKNOWN, f"No limit seen in {len(wrong)} wrong passwords, fewer than the "
                                f"expected limit of {self.expected}", key="login", location=self.loc, evidence=evidence,
                                detail="Raise ratelimit_max_attempts in the checklist settings to test beyond the limit.")
        # the evidence lists every sign-in (made-up users too): the title counts both so the two agree
        also = f" ({len(attempts)} failed sign-ins in all)" if len(attempts) != len(wrong) else ""
        return self.finding(
            "ratelimit.login", Status.FAIL,
            f"No limit on wrong passwords: {len(wrong)}{also} in {spent:.1f} s were all answered normally",
            key="login", severity=Severity.HIGH, location=self.loc, evidence=evidence, references=_REFS,
            detail=f"Nothing slowed down or refused {len(wrong)} wrong passwords for one account (the bar: at most "
                   f"{self.expected} a minute). A script can try passwords as fast as the server answers.",
            fix=_FIX.format(n=self.expected))

    def _enumeration_finding(self, attempts: list[Attempt]) -> Finding | None:
        # only answers from before any limit showed: a 429 for one and not the other says nothing
        clean = [a for a in attempts if not a.signs and not a.error and a.status is not None and a.status < 500]
        wrong = [a for a in clean if a.kind == "wrong"][:ENUMERATION_TRIES]
        unknown = [a for a in clean if a.kind == "unknown"]
        if not wrong or not unknown:
            return None
        names = (self.creds.username,) + tuple(re.findall(r"launch-ready-nobody-[0-9a-f]+", " ".join(a.body for a in unknown)))[:1]
        evidence = [f"wrong password for the test account -> {', '.join(str(a.status) for a in wrong)}",
                    f"made-up user -> {', '.join(str(a.status) for a in unknown)}"]
        differences = []
        if {a.status for a in wrong} != {a.status for a in unknown}:
            differences.append("a different status code")
        bw = {normalise(a.body, *names) for a in wrong}
        bu = {normalise(a.body, *names) for a in unknown}
        if len(bw) == 1 and len(bu) == 1 and bw != bu:
            differences.append("a different message")
            evidence += [f"wrong password says: {scrub(next(iter(bw)))[:120]}", f"made-up user says: {scrub(next(iter(bu)))[:120]}"]
        tw, tu = [a.elapsed for a in wrong], [a.elapsed for a in unknown]
        gap = abs(statistics.median(tw) - statistics.median(tu)) * 1000
        apart = min(tw) > max(tu) or min(tu) > max(tw)
        evidence.append(f"answer times: wrong password {statistics.median(tw) * 1000:.0f} ms, made-up user "
                        f"{statistics.median(tu) * 1000:.0f} ms (median)")
        loc = self.loc
        fix = ("Answer a wrong password and an unknown user with the same status, the same message and about the same "
               "time (run the password hash check even when the user does not exist).")
        if differences:
            return self.finding("ratelimit.user-enumeration", Status.FAIL,
                                f"The login tells an unknown user from a wrong password ({' and '.join(differences)})",
                                key="login", severity=Severity.MEDIUM, location=loc, evidence=evidence, fix=fix, references=_ENUM_REFS,
                                detail="Anyone can find out which usernames or e-mail addresses have an account, then "
                                       "aim password guessing and phishing at them.")
        if apart and gap >= self.ctx.settings.enumeration_timing_ms:
            return self.finding("ratelimit.user-enumeration", Status.WARN,
                                f"The login answers an unknown user {gap:.0f} ms faster or slower than a wrong password",
                                key="login", severity=Severity.LOW, location=loc, evidence=evidence, fix=fix, references=_ENUM_REFS,
                                detail="Every sample was apart: timing alone may reveal which accounts exist.")
        return self.finding("ratelimit.user-enumeration", Status.PASS, "The login answers an unknown user and a wrong password alike",
                            key="login", location=loc, evidence=evidence)

    def _lockout_finding(self, first: Attempt, final: Attempt, waited: float) -> Finding:
        evidence = self._lines([first] if first is final else [first, final], 4)
        account = f"${self.recipe.username_env}"
        if first.success:
            return self.finding("ratelimit.lockout", Status.PASS, "The test account still logs in after the burst", key="lockout",
                                location=self.loc, evidence=[f"correct login after the burst -> {final.status}"])
        if final.success:
            silent = not first.signs
            return self.finding(
                "ratelimit.lockout", Status.WARN if silent else Status.PASS,
                f"The test account was locked silently for about {waited:.0f} s (the right password was refused without a reason)"
                if silent else f"The test account was locked and unlocked itself within {waited:.0f} s (the check waited)",
                key="lockout", location=self.loc, evidence=evidence + [f"waited {waited:.0f} s, then the correct login worked"],
                severity=Severity.LOW if silent else Severity.INFO,
                fix="Tell the person the account is temporarily locked and for how long (429 with Retry-After)." if silent else "")
        reason = final.error or (f"the correct password still answered {final.status}"
                                 + (f" ({', '.join(final.signs)})" if final.signs else " without saying why"))
        until = f"; the server asked to wait {final.retry_after:.0f} s more" if final.retry_after else ""
        return self.finding(
            "ratelimit.lockout", Status.UNKNOWN, f"The test account is still locked after waiting {waited:.0f} s",
            key="lockout", location=self.loc, evidence=evidence, severity=Severity.MEDIUM,
            detail=f"{reason}{until}. The account in {account} may unlock by itself later, or unlock it by hand. Whether "
                   "staff can be locked out this way (a denial of service) needs a look at the lockout policy.")

    async def _other_route(self, route) -> Finding:
        method, _, path = route.route.partition(" ")
        loc = Location(url=self.ctx.base_url.rstrip("/") + path, method=method)
        n = min(self.ctx.settings.login_attempts_per_minute + MARGIN, self.ctx.settings.ratelimit_max_attempts)
        statuses, signs, error = [], [], ""
        for _ in range(n):
            values = {"username": self.creds.username, "wrong_code": f"{secrets.randbelow(10**6):06d}"}
            fields = {k: v.format(**values) for k, v in route.fields.items()}
            body = {"json": fields} if route.format == "json" else {"data": fields}
            try:
                resp = await self.ctx.http.request(method, self.ctx.base_url.rstrip("/") + path, probe=self.id, login=True,
                                                   follow_redirects=False, **body)
            except (RequestFailed, BlockedRequest) as err:
                error = err.reason
                break
            statuses.append(resp.status)
            signs = limit_signs(resp, self.expected)
            if signs or (len(statuses) >= STORM and all(s >= 500 for s in statuses[-STORM:])):
                break
        evidence = [f"{len(statuses)} tries -> {', '.join(map(str, statuses[:15]))}" + (f"; {', '.join(signs)}" if signs else "")]
        if signs:
            return self.finding("ratelimit.other-route", Status.PASS, f"{route.route} is limited after {len(statuses) - 1} tries",
                                key=route.route, location=loc, evidence=evidence)
        if error or (statuses and statuses[-1] >= 500):
            return self.finding("ratelimit.other-route", Status.UNKNOWN, f"{route.route}: limit not judged", key=route.route,
                                location=loc, evidence=evidence, detail=error or "the route answered server errors; stopped")
        return self.finding("ratelimit.other-route", Status.FAIL, f"No limit on {route.route}: {len(statuses)} tries answered normally",
                            key=route.route, severity=Severity.HIGH, location=loc, evidence=evidence, references=_REFS,
                            fix="Limit reset, one-time-code and PIN routes per account and per IP address (a few a minute), "
                                "and expire codes after a handful of wrong tries.")
