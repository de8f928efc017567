"""The JavaScript the app serves to every browser: secrets in it, its source maps, and the error
tracker it loads.

Scripts come from the home and login pages (external ones within scope, inline ones as they are),
size-capped by the HTTP client. A `sourceMappingURL` is followed (and `<bundle>.map` tried), and a
map counts only when it really is one, so a site answering 200 to everything reports nothing.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote_to_bytes, urlsplit

from wizard.engine.http import BlockedRequest, RequestFailed, Response
from wizard.model import Finding, Location, Severity, Status
from wizard.probes import pages
from wizard.probes.base import Probe, ProbeContext
from wizard.probes.htmlscan import is_html
from wizard.probes.monitoring_signals import find_signals
from wizard.redact import redact

MAX_SCRIPTS = 8
MAX_MAP_GUESSES = 2  # `<bundle>.map` tried for the first bundles without a sourceMappingURL
MAX_INLINE_MAP = 5_000_000
_MAP_COMMENT = re.compile(r"[#@]\s*sourceMappingURL\s*=\s*(\S+?)\s*(?:\*/)?\s*$", re.M)

SECRET_FIX = (
    "1) Rotate the secret now at its provider: everyone who opened the app has it. "
    "2) Keep secrets on the server: the browser should call your backend, which calls the provider. "
    "3) Rebuild and redeploy the frontend, and check the build does not inline server-side environment variables."
)
MAP_FIX = ("Do not deploy .map files to production (or serve them only to your error tracker / internal network), "
           "and drop the sourceMappingURL comment from public bundles.")


# -- the one call into the secret engine ----------------------------------------------------------

@dataclass(frozen=True)
class FoundSecret:
    rule: str  # the scanner's rule id
    description: str
    fingerprint: str
    length: int
    prefix_redacted: str  # redact(value): rule, first 4 characters, length, fingerprint
    window: str  # the line around it, secret masked
    where: str  # URL (and source name inside a map)
    line: int
    confidence: str = "high"


def scan_for_secrets(text: str, where: str) -> list[FoundSecret]:
    """Hand fetched text to the project's secret engine (source maps are opened by it). The only call."""
    from wizard.secretscan import scan_text

    return [FoundSecret(f.rule, f.description, f.fingerprint, f.length, f.redacted, f.first.window,
                        f.first.path or where, f.first.line, f.confidence)
            for f in scan_text(text, where, source="bundle")]


def secret_findings(probe: Probe, found: Iterable[FoundSecret], place: str) -> list[Finding]:
    """One `secrets.exposed` finding per secret value, wherever it was seen (the secrets probe's shape)."""
    groups: dict[str, list[FoundSecret]] = {}
    for s in found:
        groups.setdefault(s.fingerprint, []).append(s)
    out = []
    for fp, hits in groups.items():
        # Several rules may match one value: a provider-specific (high-confidence) one names it best.
        first = next((h for h in hits if h.confidence == "high"), hits[0])
        places = list({(h.where, h.line): h for h in [first, *hits]}.values())
        out.append(probe.finding(
            "secrets.exposed", Status.FAIL, f"{first.description} exposed in {place}", key=f"{first.rule}:{fp}",
            severity=Severity.CRITICAL, location=Location(url=first.where.split(" ")[0], method="GET", line=first.line),
            detail=f"{first.prefix_redacted}: anyone who can open the app can read it at {first.where}.",
            evidence=[f"{h.where}:{h.line}: {h.window}" for h in places[:5]], fix=SECRET_FIX,
            references=["OWASP ASVS 4.0.3 V14.3.2", "OWASP API8:2023 Security Misconfiguration"],
            data={"rule": first.rule, "fingerprint": fp, "length": first.length, "url": first.where},
        ))
    return out


# -- source maps ----------------------------------------------------------------------------------

