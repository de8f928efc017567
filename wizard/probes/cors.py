"""CORS as an attacker's browser would meet it: a random foreign Origin, `null`, and look-alikes of the
app's own origin, on simple requests and a preflight. An echo together with credentials is the
failure that matters: any site could then read what the logged-in admin sees."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from wizard.engine.http import BlockedRequest, RequestFailed, Response
from wizard.model import Finding, Location, Severity, Status
from wizard.probes import pages
from wizard.probes.base import Probe, ProbeContext
from wizard.probes.headerrules import Verdict

REFERENCES = ["OWASP ASVS 4.0.3 V14.5.3", "OWASP API8:2023 Security Misconfiguration"]
FIX = ("Allow only your own admin origin(s) by exact match (a fixed list, no pattern or suffix match), "
       "never echo the request's Origin, and never allow `null`.")
RULE_OF_KIND = {"foreign": "cors.foreign-origin", "preflight": "cors.foreign-origin", "null": "cors.null-origin",
                "prefix": "cors.lookalike-origin", "suffix": "cors.lookalike-origin", "insecure": "cors.lookalike-origin"}


@dataclass
class OriginTest:
    kind: str  # foreign / preflight / null / prefix / suffix / insecure
    origin: str
    path: str
    resp: Response | None = None
    error: str = ""

    @property
    def allowed(self) -> list[str]:
        return [v.strip() for v in self.resp.headers.get_list("access-control-allow-origin")] if self.resp else []

    @property
    def credentials(self) -> bool:
        return bool(self.resp) and any(v.strip().lower() == "true" for v in self.resp.headers.get_list("access-control-allow-credentials"))

    @property
    def echoed(self) -> bool:
        return any(v.lower() == self.origin.lower() for v in self.allowed)

    @property
    def wildcard(self) -> bool:
        return "*" in self.allowed

    def evidence(self) -> str:
        if self.resp is None:
            return f"{self.kind}: Origin: {self.origin} on {self.path} -> {self.error}"
        method = "OPTIONS (preflight)" if self.kind == "preflight" else "GET"
        acao = ", ".join(self.allowed) or "(none)"
        return (f"{method} {self.path} Origin: {self.origin} -> {self.resp.status}; "
                f"Access-Control-Allow-Origin: {acao[:120]}; Allow-Credentials: {'true' if self.credentials else '(no)'}")


def origins(base_url: str, nonce: str) -> dict[str, str]:
    """The Origins we send: a random site, `null`, and look-alikes of the app's own origin."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    out = {
        "foreign": f"https://lr-{nonce}.example",
        "null": "null",
        "prefix": f"{parts.scheme}://evil-{host}{port}",  # passes an `endswith(host)` allowlist
        "suffix": f"{parts.scheme}://{host}.evil.example",  # passes a `startswith(origin)` allowlist
    }
    if parts.scheme == "https":
        out["insecure"] = f"http://{host}{port}"  # the app trusting its own plain-HTTP origin
    return out


def judge(kind_probes: list[OriginTest], what: str) -> Verdict:
    answered = [p for p in kind_probes if p.resp is not None]
    if not answered:
        return Verdict(Status.UNKNOWN, f"CORS with {what} could not be tested", "; ".join(p.error for p in kind_probes)[:300])
    creds = [p for p in answered if p.echoed and p.credentials]
    echo = [p for p in answered if p.echoed]
    if creds:
        if all(p.kind == "insecure" for p in creds):
            return Verdict(Status.WARN, "CORS trusts the app's own plain-HTTP origin, with credentials",
                           "Anyone who can tamper with plain-HTTP traffic can read logged-in responses through it.")
        origins_shown = ", ".join(sorted({p.origin for p in creds}))
        who = ("any sandboxed frame or local file" if all(p.origin == "null" for p in creds)
               else "any page served from such an origin")
        return Verdict(Status.FAIL, f"CORS lets {what} read logged-in responses",
                       f"The server echoes the Origin ({origins_shown}) with Access-Control-Allow-Credentials: true: "
                       f"{who} can read what a logged-in admin sees, in the admin's own browser.")
    if echo:
        return Verdict(Status.WARN, f"CORS echoes {what}, without credentials",
                       "Not exploitable with cookies today, but one setting away from it; responses should not vary by "
                       "an untrusted Origin.")
    return Verdict(Status.PASS, f"CORS does not trust {what}")


