"""The first look at the live app: does it answer, how it gets people onto HTTPS, which headers it sends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

from wizard.engine.http import BlockedRequest, RequestFailed, Response
from wizard.model import Finding, Location, Severity, Status
from wizard.probes import headerrules, pages, transport
from wizard.probes.base import Probe, ProbeContext
from wizard.probes.htmlscan import is_html

_ASVS_HEADERS = ["OWASP ASVS 4.0.3 V14.4", "OWASP API8:2023 Security Misconfiguration"]

# rule -> (severity when not passing, fix, header names shown as evidence)
HEADER_RULES: dict[str, tuple[Severity, str, tuple[str, ...]]] = {
    "headers.hsts": (Severity.HIGH, "Send `Strict-Transport-Security: max-age=31536000; includeSubDomains` once on every HTTPS response.",
                     ("strict-transport-security",)),
    "headers.csp": (Severity.MEDIUM, "Add a Content-Security-Policy with `script-src 'self'` (no 'unsafe-inline'/'unsafe-eval') and `object-src 'none'`.",
                    ("content-security-policy", "content-security-policy-report-only")),
    "headers.framing": (Severity.MEDIUM, "Add `frame-ancestors 'none'` to the CSP, or `X-Frame-Options: DENY`.",
                        ("content-security-policy", "x-frame-options")),
    "headers.nosniff": (Severity.LOW, "Send `X-Content-Type-Options: nosniff`.", ("x-content-type-options",)),
    "headers.referrer-policy": (Severity.LOW, "Send `Referrer-Policy: strict-origin-when-cross-origin`.", ("referrer-policy",)),
    "headers.permissions-policy": (Severity.INFO, "Send `Permissions-Policy: camera=(), microphone=(), geolocation=()`.",
                                   ("permissions-policy", "feature-policy")),
    "headers.coop": (Severity.INFO, "Send `Cross-Origin-Opener-Policy: same-origin`.", ("cross-origin-opener-policy",)),
    "headers.corp": (Severity.INFO, "Send `Cross-Origin-Resource-Policy: same-origin`.", ("cross-origin-resource-policy",)),
    "headers.banner": (Severity.LOW, "Remove version numbers from Server and X-Powered-By headers.",
                       ("server", "x-powered-by", "x-aspnet-version")),
}
CACHE_FIX = "Send `Cache-Control: no-store` on every response to a logged-in request (pages and API)."
TRANSPORT_FIX = {
    "transport.http-redirect": "Answer every plain-HTTP request with a 301 to the same path on https://, same host.",
    "transport.hsts-chain": "Send Strict-Transport-Security on every HTTPS response, redirects included.",
    "transport.mixed-content": "Load every script, style, frame, image and form target over https:// (or a relative URL).",
}
MAX_CACHE_TARGETS = 1  # one logged-in route, an API one first: keeps the login-tier traffic light
_DOWNLOADISH = "export"


def header_evidence(resp: Response, names: tuple[str, ...]) -> list[str]:
    lines = [f"{resp.method} {resp.url} -> {resp.status}"]
    for name in names:
        values = resp.headers.get_list(name)
        lines += [f"{name}: {v[:200]}" for v in values] or [f"{name}: (absent)"]
    return lines


def cache_targets(endpoints: list) -> list[str]:
    """Logged-in routes whose Cache-Control we read: an API one first, not a download."""
    private = sorted(pages.safe_get_endpoints(endpoints, public=False),
                     key=lambda e: (_DOWNLOADISH in e.path, not e.path.startswith("/api")))
    return [pages.concrete_path(e.path) for e in private][:MAX_CACHE_TARGETS] or ["/"]


class HttpSurfaceProbe(Probe):
    id = "http-surface"
    title = "Reachability, HTTPS redirect and security headers"
    areas = ("headers", "transport", "web")
    rules = ("http.reachable", "transport.https", "transport.http-redirect", "transport.hsts-chain",
             "transport.mixed-content", "headers.cache-control", *HEADER_RULES)
    needs = ("url",)

    def login_plan(self, config, endpoints) -> list[str]:
        role = pages.login_role(config)
        if role is None:
            return []
        return [f"With test role '{role}': GET {', '.join(cache_targets(endpoints))} to read its Cache-Control header"]

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        url = ctx.base_url
        loc = Location(url=url, method="GET")
        self.progress(ctx, f"GET {url}")
        resp, why = await pages.try_fetch(ctx, pages.HOME, self.id)
        if resp is None:
            yield self.finding("http.reachable", Status.FAIL, "The app does not answer", severity=Severity.CRITICAL,
                               key=url, location=loc, detail=why, evidence=[f"GET {url}/ -> {why}"],
                               fix="Check the URL, the DNS record and that the app is running.")
            return
        yield self.finding("http.reachable", Status.PASS if resp.status < 500 else Status.FAIL,
                           f"The app answers ({resp.status})", key=url, location=loc,
                           evidence=[f"GET {url}/ -> {resp.status} in {resp.elapsed * 1000:.0f} ms"]
                           + [f"redirect: {h.status} {h.headers.get('location', '')[:160]}" for h in resp.history]
                           + ([f"the body is larger than the size limit: only its first {len(resp.body)} bytes were read"]
                              if resp.truncated else []))

        https = urlsplit(resp.url).scheme == "https"
        chains = [transport.chain_of(resp)]
        if not https:
            yield self.finding("transport.https", Status.FAIL, "The app is served without HTTPS", severity=Severity.CRITICAL,
                               key=url, location=loc, fix="Serve the app over HTTPS only, with a valid certificate.",
                               evidence=[f"final URL {resp.url}"])
        else:
            yield self.finding("transport.https", Status.PASS, "The app is served over HTTPS", key=url, location=loc)
            async for f in self._redirect(ctx, chains):
                yield f
            hsts_chain = transport.judge_hsts_chain(chains)
            if hsts_chain:
                yield self._verdict("transport.hsts-chain", hsts_chain, key=url, location=loc,
                                    evidence=[line for c in chains for line in transport.describe_chain(c)])

        self.progress(ctx, "reading the served pages", 0.5)
        login, _ = await pages.try_fetch(ctx, pages.LOGIN, self.id)
        html_pages = [(r.url, pages.page_of(ctx, r)) for r in (resp, login) if r is not None and r.status < 400 and is_html(r)]
        mixed = transport.judge_mixed_content(html_pages)
        if mixed:
            yield self._verdict("transport.mixed-content", mixed, key=url, location=loc,
                                evidence=[f"checked: {u}" for u, _ in html_pages])

        self.progress(ctx, "judging security headers", 0.7)
        home_page = html_pages[0][1] if html_pages and html_pages[0][0] == resp.url else None
        meta_csp = home_page.meta_csp if home_page else []
        meta_ref = home_page.meta_referrer if home_page else []
        judged = {
            "headers.hsts": headerrules.judge_hsts(resp.headers, ctx.settings.hsts_min_days, https),
            "headers.csp": headerrules.judge_csp(resp.headers, meta_csp),
            "headers.framing": headerrules.judge_framing(resp.headers),
            "headers.nosniff": headerrules.judge_nosniff(resp.headers),
            "headers.referrer-policy": headerrules.judge_referrer(resp.headers, meta_ref),
            "headers.permissions-policy": headerrules.judge_permissions_policy(resp.headers),
            "headers.coop": headerrules.judge_coop(resp.headers),
            "headers.corp": headerrules.judge_corp(resp.headers),
            "headers.banner": headerrules.judge_banner(resp.headers),
        }
        for rule, v in judged.items():
            severity, fix, names = HEADER_RULES[rule]
            evidence = header_evidence(resp, names)
            if rule == "headers.csp" and meta_csp:
                evidence += [f"<meta http-equiv=Content-Security-Policy> {m[:200]}" for m in meta_csp]
            yield self.finding(rule, v.status, v.title, key=url, detail=v.detail,
                               severity=severity if v.status in (Status.FAIL, Status.WARN) else Severity.INFO,
                               location=Location(url=resp.url, method="GET"), evidence=evidence,
                               fix=fix if v.status is not Status.PASS else "", references=_ASVS_HEADERS, data=v.data)

        async for f in self._cache_control(ctx):
            yield f

    def _verdict(self, rule: str, v: headerrules.Verdict, **fields) -> Finding:
        return self.finding(rule, v.status, v.title, detail=v.detail, data=v.data,
                            severity=Severity.MEDIUM if v.status in (Status.FAIL, Status.WARN) else Severity.INFO,
                            fix=TRANSPORT_FIX.get(rule, "") if v.status is not Status.PASS else "", **fields)

    async def _redirect(self, ctx: ProbeContext, chains: list[list[Response]]) -> AsyncIterator[Finding]:
        parts = urlsplit(ctx.base_url)
        http_url = ctx.config.target.http_url or urlunsplit(("http", parts.hostname or "", parts.path, "", ""))
        loc = Location(url=http_url, method="GET")
        rule = "transport.http-redirect"
        self.progress(ctx, f"GET {http_url} (plain HTTP)", 0.3)
        try:
            resp = await pages.fetch(ctx, http_url.rstrip("/") + "/", self.id)
        except RequestFailed as err:
            # A loop or a hostile hop later in the chain: the first hop alone still tells a lot.
            try:
                resp = await pages.fetch(ctx, http_url.rstrip("/") + "/", self.id, follow_redirects=False)
            except RequestFailed as first_err:
                if "refused" in first_err.reason:
                    yield self.finding(rule, Status.WARN, "Plain HTTP is not served at all", key=http_url, location=loc,
                                       severity=Severity.LOW, evidence=[f"GET {http_url}/ -> {first_err.reason}"],
                                       detail="Nothing is exposed over HTTP, but people typing the bare address get an error; "
                                              "a 301 to HTTPS is friendlier.")
                else:
                    yield self.finding(rule, Status.UNKNOWN, "Could not test the HTTP to HTTPS redirect", key=http_url,
                                       location=loc, detail=first_err.reason, evidence=[f"GET {http_url}/ -> {first_err.reason}"])
                return
            except BlockedRequest as blocked:
                yield self.finding(rule, Status.UNKNOWN, "Could not test the HTTP to HTTPS redirect", key=http_url,
                                   location=loc, detail=blocked.reason)
                return
            note = f" (following it: {err.reason})"
        except BlockedRequest as err:
            yield self.finding(rule, Status.UNKNOWN, "Could not test the HTTP to HTTPS redirect", key=http_url,
                               location=loc, detail=err.reason)
            return
        else:
            note = ""
        chain = transport.chain_of(resp)
        chains.append(chain)
        v = transport.judge_first_hop(chain, parts.hostname or "")
        severity = Severity.HIGH if v.status is Status.FAIL else Severity.LOW
        yield self.finding(rule, v.status, v.title, key=http_url, location=loc, detail=v.detail + note,
                           severity=severity if v.status is not Status.PASS else Severity.INFO,
                           evidence=transport.describe_chain(chain), fix=TRANSPORT_FIX[rule] if v.status is not Status.PASS else "")

    async def _cache_control(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        rule = "headers.cache-control"
        state = await pages.shared_login(ctx, self.id)
        if state is None:
            yield self.finding(rule, Status.SKIPPED, "Cache-Control on logged-in pages not checked", key="login",
                               detail="Needs a test role and consent to the login tier: only a logged-in response shows it.")
            return
        if not state.ok:
            yield self.finding(rule, Status.UNKNOWN, "Cache-Control on logged-in pages: the test login failed", key="login",
                               detail=state.reason)
            return
        targets = cache_targets(ctx.endpoints)
        results = await asyncio.gather(*(self._get_as(ctx, path, state.headers) for path in targets), return_exceptions=True)
        for path, got in zip(targets, results):
            loc = Location(url=pages.url_for(ctx, path), method="GET")
            if isinstance(got, (RequestFailed, BlockedRequest)):
                yield self.finding(rule, Status.UNKNOWN, f"GET {path}: could not check Cache-Control", key=path,
                                   location=loc, detail=got.reason)
                continue
            if isinstance(got, BaseException):
                raise got
            if got.status >= 400:
                yield self.finding(rule, Status.UNKNOWN, f"GET {path}: answered {got.status} to the logged-in test role",
                                   key=path, location=loc, detail="Not a logged-in page for this role; Cache-Control not judged.")
                continue
            v = headerrules.judge_cache_control(got.headers)
            yield self.finding(rule, v.status, f"GET {path}: {v.title}", key=path, location=loc, detail=v.detail,
                               severity=Severity.MEDIUM if v.status in (Status.FAIL, Status.WARN) else Severity.INFO,
                               evidence=header_evidence(got, ("cache-control", "pragma", "expires")) + [f"(logged in as '{state.role}')"],
                               fix=CACHE_FIX if v.status is not Status.PASS else "", references=["OWASP ASVS 4.0.3 V8.2.1"])

    async def _get_as(self, ctx: ProbeContext, path: str, headers: dict[str, str]) -> Response:
        return await ctx.http.request("GET", pages.url_for(ctx, path), probe=self.id, headers=headers, follow_redirects=False)
