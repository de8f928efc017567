"""Exposed files, debug routes, API descriptions, directory listings and error pages that say too much.

Every candidate is judged by its content against a random-path baseline, never by its status code
alone: a site that answers 200 to everything yields no finding.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from wizard.engine.http import BlockedRequest, RequestFailed, Response
from wizard.model import Finding, Location, Severity, Status
from wizard.probes import pages
from wizard.probes.base import Probe, ProbeContext
from wizard.probes.bundles import scan_for_secrets, secret_findings
from wizard.probes.errorpages import find_leak
from wizard.probes.exposure_paths import LISTING_FALLBACK, MAX_ASSET_DIRS, SENSITIVE_PATHS, SensitivePath, directory_listing
from wizard.probes.htmlscan import is_html
from wizard.redact import scrub

REFERENCES = ["OWASP ASVS 4.0.3 V14.3", "OWASP API8:2023 Security Misconfiguration"]
SUMMARY = {
    "exposure.sensitive-file": "None of {n} well-known sensitive files is served",
    # names the addresses: a console elsewhere (found by another probe) must not read as contradicted here
    "exposure.debug-route": "No debug or status console at the {n} well-known addresses tried ({paths})",
    "exposure.api-spec": "No public API description at {n} usual addresses",
}
LISTING_FIX = "Turn off directory listings in the web server (nginx `autoindex off;`, Apache `Options -Indexes`)."
ERRORS_FIX = ("Turn off debug mode in production and show a plain error page; log the details server-side "
              "(and send them to your error tracker) instead.")


@dataclass
class Outcome:
    path: str
    resp: Response | None = None
    error: str = ""

    def line(self) -> str:
        return f"GET {self.path} -> " + (f"{self.resp.status}, {len(self.resp.body)} bytes" if self.resp else self.error)


def exposed(entry_sig, outcome: Outcome, bases: list[tuple[str, Response]]) -> str | None:
    """The signature's description when `outcome` really serves the thing, else None."""
    resp = outcome.resp
    if resp is None or resp.status not in (200, 206) or not resp.body:
        return None
    found = entry_sig(resp.body)
    if not found:
        return None
    for path, base in bases:
        if entry_sig(base.body) or pages.same_page(resp, base, outcome.path, path):
            return None  # the site answers every path with this: not a real file
    return found


