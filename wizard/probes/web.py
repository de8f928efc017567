"""The first look at the live app: does it answer, does plain HTTP go to HTTPS, which headers it sends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

from wizard.engine.http import BlockedRequest, RequestFailed, Response
from wizard.model import Finding, Location, Severity, Status
from wizard.probes import headerrules
from wizard.probes.base import Probe, ProbeContext

_HEADER_RULES = {
    "headers.hsts": (Severity.HIGH, "Send `Strict-Transport-Security: max-age=31536000; includeSubDomains` on every HTTPS response."),
    "headers.csp": (Severity.MEDIUM, "Add a Content-Security-Policy with `script-src 'self'` (no 'unsafe-inline'/'unsafe-eval')."),
    "headers.framing": (Severity.MEDIUM, "Add `frame-ancestors 'none'` to the CSP, or `X-Frame-Options: DENY`."),
    "headers.nosniff": (Severity.LOW, "Send `X-Content-Type-Options: nosniff`."),
    "headers.referrer-policy": (Severity.LOW, "Send `Referrer-Policy: strict-origin-when-cross-origin`."),
    "headers.banner": (Severity.LOW, "Remove version numbers from Server and X-Powered-By headers."),
}


def header_evidence(resp: Response, names: tuple[str, ...]) -> list[str]:
    lines = [f"{resp.method} {resp.url} -> {resp.status}"]
    for name in names:
        values = resp.headers.get_list(name)
        lines += [f"{name}: {v[:200]}" for v in values] or [f"{name}: (absent)"]
    return lines


class HttpSurfaceProbe(Probe):
    id = "http-surface"
    title = "Reachability, HTTPS redirect and security headers"
    areas = ("headers", "transport", "web")
    rules = ("http.reachable", "transport.https", "transport.http-redirect", *_HEADER_RULES)
    needs = ("url",)

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        url = ctx.base_url
        loc = Location(url=url, method="GET")
        self.progress(ctx, f"GET {url}")
        try:
            resp = await ctx.http.request("GET", url + "/", probe=self.id)
        except (RequestFailed, BlockedRequest) as err:
            yield self.finding("http.reachable", Status.FAIL, "The app does not answer", severity=Severity.CRITICAL,
                               key=url, location=loc, detail=err.reason,
                               evidence=[f"GET {url}/ -> {err.reason}"], fix="Check the URL, the DNS record and that the app is running.")
            return
        yield self.finding("http.reachable", Status.PASS if resp.status < 500 else Status.FAIL,
                           f"The app answers ({resp.status})", key=url, location=loc,
                           evidence=[f"GET {url}/ -> {resp.status} in {resp.elapsed * 1000:.0f} ms"]
                           + [f"redirect: {h.status} {h.headers.get('location', '')}" for h in resp.history])

        https = urlsplit(resp.url).scheme == "https"
        if not https:
            yield self.finding("transport.https", Status.FAIL, "The app is served without HTTPS", severity=Severity.CRITICAL,
                               key=url, location=loc, fix="Serve the app over HTTPS only, with a valid certificate.",
                               evidence=[f"final URL {resp.url}"])
        else:
            yield self.finding("transport.https", Status.PASS, "The app is served over HTTPS", key=url, location=loc)
            async for f in self._redirect(ctx):
                yield f

        self.progress(ctx, "judging security headers", 0.8)
        s = ctx.settings
        judged = {
            "headers.hsts": (headerrules.judge_hsts(resp.headers, s.hsts_min_days, https), ("strict-transport-security",)),
            "headers.csp": (headerrules.judge_csp(resp.headers), ("content-security-policy", "content-security-policy-report-only")),
            "headers.framing": (headerrules.judge_framing(resp.headers), ("x-frame-options",)),
            "headers.nosniff": (headerrules.judge_nosniff(resp.headers), ("x-content-type-options",)),
            "headers.referrer-policy": (headerrules.judge_referrer(resp.headers), ("referrer-policy",)),
            "headers.banner": (headerrules.judge_banner(resp.headers), ("server", "x-powered-by")),
        }
        for rule, (v, names) in judged.items():
            severity, fix = _HEADER_RULES[rule]
            yield self.finding(rule, v.status, v.title, key=url, detail=v.detail,
                               severity=severity if v.status in (Status.FAIL, Status.WARN) else Severity.INFO,
                               location=Location(url=resp.url, method="GET"),
                               evidence=header_evidence(resp, names), fix=fix if v.status is not Status.PASS else "",
                               references=["OWASP ASVS 4.0.3 V14.4", "OWASP API8:2023 Security Misconfiguration"])

    async def _redirect(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        target = ctx.config.target
        parts = urlsplit(ctx.base_url)
        http_url = target.http_url or urlunsplit(("http", parts.hostname or "", parts.path, "", ""))
        loc = Location(url=http_url, method="GET")
        rule = "transport.http-redirect"
        self.progress(ctx, f"GET {http_url} (plain HTTP)", 0.4)
        try:
            resp = await ctx.http.request("GET", http_url + "/", probe=self.id, follow_redirects=False)
        except RequestFailed as err:
            if "refused" in err.reason:
                yield self.finding(rule, Status.WARN, "Plain HTTP is not served at all", key=http_url, location=loc,
                                   detail="Nothing is exposed over HTTP, but people typing the bare address get an error; a 301 to HTTPS is friendlier.",
                                   evidence=[f"GET {http_url}/ -> {err.reason}"])
            else:
                yield self.finding(rule, Status.UNKNOWN, "Could not test the HTTP to HTTPS redirect", key=http_url,
                                   location=loc, detail=err.reason, evidence=[f"GET {http_url}/ -> {err.reason}"])
            return
        except BlockedRequest as err:
            yield self.finding(rule, Status.UNKNOWN, "Could not test the HTTP to HTTPS redirect", key=http_url,
                               location=loc, detail=err.reason)
            return
        location = resp.headers.get("location", "")
        evidence = [f"GET {http_url}/ -> {resp.status}" + (f" Location: {location[:200]}" if location else "")]
        dest = urlsplit(location) if location else None
        fix = "Answer every plain-HTTP request with a 301 to the same path on https://, same host."
        if resp.status in (301, 308) and dest and dest.scheme == "https" and dest.hostname == parts.hostname:
            yield self.finding(rule, Status.PASS, f"Plain HTTP redirects to HTTPS ({resp.status})", key=http_url, location=loc, evidence=evidence)
        elif resp.status in (302, 303, 307) and dest and dest.scheme == "https":
            yield self.finding(rule, Status.WARN, f"HTTP to HTTPS redirect is temporary ({resp.status})", key=http_url,
                               location=loc, evidence=evidence, severity=Severity.LOW, fix=fix)
        elif dest and dest.scheme == "https":
            yield self.finding(rule, Status.WARN, "HTTP redirects to HTTPS on another host", key=http_url, location=loc,
                               evidence=evidence, severity=Severity.LOW, fix=fix)
        else:
            yield self.finding(rule, Status.FAIL, "Plain HTTP is served without a redirect to HTTPS", key=http_url,
                               location=loc, evidence=evidence, severity=Severity.HIGH, fix=fix,
                               detail="Logins and session cookies can travel unencrypted when someone opens the http:// address.")
