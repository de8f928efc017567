"""Authentication on every route: each non-public GET route, anonymously and with an invalid token.

A 401/403, or a redirect or 200 that is really the login page, counts as enforced. A 2xx with
content is a bypass. State-changing routes are named, never called.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from wizard.engine.http import BlockedRequest, RequestFailed, Response, UnsafeRoute, is_unsafe_path
from wizard.model import Finding, Location, Severity, Status
from wizard.probes.base import Probe, ProbeContext

_PASSWORD_INPUT = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password", re.I)
_LOGINISH = re.compile(r"login|signin|sign-in|auth|sso|oauth", re.I)
_PATH_PARAM = re.compile(r"\{[^}]+\}|:\w+|<[^>]+>")


def concrete_path(path: str) -> str:
    """Fill path parameters with a harmless sample id, so `/customers/{id}` can be requested."""
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
        return Status.UNKNOWN, "404: route not found at this path (check the inventory)"
    if 200 <= s < 300:
        if _PASSWORD_INPUT.search(resp.body[:200_000]):
            return Status.PASS, "answered with the login page"
        if home_body is not None and resp.body == home_body:
            return Status.PASS, "answered with the public home page"
        return Status.FAIL, f"answered {s} with content, without a valid login"
    if s >= 500:
        return Status.UNKNOWN, f"server error {s}"
    return Status.UNKNOWN, f"unexpected status {s}"


def body_excerpt(resp: Response) -> str:
    ctype = resp.headers.get("content-type", "?").split(";")[0]
    first = resp.text.strip().splitlines()[0][:100] if resp.body.strip() else ""
    return f"{ctype}, {len(resp.body)} bytes" + (f"; first line: {first}" if first else "")


class AuthnProbe(Probe):
    id = "authn"
    title = "Authentication on every route"
    areas = ("authn", "auth")
    rules = ("authn.unauthenticated-access", "authn.invalid-token-accepted", "authn.unsafe-route-not-probed")
    needs = ("url", "endpoints")

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        home_body = None
        try:
            home_body = (await ctx.http.request("GET", ctx.base_url + "/", probe=self.id)).body
        except (RequestFailed, BlockedRequest):
            pass
        targets = [e for e in ctx.endpoints if not e.public and e.method in ("GET", "HEAD")]
        for n, ep in enumerate(targets, 1):
            self.progress(ctx, f"{ep} anonymously", n / max(1, len(targets)))
            url = ctx.base_url + concrete_path(ep.path)
            loc = Location(url=url, method=ep.method)
            key = f"{ep.method} {ep.path}"
            if is_unsafe_path(ep.path):
                yield self.finding("authn.unsafe-route-not-probed", Status.SKIPPED,
                                   f"{key} not probed: its name says it changes state", key=key, location=loc,
                                   detail="A GET route that changes state is also a CSRF risk; check it by hand.")
                continue
            try:
                anon = await ctx.http.request(ep.method, url, probe=self.id, follow_redirects=False)
            except UnsafeRoute:
                continue
            except (RequestFailed, BlockedRequest) as err:
                yield self.finding("authn.unauthenticated-access", Status.UNKNOWN, f"{key}: could not test", key=key,
                                   location=loc, detail=err.reason)
                continue
            status, why = judge_anonymous(anon, home_body)
            evidence = [f"{ep.method} {urlsplit(url).path} (no cookie, no token) -> {anon.status}: {body_excerpt(anon)}"]
            critical = ep.sensitive
            if status is Status.FAIL:
                yield self.finding("authn.unauthenticated-access", Status.FAIL,
                                   f"{key} is open without logging in", key=key, location=loc,
                                   severity=Severity.CRITICAL if critical else Severity.HIGH, detail=why, evidence=evidence,
                                   fix="Require authentication on this route in the server (middleware or decorator), "
                                       "and deny by default for every route not explicitly public.",
                                   references=["OWASP API2:2023 Broken Authentication", "OWASP ASVS 4.0.3 V4.1.1"])
                continue
            yield self.finding("authn.unauthenticated-access", status, f"{key}: {why}", key=key, location=loc, evidence=evidence)
            if status is not Status.PASS:
                continue
            try:
                forged = await ctx.http.request(
                    ep.method, url, probe=self.id, follow_redirects=False,
                    headers={"Authorization": "Bearer launch-ready-invalid-token", "Cookie": "session=launch-ready-invalid"},
                )
            except (RequestFailed, BlockedRequest):
                continue
            fstatus, fwhy = judge_anonymous(forged, home_body)
            if fstatus is Status.FAIL:
                yield self.finding("authn.invalid-token-accepted", Status.FAIL, f"{key} accepts an invalid token",
                                   key=key, location=loc, severity=Severity.CRITICAL, detail=fwhy,
                                   evidence=[f"{ep.method} {urlsplit(url).path} (invalid bearer token and cookie) -> {forged.status}: {body_excerpt(forged)}"],
                                   fix="Verify tokens and session ids on the server; reject anything unknown.")