class ExposureProbe(Probe):
    id = "exposure"
    title = "Exposed files, debug routes, directory listings and error pages"
    areas = ("exposure", "files")
    rules = ("exposure.sensitive-file", "exposure.debug-route", "exposure.api-spec", "exposure.directory-listing",
             "exposure.verbose-errors", "secrets.exposed")
    needs = ("url",)

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        loc = Location(url=ctx.base_url)
        why = await pages.home_failure(ctx, self.id)
        if why:
            for rule in (*SUMMARY, "exposure.directory-listing", "exposure.verbose-errors"):
                yield self.finding(rule, Status.UNKNOWN, "Could not check for exposed files and error pages", key="all",
                                   location=loc, detail=why)
            return
        self.progress(ctx, "asking for a path that does not exist (the baseline)")
        bases = await pages.baselines(ctx, self.id)
        dirs = await self._listing_dirs(ctx)
        malformed = f"/launch-ready-{pages.run_nonce(ctx)}/%ff%fe%"
        plan = [e.path for e in SENSITIVE_PATHS] + dirs + [malformed]
        self.progress(ctx, f"requesting {len(plan)} well-known paths", 0.2)
        outcomes = {o.path: o for o in await asyncio.gather(*(self._get(ctx, p) for p in plan))}
        if not bases and all(o.resp is None for o in outcomes.values()):
            reason = next((o.error for o in outcomes.values() if o.error), "no answer")
            for rule in SUMMARY:
                yield self.finding(rule, Status.UNKNOWN, "Could not check for exposed files", key="all", location=loc,
                                   detail=reason)
            return

        found_rules: set[str] = set()
        secrets = []
        for entry in SENSITIVE_PATHS:
            outcome = outcomes[entry.path]
            what = exposed(entry.signature, outcome, bases)
            if what:
                found_rules.add(entry.rule)
                yield self._exposed(ctx, entry, outcome, what)
                if entry.scan_secrets:
                    secrets += scan_for_secrets(outcome.resp.text, outcome.resp.url)
        for f in secret_findings(self, secrets, "a file the app serves to anyone"):
            yield f
        for rule, title in SUMMARY.items():
            if rule not in found_rules:
                checked = [outcomes[e.path] for e in SENSITIVE_PATHS if e.rule == rule]
                silent = [o for o in checked if o.resp is None]
                if silent:  # a path that gave no answer is not a path we know is safe
                    yield self.finding(rule, Status.UNKNOWN, f"{len(silent)} of {len(checked)} well-known addresses gave no answer",
                                       key="all", location=loc, evidence=[o.line() for o in checked],
                                       detail="Nothing exposed among those that answered; check the others by hand.")
                else:
                    paths = ", ".join(e.path for e in SENSITIVE_PATHS if e.rule == rule)
                    yield self.finding(rule, Status.PASS, title.format(n=len(checked), paths=paths), key="all", location=loc,
                                       evidence=[o.line() for o in checked])

        listed = [(d, directory_listing(outcomes[d].resp.body)) for d in dirs
                  if outcomes[d].resp is not None and outcomes[d].resp.status == 200]
        listed = [(d, what) for d, what in listed if what]
        for d, what in listed:
            yield self.finding("exposure.directory-listing", Status.WARN, f"Directory listing at {d}", key=d,
                               location=Location(url=pages.url_for(ctx, d), method="GET"), severity=Severity.MEDIUM,
                               detail=f"{what}: anyone can browse the files in this folder, including ones never linked.",
                               evidence=[outcomes[d].line()], fix=LISTING_FIX, references=REFERENCES)
        if not listed:
            yield self.finding("exposure.directory-listing", Status.PASS, f"No directory listing ({len(dirs)} folder(s) tried)",
                               key="all", location=loc, evidence=[outcomes[d].line() for d in dirs])

        async for f in self._error_pages(ctx, bases, outcomes[malformed]):
            yield f

    async def _listing_dirs(self, ctx: ProbeContext) -> list[str]:
        """Folders the served HTML loads assets from (else a usual upload folder)."""
        found: list[str] = []
        for path in (pages.HOME, pages.LOGIN):
            resp, _ = await pages.try_fetch(ctx, path, self.id)
            if resp is None or resp.status >= 400 or not is_html(resp):
                continue
            for ref in pages.page_of(ctx, resp).asset_urls:
                url = pages.resolve(resp.url, ref)
                if not url or not pages.same_origin(url, ctx.base_url):
                    continue
                folder = urlsplit(url).path.rsplit("/", 1)[0] + "/"
                if folder != "/" and folder not in found:
                    found.append(folder)
        return found[:MAX_ASSET_DIRS] or [LISTING_FALLBACK]

    async def _get(self, ctx: ProbeContext, path: str) -> Outcome:
        try:
            return Outcome(path, await ctx.http.request("GET", pages.url_for(ctx, path), probe=self.id, follow_redirects=False))
        except (RequestFailed, BlockedRequest) as err:
            return Outcome(path, error=err.reason)

    def _exposed(self, ctx: ProbeContext, entry: SensitivePath, outcome: Outcome, what: str) -> Finding:
        resp = outcome.resp
        assert resp is not None
        ctype = resp.headers.get("content-type", "no content type").split(";")[0]
        return self.finding(entry.rule, entry.status, f"{entry.path} is public: {entry.what}", key=entry.path,
                            location=Location(url=resp.url, method="GET"), severity=entry.severity,
                            detail=f"It answers {resp.status} with {what}.",
                            evidence=[f"GET {entry.path} -> {resp.status} ({ctype}, {len(resp.body)} bytes): {what}"],
                            fix=entry.fix, references=REFERENCES)

    async def _error_pages(self, ctx: ProbeContext, bases: list[tuple[str, Response]], malformed: Outcome) -> AsyncIterator[Finding]:
        rule = "exposure.verbose-errors"
        tried = [(f"missing route {path}", resp) for path, resp in bases if path == pages.random_path(ctx)]
        tried.append((f"malformed request {malformed.path}", malformed.resp))
        leaks = []
        for label, resp in tried:
            if resp is None:
                continue
            leak = find_leak(resp.text)
            if leak:
                leaks.append(f"{label} -> {resp.status}: {leak[0]}: {scrub(leak[1])}")
        evidence = [f"{label} -> {resp.status}" if resp is not None else f"{label} -> {malformed.error}" for label, resp in tried]
        loc = Location(url=ctx.base_url)
        if leaks:
            yield self.finding(rule, Status.FAIL, "Error pages show stack traces or debug details", key="errors", location=loc,
                               severity=Severity.MEDIUM, evidence=leaks,
                               detail="They reveal code paths, library versions and sometimes settings, which makes every other attack easier.",
                               fix=ERRORS_FIX, references=["OWASP ASVS 4.0.3 V7.4.1", "OWASP API8:2023 Security Misconfiguration"])
        elif any(resp is not None for _, resp in tried):
            yield self.finding(rule, Status.PASS, "Error pages show no stack trace or debug details", key="errors",
                               location=loc, evidence=evidence)
        else:
            yield self.finding(rule, Status.UNKNOWN, "Could not get an error page to check", key="errors", location=loc,
                               evidence=evidence)