def parse_source_map(body: bytes) -> dict | None:
    """The map as a dict when it really is a source map (version + mappings/sections), else None."""
    head = body[:64].lstrip()
    if head.startswith(b")]}'"):
        body = body.split(b"\n", 1)[-1]  # the XSSI guard some bundlers prepend
    elif not head.startswith(b"{"):
        return None
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if isinstance(doc, dict) and "version" in doc and ("mappings" in doc or "sections" in doc):
        return doc
    return None


def map_reference(js: str, resp: Response) -> str | None:
    header = resp.headers.get("sourcemap") or resp.headers.get("x-sourcemap")
    if header:
        return header.strip()
    matches = _MAP_COMMENT.findall(js[-4096:])
    return matches[-1] if matches else None


def decode_data_url(ref: str) -> bytes | None:
    head, sep, data = ref.partition(",")
    if not sep or len(data) > MAX_INLINE_MAP:
        return None
    try:
        return base64.b64decode(data) if head.endswith(";base64") else unquote_to_bytes(data)
    except (binascii.Error, ValueError):
        return None


def map_sources(doc: dict) -> list[tuple[str, str]]:
    """(source name, original text) pairs a map ships in sourcesContent."""
    names = doc.get("sources") or []
    contents = doc.get("sourcesContent") or []
    out = []
    for i, text in enumerate(contents if isinstance(contents, list) else []):
        if isinstance(text, str) and text:
            name = names[i] if i < len(names) and isinstance(names[i], str) else f"source #{i}"
            out.append((name, text))
    return out


@dataclass
class ExposedMap:
    url: str
    sources: int
    with_content: int


@dataclass
class BundleScan:
    scripts: list[str] = field(default_factory=list)  # what was scanned: URLs and "inline on URL"
    third_party: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    secrets: list[FoundSecret] = field(default_factory=list)
    maps: list[ExposedMap] = field(default_factory=list)
    signals: dict[str, str] = field(default_factory=dict)  # tool -> evidence


