"""Email authentication of the sending domain: SPF, DKIM, DMARC, MX (MTA-STS and TLS-RPT for information)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from wizard.model import Finding, Location
from wizard.probes.base import Probe, ProbeContext

REFERENCES = ["RFC 7208 (SPF)", "RFC 6376 (DKIM)", "RFC 7489 (DMARC)"]


class EmailProbe(Probe):
    id = "email"
    title = "Email authentication: SPF, DKIM, DMARC"
    areas = ("email",)
    rules = ("email.spf", "email.dmarc", "email.dkim", "email.mx", "email.mta-sts", "email.tls-rpt")
    needs = ("email_domain",)

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        from wizard.netcheck.catalog import dkim_selectors
        from wizard.netcheck.dnsquery import Dns
        from wizard.netcheck.emailcheck import check_domain
        from wizard.netcheck.targets import email_domain

        target = ctx.config.target
        domain = email_domain(target)
        assert domain  # not_applicable guarantees it
        dns = Dns.for_config(ctx.config)
        self.progress(ctx, f"reading SPF, DKIM and DMARC of {domain} with {dns.describe()}")
        for o in await check_domain(dns, domain, list(target.dkim_selectors), dkim_selectors()):
            yield self.finding(o.rule, o.status, o.title, key=o.key, location=Location(path=o.location),
                               references=REFERENCES, **o.finding_fields())
