"""DNS for every name in scope and the domain: resolution, dangling CNAMEs, takeover-prone targets, CAA."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from wizard.model import Finding, Location
from wizard.probes.base import Probe, ProbeContext

REFERENCES = ["OWASP ASVS 4.0.3 V10.3.3 (subdomain takeover)", "RFC 8659 (CAA)"]


class DnsProbe(Probe):
    id = "dns"
    title = "DNS records: names, dangling CNAMEs, CAA"
    areas = ("dns",)
    rules = ("dns.resolve", "dns.dangling", "dns.takeover", "dns.caa")
    needs = ()

    def not_applicable(self, ctx: ProbeContext) -> str | None:
        from wizard.netcheck.targets import dns_names

        if not dns_names(ctx.config.target):
            return "no host name in scope and no domain configured"
        return super().not_applicable(ctx)

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        from wizard.netcheck.dnscheck import check_caa, check_name, merge_same
        from wizard.netcheck.dnsquery import Dns
        from wizard.netcheck.targets import dns_names, tls_targets
        from wizard.netcheck.tlscheck import served_certificate

        target = ctx.config.target
        dns = Dns.for_config(ctx.config)
        hosts = [t for t in tls_targets(target) if not t.is_ip] if target.url else []
        host_names = {t.host for t in hosts}
        names = dns_names(target)
        self.progress(ctx, f"reading DNS for {len(names)} name(s) with {dns.describe()}")
        timeout = min(ctx.config.limits.request_timeout, 10.0)
        tls_dns = Dns.for_config(ctx.config, always=False)

        async def caa_for_host(host):
            return await check_caa(dns, host.host, await served_certificate(host, tls_dns, timeout))

        name_results = await asyncio.gather(*(check_name(dns, n, needs_address=n in host_names) for n in names))
        other_names = [n for n in names if n not in host_names]
        caa_results = await asyncio.gather(*(caa_for_host(h) for h in hosts), *(check_caa(dns, n, None) for n in other_names))
        caa = merge_same(list(caa_results), [h.host for h in hosts] + other_names)
        for o in [o for outcomes in name_results for o in outcomes] + caa:
            yield self.finding(o.rule, o.status, o.title, key=o.key, location=Location(path=o.location),
                               references=REFERENCES, **o.finding_fields())
