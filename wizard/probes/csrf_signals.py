"""Passive signs of CSRF protection: SameSite session cookies, anti-CSRF tokens in forms, meta tags,
cookies and headers, and state-changing GET routes named in the endpoint inventory (never called).

Whether a forged request is really refused is an active test; the access-control checks own it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from wizard.engine.http import is_unsafe_path
from wizard.model import Finding, Location, Severity, Status
from wizard.probes.base import Probe, ProbeContext
from wizard.probes.cookies import CookieSurvey, samesite, survey_cookies
from wizard.probes import pages
from wizard.probes.htmlscan import Page, is_html

# Names frameworks give their anti-CSRF token: Django, Rails, Laravel, ASP.NET, Spring, Flask-WTF, Express.
TOKEN_FIELD = re.compile(r"csrf|xsrf|^_token$|authenticity_token|requestverificationtoken", re.I)
TOKEN_META = re.compile(r"^(?:csrf-token|csrf-param|_csrf|_csrf_header|xsrf-token)$", re.I)
TOKEN_HEADERS = ("x-csrf-token", "x-xsrf-token", "csrf-token")
REFERENCES = ["OWASP ASVS 4.0.3 V4.2.2", "OWASP CSRF Prevention Cheat Sheet"]


def token_signals(survey: CookieSurvey, parsed: list[tuple[str, Page]]) -> list[str]:
    signals = []
    for url, page in parsed:
        for form in page.forms:
            names = [n for n, _ in form.inputs if TOKEN_FIELD.search(n)]
            if names:
                signals.append(f"form field '{names[0]}' on {url}")
        signals += [f"<meta name={n}> on {url}" for n in page.meta_names if TOKEN_META.match(n)]
    for resp in survey.pages:
        signals += [f"{h} header on {resp.url}" for h in TOKEN_HEADERS if resp.headers.get(h)]
    signals += [f"cookie '{c.name}'" for c in survey.of_kind("csrf")]
    return signals


def post_forms(parsed: list[tuple[str, Page]]) -> list[str]:
    return [f"{f.method.upper()} {f.action or '(same page)'} on {url}"
            for url, page in parsed for f in page.forms if f.method not in ("get", "dialog")]


class CsrfProbe(Probe):
    id = "csrf"
    title = "CSRF signals: SameSite, tokens and state-changing GET routes"
    areas = ("csrf",)
    rules = ("csrf.samesite", "csrf.token", "csrf.unsafe-get")
    needs = ("url",)

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        self.progress(ctx, "reading pages and cookies")
        survey = await survey_cookies(ctx, self.id)  # shared with the cookie checks: no extra requests
        loc = Location(url=ctx.base_url)
        parsed = [(r.url, pages.page_of(ctx, r)) for r in survey.pages if r.status < 400 and is_html(r)]

        sessions = survey.of_kind("session")
        weak = [s for s in sessions if samesite(s.cookie) in (None, "None")]
        if survey.login_token_only and not sessions:
            yield self.finding("csrf.samesite", Status.NA, "The test login uses a bearer token: browsers do not send it on their own",
                               key="samesite", location=loc)
        elif not sessions:
            yield self.finding("csrf.samesite", Status.UNKNOWN, "No session cookie seen, so SameSite could not be checked",
                               key="samesite", location=loc, detail=f"Checked the public pages and {survey.login_note}.")
        elif weak:
            yield self.finding("csrf.samesite", Status.WARN,
                               f"Session cookie '{weak[0].name}' is sent on requests from other sites (SameSite {samesite(weak[0].cookie) or 'unset'})",
                               key="samesite", location=loc, severity=Severity.MEDIUM,
                               evidence=[f"{s.where}: Set-Cookie: {s.cookie.redacted()}" for s in weak],
                               detail="Another site open in the same browser can make requests that carry the admin's session.",
                               fix="Set SameSite=Lax (or Strict) on the session cookie.", references=REFERENCES)
        else:
            yield self.finding("csrf.samesite", Status.PASS,
                               f"Session cookie '{sessions[0].name}' is SameSite={samesite(sessions[0].cookie)}",
                               key="samesite", location=loc, evidence=[f"{s.where}: Set-Cookie: {s.cookie.redacted()}" for s in sessions])

        signals = token_signals(survey, parsed)
        forms = post_forms(parsed)
        evidence = [f"token: {s}" for s in signals[:5]] + [f"form: {f}" for f in forms[:5]]
        if signals:
            yield self.finding("csrf.token", Status.PASS, "Anti-CSRF token in use", key="token", location=loc, evidence=evidence,
                               detail="; ".join(signals[:3]))
        elif sessions and not weak:
            yield self.finding("csrf.token", Status.PASS, "No anti-CSRF token seen; SameSite session cookies block cross-site form posts",
                               key="token", location=loc, evidence=evidence,
                               detail="A token per form is still good defence in depth (SameSite does not cover other subdomains of your site).")
        elif forms or weak:
            yield self.finding("csrf.token", Status.WARN, "No anti-CSRF token seen, and nothing else stops cross-site form posts",
                               key="token", location=loc, severity=Severity.MEDIUM, evidence=evidence,
                               detail="Forms carry no token and the session cookie is not SameSite=Lax/Strict.",
                               fix="Turn on the framework's CSRF protection (a token in every form and state-changing request) "
                                   "and set SameSite=Lax on the session cookie.", references=REFERENCES)
        else:
            yield self.finding("csrf.token", Status.UNKNOWN, "CSRF protection is not visible from outside", key="token",
                               location=loc, detail=f"No form, token or session cookie seen ({survey.login_note}).")

        async for f in self._unsafe_get(ctx):
            yield f

    async def _unsafe_get(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        rule = "csrf.unsafe-get"
        if not ctx.endpoints:
            yield self.finding(rule, Status.SKIPPED, "State-changing GET routes not checked (no endpoint inventory)", key="none")
            return
        unsafe = [e for e in ctx.endpoints if e.method == "GET" and is_unsafe_path(e.path)]
        for ep in unsafe:
            yield self.finding(rule, Status.WARN, f"GET {ep.path} looks like it changes data (reported, never called)",
                               key=ep.path, location=Location(url=ctx.base_url.rstrip("/") + ep.path, method="GET"),
                               severity=Severity.MEDIUM,
                               detail="A link or an <img> on any site can trigger a GET in a logged-in admin's browser, "
                                      "and SameSite=Lax cookies are still sent on top-level GET navigations.",
                               fix="Make state changes POST/PUT/DELETE only, protected by a CSRF token.", references=REFERENCES)
        if not unsafe:
            gets = sum(1 for e in ctx.endpoints if e.method == "GET")
            yield self.finding(rule, Status.PASS, f"No state-changing GET route in the inventory ({gets} GET routes)", key="none")