class CorsProbe(Probe):
    id = "cors"
    title = "CORS: foreign, null and look-alike origins"
    areas = ("cors",)
    rules = ("cors.foreign-origin", "cors.null-origin", "cors.lookalike-origin", "cors.wildcard")
    needs = ("url",)

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        why = await pages.home_failure(ctx, self.id)
        if why:
            for rule in self.rules:
                yield self.finding(rule, Status.UNKNOWN, "CORS could not be tested", key=rule,
                                   location=Location(url=ctx.base_url), detail=why)
            return
        private = [e for e in pages.safe_get_endpoints(ctx.endpoints, public=False)]
        private.sort(key=lambda e: not e.path.startswith("/api"))  # an API route is what a browser would read
        primary = pages.concrete_path(private[0].path) if private else pages.HOME
        nonce = pages.run_nonce(ctx)
        sent = origins(ctx.base_url, nonce)
        plan = [OriginTest(kind, origin, primary) for kind, origin in sent.items()]
        plan.append(OriginTest("preflight", sent["foreign"], primary))
        self.progress(ctx, f"{len(plan)} requests with foreign Origin headers")
        await asyncio.gather(*(self._send(ctx, p) for p in plan))

        loc = Location(url=pages.url_for(ctx, primary))
        for rule, kinds, what in (("cors.foreign-origin", ("foreign", "preflight"), "any website"),
                                  ("cors.null-origin", ("null",), "the 'null' origin (sandboxed frames, local files)"),
                                  ("cors.lookalike-origin", ("prefix", "suffix", "insecure"), "look-alike origins")):
            group = [p for p in plan if p.kind in kinds]
            v = judge(group, what)
            yield self.finding(rule, v.status, v.title, key=rule, location=loc, detail=v.detail,
                               evidence=[p.evidence() for p in group],
                               severity={Status.FAIL: Severity.HIGH, Status.WARN: Severity.MEDIUM}.get(v.status, Severity.INFO),
                               fix=FIX if v.status in (Status.FAIL, Status.WARN) else "", references=REFERENCES)

        answered = [p for p in plan if p.resp is not None]
        if not answered:
            return
        wild = [p for p in answered if p.wildcard]
        private_wild = [p for p in wild if p.path != pages.HOME or not private]
        if any(p.credentials for p in wild):
            v = Verdict(Status.WARN, "CORS sends `*` together with Allow-Credentials: true",
                        "Browsers refuse this combination, so it protects nothing and breaks nothing yet; it shows a "
                        "CORS setting that someone may 'fix' into an echo.")
        elif wild and private and private_wild:
            v = Verdict(Status.WARN, "A logged-in API route answers any origin (`*`)",
                        "Without credentials browsers will not send cookies, but token-based clients and anything "
                        "reachable without login can be read by any site.")
        elif wild:
            v = Verdict(Status.PASS, "Only public pages allow any origin (`*`), without credentials")
        else:
            v = Verdict(Status.PASS, "No wildcard CORS")
        yield self.finding("cors.wildcard", v.status, v.title, key="cors.wildcard", location=loc, detail=v.detail,
                           evidence=[p.evidence() for p in (wild or answered)[:4]],
                           severity=Severity.LOW if v.status is Status.WARN else Severity.INFO,
                           fix="List your own origins instead of `*` on routes that need a login." if v.status is Status.WARN else "",
                           references=REFERENCES)

    async def _send(self, ctx: ProbeContext, p: OriginTest) -> None:
        headers = {"Origin": p.origin}
        method = "GET"
        if p.kind == "preflight":
            method = "OPTIONS"
            headers |= {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization, content-type"}
        try:
            p.resp = await ctx.http.request(method, pages.url_for(ctx, p.path), probe=self.id, headers=headers,
                                            follow_redirects=False)
        except (RequestFailed, BlockedRequest) as err:
            p.error = err.reason
