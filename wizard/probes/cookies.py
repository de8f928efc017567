"""Every cookie the app sets, on its public pages and (with consent) right after a test login.

Session cookies, CSRF cookies and the rest are told apart and held to different bars: a CSRF
cookie must be readable by the page's scripts (double-submit), a session cookie must not be.
Cookie values never leave this module unredacted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from wizard.engine.auth import SetCookie, parse_set_cookie
from wizard.model import Finding, Location, Severity, Status
from wizard.probes import pages
from wizard.probes.base import Probe, ProbeContext
from wizard.probes.headerrules import Verdict
from wizard.probes.transport import chain_of
from wizard.redact import redact, register_secret

MAX_PUBLIC_PAGES = 6  # home, login and a few public routes from the inventory
SAMESITE_VALUES = {"strict": "Strict", "lax": "Lax", "none": "None"}

_FIX_FLAGS = (
    "Set the session cookie with Secure, HttpOnly and SameSite=Lax (or Strict); "
    "prefer the __Host- prefix with Path=/ and no Domain."
)


@dataclass
class SeenCookie:
    cookie: SetCookie
    where: str  # "GET /login" or "POST /login as 'admin'"
    by_login: bool
    kind: str = ""  # session / csrf / other

    @property
    def name(self) -> str:
        return self.cookie.name


@dataclass
class CookieSurvey:
    """What the cookie and CSRF checks read: every cookie seen, malformed lines, how the login went."""

    cookies: dict[str, SeenCookie] = field(default_factory=dict)
    malformed: list[tuple[str, str]] = field(default_factory=list)  # (where, problem)
    pages: list = field(default_factory=list)  # responses of the public pages read
    login_note: str = "no test login (login tier not consented, or no role that can log in)"
    login_ok: bool = False
    login_token_only: bool = False

    def of_kind(self, kind: str) -> list[SeenCookie]:
        return [c for c in self.cookies.values() if c.kind == kind]


def classify(c: SetCookie, by_login: bool) -> str:
    if c.is_csrf:
        return "csrf"
    if by_login or c.looks_like_session:
        return "session"
    return "other"


def attribute_problems(c: SetCookie) -> list[str]:
    """Attributes a browser would ignore or reject; what the app meant is not what happens."""
    problems = []
    if "max-age" in c.attrs and not c.attrs["max-age"].lstrip("-").isdigit():
        problems.append(f"Max-Age '{c.attrs['max-age'][:20]}' is not a number (ignored)")
    if "expires" in c.attrs and _expires(c) is None:
        problems.append(f"Expires '{c.attrs['expires'][:40]}' is not a date (ignored)")
    if "samesite" in c.attrs and c.attrs["samesite"].lower() not in SAMESITE_VALUES:
        problems.append(f"SameSite '{c.attrs['samesite'][:20]}' is not Strict, Lax or None (ignored)")
    return problems


def _expires(c: SetCookie) -> datetime | None:
    try:
        exp = parsedate_to_datetime(c.attrs["expires"])
    except (TypeError, ValueError, IndexError):
        return None
    return exp if exp.tzinfo else exp.replace(tzinfo=timezone.utc)


def lifetime_seconds(c: SetCookie, now: datetime | None = None) -> float | None:
    """Max-Age wins over Expires (RFC 6265); an invalid one is ignored; None: a browser-session cookie."""
    raw = c.attrs.get("max-age", "")
    if raw.lstrip("-").isdigit():
        return float(raw)
    if "expires" in c.attrs:
        exp = _expires(c)
        if exp is not None:
            return (exp - (now or datetime.now(timezone.utc))).total_seconds()
    return None


def samesite(c: SetCookie) -> str | None:
    return SAMESITE_VALUES.get(c.attrs.get("samesite", "").lower())


def is_deletion(c: SetCookie) -> bool:
    life = lifetime_seconds(c)
    return life is not None and life <= 0


def judge_session_flags(c: SetCookie, https: bool) -> Verdict:
    problems, warnings = [], []
    if https and not c.secure:
        problems.append("no Secure flag (also sent over plain HTTP)")
    if not c.httponly:
        problems.append("no HttpOnly flag (scripts on the page can read it)")
    site = samesite(c)
    if site == "None" and not c.secure:
        problems.append("SameSite=None without Secure (browsers reject it)")
    elif site in (None, "None"):
        warnings.append(f"SameSite {'None' if site else 'not set'} (sent along with requests from other sites)")
    if c.attrs.get("domain"):
        warnings.append(f"Domain={c.attrs['domain'][:60]} (shared with every subdomain)")
    if problems:
        return Verdict(Status.FAIL, f"Session cookie '{c.name}' lacks protective flags", "; ".join(problems + warnings))
    if warnings:
        return Verdict(Status.WARN, f"Session cookie '{c.name}' has SameSite={site or 'unset'}" if site in (None, "None")
                       else f"Session cookie '{c.name}' is shared with subdomains", "; ".join(warnings))
    return Verdict(Status.PASS, f"Session cookie '{c.name}' is Secure, HttpOnly, SameSite={site}")


def judge_lifetime(c: SetCookie, limit_hours: float, fail_hours: float = 24) -> Verdict:
    life = lifetime_seconds(c)
    if life is None:
        return Verdict(Status.PASS, f"Session cookie '{c.name}' ends with the browser session",
                       "The server must still expire the session; the session checks test that.")
    hours = life / 3600
    status = Status.PASS if hours <= limit_hours else Status.WARN if hours <= max(fail_hours, limit_hours) else Status.FAIL
    human = f"{hours / 24:.0f} days" if hours >= 48 else f"{hours:.0f} hours"
    return Verdict(status, f"Session cookie '{c.name}' lasts {human}"
                   + ("" if status is Status.PASS else f" (limit for an admin tool: {limit_hours:g} hours)"))


def judge_prefix(c: SetCookie) -> Verdict:
    name = c.name
    if name.startswith("__Host-"):
        bad = [p for p, ok in (("Secure", c.secure), ("Path=/", c.attrs.get("path") == "/"),
                               ("no Domain", not c.attrs.get("domain"))) if not ok]
        if bad:
            return Verdict(Status.FAIL, f"Cookie '{name}' breaks the __Host- prefix rules: browsers drop it",
                           f"A __Host- cookie needs {', '.join(bad)}; without them the browser refuses to store it.")
        return Verdict(Status.PASS, f"Session cookie '{name}' uses the __Host- prefix")
    if name.startswith("__Secure-"):
        if not c.secure:
            return Verdict(Status.FAIL, f"Cookie '{name}' breaks the __Secure- prefix rules: browsers drop it",
                           "A __Secure- cookie needs the Secure flag.")
        return Verdict(Status.PASS, f"Session cookie '{name}' uses the __Secure- prefix (__Host- is stronger)")
    return Verdict(Status.WARN, f"Session cookie '{name}' has no __Host- prefix",
                   "The prefix makes browsers refuse a look-alike cookie set by a subdomain (session fixation, cookie tossing).")


def judge_csrf_cookie(c: SetCookie, https: bool) -> Verdict:
    problems = []
    if https and not c.secure:
        problems.append("no Secure flag")
    if samesite(c) in (None, "None"):
        problems.append("SameSite not Lax/Strict")
    if problems:
        return Verdict(Status.WARN, f"CSRF cookie '{c.name}' could be stronger", "; ".join(problems)
                       + ". (HttpOnly is not needed: the page's script must read it to send it back.)")
    return Verdict(Status.PASS, f"CSRF cookie '{c.name}' is Secure and SameSite={samesite(c)}")


def redacted_line(line: str) -> str:
    """A Set-Cookie line with its value masked, for lines our parser could not read."""
    first, sep, rest = line.partition(";")
    name, eq, value = first.partition("=")
    masked = f"{name.strip()[:40]}={redact(value.strip(), 'cookie')}" if eq else redact(first.strip(), "cookie")
    attrs = "; ".join(a.strip().split("=")[0][:20] for a in rest.split(";") if a.strip())
    return masked + (f"; {attrs}" if attrs else "")


async def survey_cookies(ctx: ProbeContext, probe: str) -> CookieSurvey:
    """Read the public pages and (with consent) log in once; shared by the cookie and CSRF checks."""
    survey = CookieSurvey()
    paths = [pages.HOME, pages.LOGIN] + [pages.concrete_path(e.path) for e in pages.safe_get_endpoints(ctx.endpoints, public=True)]
    paths = list(dict.fromkeys(paths))[:MAX_PUBLIC_PAGES]
    fetched = await asyncio.gather(*(pages.try_fetch(ctx, path, probe) for path in paths))
    for path, (resp, _) in zip(paths, fetched):
        if resp is None:
            continue
        survey.pages.append(resp)
        for hop in chain_of(resp):
            for line in hop.set_cookies:
                where = f"GET {path}"
                c = parse_set_cookie(line)
                if c is None:
                    register_secret(line.split(";")[0].strip(), "cookie")
                    survey.malformed.append((where, f"no name=value pair: {redacted_line(line)}"))
                    continue
                survey.malformed += [(where, f"cookie '{c.name}': {p}") for p in attribute_problems(c)]
                if not is_deletion(c):
                    survey.cookies.setdefault(c.name, SeenCookie(c, where, False, classify(c, False)))

    state = await pages.shared_login(ctx, probe)
    if state is not None:
        role = state.role
        route = ctx.config.roles[role].login.route if ctx.config.roles[role].login else "configured token/cookie"
        survey.login_ok = state.ok
        survey.login_note = f"after logging in as '{role}'" if state.ok else state.reason
        survey.login_token_only = state.ok and not state.cookies
        for c in state.cookies:
            survey.malformed += [(f"{route} as '{role}'", f"cookie '{c.name}': {p}") for p in attribute_problems(c)]
            if not is_deletion(c):
                survey.cookies[c.name] = SeenCookie(c, f"{route} as '{role}'", True, classify(c, True))
    return survey


class CookieProbe(Probe):
    id = "cookies"
    title = "Cookie flags, prefixes and lifetime"
    areas = ("cookies", "session")
    rules = ("cookies.session-flags", "cookies.session-lifetime", "cookies.prefix", "cookies.csrf-cookie",
             "cookies.other-flags", "cookies.malformed", "cookies.none-seen")
    needs = ("url",)

    def login_plan(self, config, endpoints) -> list[str]:
        line = pages.login_plan_line(config)  # the CSRF and header checks reuse this one login
        return [line] if line else []

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        self.progress(ctx, "reading cookies on the public pages")
        survey = await survey_cookies(ctx, self.id)
        https = ctx.base_url.startswith("https://")
        base = Location(url=ctx.base_url)

        if survey.malformed:
            yield self.finding("cookies.malformed", Status.WARN, f"{len(survey.malformed)} Set-Cookie problem(s) browsers would read differently",
                               key="malformed", location=base, severity=Severity.LOW,
                               evidence=[f"{where}: {problem}" for where, problem in survey.malformed[:10]],
                               detail="Browsers skip what they cannot parse, so the cookie ends up without the lifetime or "
                                      "SameSite the app meant to give it.",
                               fix="Write each Set-Cookie as name=value; Path=/; Max-Age=<seconds>; Secure; HttpOnly; SameSite=Lax.")

        sessions = survey.of_kind("session")
        if not sessions:
            if survey.login_token_only:
                yield self.finding("cookies.none-seen", Status.NA, "The test login returned a bearer token, not a cookie",
                                   key="none", location=base, detail="Session cookie checks do not apply to token-based logins.")
            elif not survey.pages and not survey.login_ok:
                yield self.finding("cookies.none-seen", Status.UNKNOWN, "Could not read any page to look for cookies",
                                   key="none", location=base, detail=survey.login_note)
            else:
                yield self.finding("cookies.none-seen", Status.UNKNOWN, "No session cookie seen", key="none", location=base,
                                   detail=f"Checked the public pages and {survey.login_note}. Give a test role with a login recipe "
                                          "and consent to the login tier so the cookie set at login can be checked.")
        for seen in sessions:
            c = seen.cookie
            loc = Location(url=ctx.base_url, method=seen.where.split(" ")[0])
            evidence = [f"{seen.where}: Set-Cookie: {c.redacted()}"]
            v = judge_session_flags(c, https)
            yield self.finding("cookies.session-flags", v.status, v.title, key=c.name, detail=v.detail, location=loc,
                               evidence=evidence, fix=_FIX_FLAGS if v.status is not Status.PASS else "",
                               severity={Status.FAIL: Severity.HIGH, Status.WARN: Severity.MEDIUM}.get(v.status, Severity.INFO),
                               references=["OWASP ASVS 4.0.3 V3.4.1-3.4.3"])
            limit_h = ctx.settings.admin_session_hours
            v = judge_lifetime(c, limit_h, ctx.settings.session_fail_hours)
            yield self.finding("cookies.session-lifetime", v.status, v.title, key=c.name, detail=v.detail, location=loc,
                               evidence=evidence, severity=Severity.MEDIUM if v.status is not Status.PASS else Severity.INFO,
                               fix=f"Expire admin sessions after {limit_h:g} hours at most (Max-Age={int(limit_h * 3600)}) and after inactivity."
                               if v.status is not Status.PASS else "", references=["OWASP ASVS 4.0.3 V3.3.2"])
            v = judge_prefix(c)
            yield self.finding("cookies.prefix", v.status, v.title, key=c.name, detail=v.detail, location=loc, evidence=evidence,
                               severity={Status.FAIL: Severity.HIGH, Status.WARN: Severity.LOW}.get(v.status, Severity.INFO),
                               fix="Name the session cookie __Host-<name> and set it with Secure, Path=/ and no Domain."
                               if v.status is not Status.PASS else "", references=["RFC 6265bis 4.1.3"])
        for seen in survey.of_kind("csrf"):
            v = judge_csrf_cookie(seen.cookie, https)
            yield self.finding("cookies.csrf-cookie", v.status, v.title, key=seen.name, detail=v.detail,
                               location=Location(url=ctx.base_url), evidence=[f"{seen.where}: Set-Cookie: {seen.cookie.redacted()}"],
                               severity=Severity.LOW if v.status is not Status.PASS else Severity.INFO,
                               fix="Set the CSRF cookie with Secure and SameSite=Lax; it may stay readable by scripts."
                               if v.status is not Status.PASS else "")
        others = survey.of_kind("other")
        if others and https:
            insecure = [s for s in others if not s.cookie.secure]
            status = Status.WARN if insecure else Status.PASS
            title = (f"{len(insecure)} other cookie(s) without the Secure flag" if insecure
                     else f"Other cookies ({len(others)}) are Secure")
            yield self.finding("cookies.other-flags", status, title, key="other", location=Location(url=ctx.base_url),
                               severity=Severity.LOW if insecure else Severity.INFO,
                               evidence=[f"{s.where}: Set-Cookie: {s.cookie.redacted()}" for s in others[:8]],
                               fix="Add Secure to every cookie an HTTPS site sets." if insecure else "")
