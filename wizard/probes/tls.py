"""HTTPS on every host in scope: certificate trust, name, expiry, key, signature; TLS versions and null ciphers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from wizard.model import Finding, Location
from wizard.probes.base import Probe, ProbeContext

REFERENCES = ["OWASP ASVS 4.0.3 V9.1.1-V9.1.3", "OWASP Top 10 2021: A02 Cryptographic Failures"]


class TlsProbe(Probe):
    id = "tls"
    title = "HTTPS certificates and TLS versions"
    areas = ("tls",)
    rules = ("tls.connect", "tls.trust", "tls.hostname", "tls.expiry", "tls.key", "tls.signature",
             "tls.legacy-protocols", "tls.tls12", "tls.tls13", "tls.null-ciphers")
    needs = ("url",)

    def not_applicable(self, ctx: ProbeContext) -> str | None:
        reason = super().not_applicable(ctx)
        if reason is None and urlsplit(ctx.base_url).scheme != "https":
            return "the app URL is plain http:// (the HTTPS check reports that)"
        return reason

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        from wizard.netcheck.dnsquery import Dns
        from wizard.netcheck.targets import tls_targets
        from wizard.netcheck.tlscheck import TlsOptions, check_host

        target = ctx.config.target
        bundle = ctx.config.resolve(target.ca_bundle)
        opts = TlsOptions(ca_bundle=str(bundle) if bundle else None,
                          timeout=min(ctx.config.limits.request_timeout, 10.0),
                          warn_days=ctx.settings.cert_warn_days, fail_days=ctx.settings.cert_fail_days)
        hosts = tls_targets(target)
        self.progress(ctx, f"TLS handshakes with {len(hosts)} host(s)")
        dns = Dns.for_config(ctx.config, always=False)
        results = await asyncio.gather(*(check_host(h, opts, dns) for h in hosts))
        for host, outcomes in zip(hosts, results):
            loc = Location(url=f"https://{host.label}")
            for o in outcomes:
                # Several hosts give the same checks: the title names the host unless it already does.
                title = o.title if host.host in o.title else f"{host.label}: {o.title}"
                yield self.finding(o.rule, o.status, title, key=o.key, location=loc, references=REFERENCES,
                                   **o.finding_fields())
