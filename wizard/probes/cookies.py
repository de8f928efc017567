"""Session cookie flags and lifetime, on public pages and (with consent) right after a test login."""

from __future__ import annotations

from collections.abc import AsyncIterator

from wizard.engine.auth import SetCookie, login, parse_set_cookie
from wizard.engine.http import BlockedRequest, RequestFailed
from wizard.model import Finding, Location, Severity, Status, Tier
from wizard.probes.base import Probe, ProbeContext

_FIX_FLAGS = (
    "Set the session cookie with Secure, HttpOnly and SameSite=Lax (or Strict); "
    "prefer the __Host- prefix with Path=/ and no Domain."
)


class CookieProbe(Probe):
    id = "cookies"
    title = "Session cookie flags and lifetime"
    areas = ("cookies", "session")
    rules = ("cookies.session-flags", "cookies.session-lifetime", "cookies.none-seen")
    needs = ("url",)

    def login_plan(self, config, endpoints) -> list[str]:
        role = next((name for name, r in config.roles.items() if r.login), None)
        if not role:
            return []
        return [f"1 login as test role '{role}' ({config.roles[role].login.route}) to read the session cookie it sets"]

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        seen: dict[str, tuple[SetCookie, str, bool]] = {}  # name -> (cookie, where, set by login)
        for path in ("/", "/login"):
            try:
                resp = await ctx.http.request("GET", ctx.base_url + path, probe=self.id)
            except (RequestFailed, BlockedRequest):
                continue
            for line in resp.set_cookies:
                c = parse_set_cookie(line)
                if c:
                    seen.setdefault(c.name, (c, f"GET {path}", False))

        login_note = "no test login (login tier not consented or no role with a login)"
        if ctx.allows(Tier.LOGIN):
            role = next((name for name, r in ctx.config.roles.items() if r.login), None)
            if role:
                self.progress(ctx, f"logging in as test role '{role}'", 0.5)
                try:
                    state = await login(ctx, role, self.id)
                    login_note = f"after logging in as '{role}'" if state.ok else state.reason
                    for c in state.cookies:
                        seen[c.name] = (c, f"{ctx.config.roles[role].login.route} as '{role}'", True)
                except (RequestFailed, BlockedRequest) as err:
                    login_note = f"login failed: {err.reason}"

        session_cookies = [(c, where) for c, where, by_login in seen.values() if by_login or c.looks_like_session]
        if not session_cookies:
            yield self.finding("cookies.none-seen", Status.UNKNOWN, "No session cookie seen", key="none",
                               detail=f"Checked the public pages and {login_note}. Give a test role with a login recipe "
                                      "and consent to the login tier so the cookie set at login can be checked.")
            return
        https = ctx.base_url.startswith("https://")
        limit_h = ctx.settings.admin_session_hours
        for c, where in session_cookies:
            loc = Location(url=ctx.base_url, method=where.split(" ")[0])
            evidence = [f"{where}: Set-Cookie: {c.redacted()}"]
            problems = []
            if https and not c.secure:
                problems.append("no Secure flag (sent over plain HTTP too)")
            if not c.httponly:
                problems.append("no HttpOnly flag (scripts can read it)")
            weak_samesite = c.samesite not in ("Lax", "Strict")
            if problems:
                extra = "; SameSite missing" if weak_samesite else ""
                yield self.finding("cookies.session-flags", Status.FAIL, f"Session cookie '{c.name}' lacks protective flags",
                                   key=c.name, severity=Severity.HIGH, detail="; ".join(problems) + extra,
                                   location=loc, evidence=evidence, fix=_FIX_FLAGS,
                                   references=["OWASP ASVS 4.0.3 V3.4.1-3.4.3"])
            elif weak_samesite:
                yield self.finding("cookies.session-flags", Status.WARN, f"Session cookie '{c.name}' has SameSite={c.samesite or 'unset'}",
                                   key=c.name, severity=Severity.MEDIUM, location=loc, evidence=evidence, fix=_FIX_FLAGS,
                                   references=["OWASP ASVS 4.0.3 V3.4.3"])
            else:
                yield self.finding("cookies.session-flags", Status.PASS, f"Session cookie '{c.name}' is Secure, HttpOnly, SameSite={c.samesite}",
                                   key=c.name, location=loc, evidence=evidence)

            life = c.lifetime_seconds()
            if life is None:
                yield self.finding("cookies.session-lifetime", Status.PASS, f"Session cookie '{c.name}' ends with the browser session",
                                   key=c.name, location=loc, evidence=evidence,
                                   detail="The server must still expire the session; the session checks test that.")
                continue
            hours = life / 3600
            status = Status.PASS if hours <= limit_h else Status.WARN if hours <= 24 else Status.FAIL
            human = f"{hours / 24:.0f} days" if hours >= 48 else f"{hours:.0f} hours"
            title = (f"Session cookie '{c.name}' lasts {human}" +
                     ("" if status is Status.PASS else f" (limit for an admin tool: {limit_h:g} hours)"))
            yield self.finding("cookies.session-lifetime", status, title, key=c.name, location=loc, evidence=evidence,
                               severity=Severity.MEDIUM if status is not Status.PASS else Severity.INFO,
                               fix=f"Expire admin sessions after {limit_h:g} hours at most (Max-Age={int(limit_h * 3600)}) and after inactivity."
                               if status is not Status.PASS else "", references=["OWASP ASVS 4.0.3 V3.3.2"])