class BundleProbe(Probe):
    id = "bundles"
    title = "Frontend bundles: secrets, source maps and error tracking"
    areas = ("bundles", "frontend", "secrets", "monitoring")
    rules = ("secrets.exposed", "secrets.clean", "exposure.source-map", "monitoring.error-tracking")
    needs = ("url",)

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        scan = BundleScan()
        self.progress(ctx, "reading the home and login pages")
        served = [r for r, _ in await asyncio.gather(*(pages.try_fetch(ctx, p, self.id) for p in (pages.HOME, pages.LOGIN)))
                  if r is not None and r.status < 400 and is_html(r)]
        externals: list[str] = []
        for resp in served:
            page = pages.page_of(ctx, resp)
            scan.signals |= find_signals(resp.text)  # loaders and inline init calls
            inline = "\n".join(s.inline for s in page.scripts if s.src is None and s.inline.strip())
            if inline:
                scan.scripts.append(f"inline scripts on {resp.url}")
                scan.secrets += scan_for_secrets(inline, f"{resp.url} (inline script)")
            for s in page.scripts:
                url = pages.resolve(resp.url, s.src) if s.src else None
                if not url or url in externals or url in scan.third_party:
                    continue
                try:
                    ctx.http.check("GET", url)
                except BlockedRequest:
                    scan.third_party.append(url)
                    continue
                externals.append(url)
        externals = externals[:MAX_SCRIPTS]
        self.progress(ctx, f"fetching {len(externals)} script(s)", 0.3)
        fetched = await asyncio.gather(*(pages.try_fetch(ctx, u, self.id) for u in externals))
        guesses = 0
        map_jobs = []
        for url, (resp, why) in zip(externals, fetched):
            if resp is None or resp.status >= 400:
                scan.failed.append(f"{url}: {why or resp.status}")
                continue
            js = resp.text
            scan.scripts.append(url + (" (truncated at the size limit)" if resp.truncated else ""))
            scan.secrets += scan_for_secrets(js, url)
            scan.signals |= find_signals(js)
            ref = map_reference(js, resp)
            if ref is None and guesses < MAX_MAP_GUESSES and not urlsplit(url).query:
                guesses += 1
                ref = urlsplit(url).path.rsplit("/", 1)[-1] + ".map"
            if ref:
                map_jobs.append(self._source_map(ctx, url, ref, scan))
        await asyncio.gather(*map_jobs)

        loc = Location(url=ctx.base_url)
        for f in secret_findings(self, scan.secrets, "the JavaScript the app serves"):
            yield f
        if scan.scripts and not scan.secrets:
            yield self.finding("secrets.clean", Status.PASS, f"No secrets in the JavaScript the app serves ({len(scan.scripts)} script(s))",
                               key="bundles", location=loc, evidence=scan.scripts[:8])
        elif not scan.scripts:
            yield self.finding("secrets.clean", Status.NA if served else Status.UNKNOWN,
                               "No JavaScript found on the home and login pages" if served else "Could not read the pages to find scripts",
                               key="bundles", location=loc, evidence=scan.failed[:5])
        for m in scan.maps:
            yield self.finding("exposure.source-map", Status.WARN, f"Public source map: {urlsplit(m.url).path or m.url}",
                               key=m.url, location=Location(url=m.url, method="GET"), severity=Severity.MEDIUM,
                               detail=f"It lists {m.sources} original source file(s)"
                                      + (f", {m.with_content} with their full text" if m.with_content else "")
                                      + ": anyone can read the original frontend code, comments included.",
                               evidence=[f"GET {m.url} -> 200, a source map"], fix=MAP_FIX)
        if scan.scripts and not scan.maps:
            yield self.finding("exposure.source-map", Status.PASS, "No public source maps", key="none", location=loc,
                               evidence=[f"checked next to: {u}" for u in externals[:5]])
        async for f in self._monitoring(scan, served, loc):
            yield f

    async def _source_map(self, ctx: ProbeContext, bundle_url: str, ref: str, scan: BundleScan) -> None:
        if ref.startswith("data:"):
            body = decode_data_url(ref)
            doc = parse_source_map(body) if body else None
            if doc:
                for name, text in map_sources(doc):
                    scan.secrets += scan_for_secrets(text, f"{bundle_url} (inline source map: {name[:80]})")
            return
        url = pages.resolve(bundle_url, ref)
        if url is None:
            return
        try:
            resp = await ctx.http.request("GET", url, probe=self.id, follow_redirects=False)
        except (RequestFailed, BlockedRequest) as err:
            scan.failed.append(f"{url}: {err.reason}")
            return
        doc = parse_source_map(resp.body) if resp.status == 200 else None
        if doc is None:
            return
        sources = map_sources(doc)
        scan.maps.append(ExposedMap(url, len(doc.get("sources") or []), len(sources)))
        for name, text in sources:
            scan.secrets += scan_for_secrets(text, f"{url} (source {name[:80]})")

    async def _monitoring(self, scan: BundleScan, served: list[Response], loc: Location) -> AsyncIterator[Finding]:
        rule = "monitoring.error-tracking"
        evidence = [f"{tool}: {what}" for tool, what in sorted(scan.signals.items())]
        if scan.signals:
            yield self.finding(rule, Status.PASS, f"Error tracking in the frontend: {', '.join(sorted(scan.signals))}",
                               key="frontend", location=loc, evidence=evidence,
                               detail="Errors from real users' browsers reach a dashboard; whether someone watches it is asked separately.")
        elif served:
            yield self.finding(rule, Status.WARN, "No error tracker seen in the frontend", key="frontend", location=loc,
                               severity=Severity.LOW, evidence=[f"searched: {s}" for s in scan.scripts[:6]] + [f"third-party script: {u}" for u in scan.third_party[:4]],
                               detail="No Sentry, Datadog RUM, Rollbar, Bugsnag, New Relic or LogRocket in the pages or scripts. "
                                      "A tracker on the server only is invisible from outside: say so in the monitoring questions.",
                               fix="Add an error tracker to the frontend and backend (e.g. Sentry) and route its alerts to the on-call channel.")
        else:
            yield self.finding(rule, Status.UNKNOWN, "Could not read the frontend to look for an error tracker", key="frontend",
                               location=loc)
