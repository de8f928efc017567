"""Authentication on every route: each non-public route anonymously, then with an invalid token.

A 401/403, or a redirect or 200 that is really the login page or the public home page, counts as
enforced; a 2xx with content is a bypass. Routes with an id are tried with a real id: with the login
tier, one read from a test account's list response (a placeholder id gets a 404 from many apps
before the login check even runs); else an id seen in the sources; else "1", and a 404 is then
reported as unknown. The invalid credential looks real: a test account's JWT with a broken signature
and its session cookie names with random values. Writes are sent anonymously only in the write tier
(with an empty JSON body). State-changing routes are named, never called.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from collections.abc import AsyncIterator

from wizard.config import ANONYMOUS
from wizard.engine.auth import AuthState, login, looks_like_jwt
from wizard.engine.http import BlockedRequest, RequestFailed, Response, is_unsafe_path
from wizard.inventory import Endpoint
from wizard.model import Finding, Location, Severity, Status, Tier
from wizard.probes.authz.objects import IdBook, fill
from wizard.probes.authz.requests import Outcome, RoleRequests
from wizard.probes.base import Probe, ProbeContext
from wizard.redact import register_secret

_PASSWORD_INPUT = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password", re.I)
_LOGINISH = re.compile(r"login|signin|sign-in|auth|sso|oauth", re.I)
_PATH_PARAM = re.compile(r"\{[^}]+\}|:\w+|<[^>]+>")
_REFS = ["OWASP API2:2023 Broken Authentication", "OWASP ASVS 4.0.3 V4.1.1"]
_ID_SOURCE = "a test account's list"


def concrete_path(path: str) -> str:
    """Fill path parameters with a harmless sample id (callers without an inventory entry)."""
    return _PATH_PARAM.sub("1", path)


def judge_anonymous(resp: Response, home_body: bytes | None) -> tuple[Status, str]:
    s = resp.status
    if s in (401, 403):
        return Status.PASS, f"refused with {s}"
    if s in (301, 302, 303, 307, 308):
        location = resp.headers.get("location", "")
        if _LOGINISH.search(location):
            return Status.PASS, f"redirected to the login page ({location[:80]})"
        return Status.UNKNOWN, f"redirected to {location[:80] or '(no location)'}"
    if s == 404:
        return Status.UNKNOWN, "404: route not found at this path (check the inventory or give a real id)"
    if 200 <= s < 300:
        if _PASSWORD_INPUT.search(resp.body[:200_000]):
            return Status.PASS, "answered with the login page"
        if home_body is not None and resp.body == home_body:
            return Status.PASS, "answered with the public home page"
        return Status.FAIL, f"answered {s} with content, without a valid login"
    if s >= 500:
        return Status.UNKNOWN, f"server error {s}"
    return Status.UNKNOWN, f"unexpected status {s}"


def judge_anonymous_write(resp: Response) -> tuple[Status, str]:
    s = resp.status
    if s in (401, 403) or (300 <= s < 400 and _LOGINISH.search(resp.headers.get("location", ""))):
        return Status.PASS, f"refused with {s}"
    if 200 <= s < 300:
        return Status.FAIL, f"accepted a write with {s}, without a valid login"
    if s in (400, 422):
        return Status.UNKNOWN, f"{s}: the input was checked before the login, so this does not show whether a login is required"
    return Status.UNKNOWN, f"answered {s}"


def body_excerpt(resp: Response) -> str:
    ctype = resp.headers.get("content-type", "?").split(";")[0]
    first = resp.text.strip().splitlines()[0][:100] if resp.body.strip() else ""
    return f"{ctype}, {len(resp.body)} bytes" + (f"; first line: {first}" if first else "")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def invalid_credentials(states: list[AuthState]) -> dict[str, str]:
    """Headers that look like a real login but are not: a JWT with a wrong signature, cookies with
    the real names and random values. Nothing here is a valid credential, and none is printed."""
    token = next((s.token for s in states if s.token and looks_like_jwt(s.token)), None)
    if token:
        head, payload, _ = token.split(".")
        forged = f"{head}.{payload}.{_b64(secrets.token_bytes(32))}"
    else:
        forged = f"launch-ready-invalid-{secrets.token_hex(12)}"
    register_secret(forged, "invalid-token")
    names = [c.name for s in states for c in s.cookies if c.value] or ["session"]
    cookie = "; ".join(f"{n}=launch-ready-invalid-{secrets.token_hex(8)}" for n in dict.fromkeys(names))
    return {"Authorization": f"Bearer {forged}", "Cookie": cookie}


class AuthnProbe(Probe):
    id = "authn"
    title = "Authentication on every route"
    areas = ("authn", "auth")
    rules = ("authn.unauthenticated-access", "authn.invalid-token-accepted", "authn.not-probed",
             "csrf.state-changing-get")
    needs = ("url", "endpoints")
    timeout = 600  # bounded by the budget and the per-host rate

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        states = await self._logins(ctx)
        headers: dict[str, dict[str, str]] = {ANONYMOUS: {}, "invalid": invalid_credentials(states)}
        lister = next((s for s in sorted(states, key=lambda s: -ctx.config.roles[s.role].level) if s.ok), None)
        if lister:
            headers[lister.role] = lister.headers
        self.req = RoleRequests(ctx, self.id, headers)
        self.ids = IdBook(self.req)
        self.lister = lister.role if lister else None
        home = await self.req.get(ANONYMOUS, "/")
        self.home_body = home.resp.body if home.ok else None

        targets: list[Endpoint] = []
        writes: list[Endpoint] = []
        skipped: list[str] = []
        for ep in ctx.endpoints:
            if ep.public:
                continue
            if is_unsafe_path(ep.path):
                if ep.method in ("GET", "HEAD"):
                    yield self._state_changing_get(ctx, ep)
                continue
            if ep.method in ("GET", "HEAD"):
                targets.append(ep)
            elif ep.method in ("POST", "PUT", "PATCH") and ctx.allows(Tier.WRITE):
                writes.append(ep)
            elif ep.method != "OPTIONS":
                skipped.append(str(ep))

        done = 0

        async def check(ep: Endpoint, write: bool) -> list[Finding]:
            nonlocal done
            out = await (self._write(ctx, ep) if write else self._read(ctx, ep))
            done += 1
            self.progress(ctx, f"{ep}", done / max(1, len(targets) + len(writes)))
            return out

        jobs = [check(ep, False) for ep in targets] + [check(ep, True) for ep in writes]
        for found in await asyncio.gather(*jobs):
            for f in found:
                yield f
        if skipped:
            why = ("DELETE is never sent; writes need consent to the write tier on staging"
                   if not ctx.allows(Tier.WRITE) else "DELETE is never sent")
            yield self.finding("authn.not-probed", Status.SKIPPED,
                               f"{len(skipped)} route(s) not checked without a login: {why}", key="not-probed",
                               detail="Check these by hand (or consent to the write tier on staging): " + ", ".join(skipped[:20])
                               + (" ..." if len(skipped) > 20 else ""))

    async def _logins(self, ctx: ProbeContext) -> list[AuthState]:
        """With the login tier: every role's login, for real ids and realistic invalid credentials."""
        if not ctx.allows(Tier.LOGIN) or not ctx.credentials:
            return []
        states = []
        for role in ctx.config.roles:
            try:
                states.append(await login(ctx, role, self.id))
            except (RequestFailed, BlockedRequest):
                continue
        return states

    async def _path(self, ep: Endpoint) -> tuple[str, str]:
        """A concrete path to request, and where its ids came from."""
        if not ep.params:
            return ep.path, ""
        if self.lister:
            owned = await self.ids.owned(self.lister, ep.path)
            if owned:
                return fill(ep.path, owned[0]), f" (id from {_ID_SOURCE})"
        if all(p in ep.examples for p in ep.params):
            return ep.concrete(), " (id seen in the sources)"
        return ep.concrete(), " (placeholder id: no real id known)"

    def _state_changing_get(self, ctx: ProbeContext, ep: Endpoint) -> Finding:
        key = f"{ep.method} {ep.path}"
        return self.finding(
            "csrf.state-changing-get", Status.WARN, f"{key} changes state on a plain GET (not probed)",
            key=key, location=Location(url=ctx.base_url.rstrip("/") + ep.path, method=ep.method), severity=Severity.MEDIUM,
            detail="Its name says it changes data, so it was never called. A GET that changes state can be triggered by "
                   "a link, an image tag, a link preview or browser prefetching, with the victim's login (CSRF).",
            evidence=[f"{key} (sources: {ep.describe_sources()}; {', '.join(ep.origins[:3])})"],
            fix="Make it a POST (or PATCH/DELETE) protected against CSRF, and keep GET routes free of side effects.",
            references=["OWASP ASVS 4.0.3 V13.1.3 (no sensitive action on GET)", "RFC 9110 9.2.1 safe methods"])

    async def _read(self, ctx: ProbeContext, ep: Endpoint) -> list[Finding]:
        path, id_note = await self._path(ep)
        url = self.req.url(path)
        loc = Location(url=url, method=ep.method)
        key = f"{ep.method} {ep.path}"
        anon = await self._send(ANONYMOUS, ep.method, path)
        if anon.resp is None:
            if anon.blocked and not anon.budget:
                return []
            return [self.finding("authn.unauthenticated-access", Status.UNKNOWN, f"{key}: could not test", key=key,
                                 location=loc, detail=anon.error or "")]
        status, why = judge_anonymous(anon.resp, self.home_body)
        evidence = [f"{ep.method} {path} (no cookie, no token){id_note} -> {anon.resp.status}: {body_excerpt(anon.resp)}"]
        if "source" in ep.sources and ep.sources <= {"source", "config"}:
            evidence.append(f"found only in the source: {', '.join(ep.origins[:3])}")
        if status is Status.FAIL:
            return [self.finding(
                "authn.unauthenticated-access", Status.FAIL, f"{key} is open without logging in", key=key, location=loc,
                severity=Severity.CRITICAL if ep.sensitive else Severity.HIGH, detail=why, evidence=evidence,
                fix="Require authentication on this route in the server (middleware or decorator), "
                    "and deny by default for every route not explicitly public.", references=_REFS)]
        out = [self.finding("authn.unauthenticated-access", status, f"{key}: {why}", key=key, location=loc, evidence=evidence)]
        if status is not Status.PASS:
            return out
        forged = await self._send("invalid", ep.method, path)
        if forged.resp is not None:
            fstatus, fwhy = judge_anonymous(forged.resp, self.home_body)
            if fstatus is Status.FAIL:
                out.append(self.finding(
                    "authn.invalid-token-accepted", Status.FAIL, f"{key} accepts an invalid token", key=key, location=loc,
                    severity=Severity.CRITICAL, detail=fwhy + ". The token had a valid shape but a wrong signature "
                    "(or was random), and the session cookies had random values.",
                    evidence=[f"{ep.method} {path} (forged bearer token and session cookie) -> {forged.resp.status}: "
                              f"{body_excerpt(forged.resp)}"],
                    fix="Verify the token's signature, expiry and audience on the server, and look session ids up "
                        "server-side; reject anything unknown.", references=_REFS + ["OWASP ASVS 4.0.3 V3.5.3"]))
        return out

    async def _write(self, ctx: ProbeContext, ep: Endpoint) -> list[Finding]:
        path, id_note = await self._path(ep)
        loc = Location(url=self.req.url(path), method=ep.method)
        key = f"{ep.method} {ep.path}"
        out = await self._send(ANONYMOUS, ep.method, path, json={})
        if out.resp is None:
            return [] if out.blocked and not out.budget else [
                self.finding("authn.unauthenticated-access", Status.UNKNOWN, f"{key}: could not test", key=key,
                             location=loc, detail=out.error or "")]
        status, why = judge_anonymous_write(out.resp)
        evidence = [f"{ep.method} {path} (no cookie, no token, empty JSON body){id_note} -> {out.resp.status}: "
                    f"{body_excerpt(out.resp)}"]
        if status is Status.FAIL:
            return [self.finding("authn.unauthenticated-access", Status.FAIL, f"{key} accepts changes without logging in",
                                 key=key, location=loc, severity=Severity.CRITICAL, detail=why, evidence=evidence,
                                 fix="Require authentication on every route that changes data, before reading the input.",
                                 references=_REFS)]
        return [self.finding("authn.unauthenticated-access", status, f"{key}: {why}", key=key, location=loc, evidence=evidence)]

    async def _send(self, who: str, method: str, path: str, **kwargs) -> Outcome:
        if method == "GET" and not kwargs:
            return await self.req.get(who, path)
        return await self.req.send(who, method, path, **kwargs)
