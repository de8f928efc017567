"""DNS checks for the names in scope: they resolve, their CNAME chains end somewhere real, CAA.

A lookup that could not be made (SERVFAIL, REFUSED, a timeout) gives `unknown`, never pass or fail.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.model import Severity, Status
from wizard.netcheck import catalog
from wizard.netcheck.dnsquery import NXDOMAIN, Dns, Lookup
from wizard.netcheck.outcome import Outcome
from wizard.netcheck.tlscheck import ServedCert

RULES = ("dns.resolve", "dns.dangling", "dns.takeover", "dns.caa")
MAX_HOPS = 8


@dataclass
class Chain:
    name: str
    hops: list[str]  # the CNAME targets, in order
    end: Lookup | None = None  # the lookup that ended the walk: a failure, NXDOMAIN, or None when it ended well
    addresses: list[str] | None = None
    loop: bool = False

    def describe(self) -> str:
        return " -> ".join([self.name, *self.hops])


async def follow(dns: Dns, name: str) -> Chain:
    """Walk the CNAME chain one hop at a time (each link visible), then read the end's addresses."""
    chain = Chain(name, [])
    current = name
    for _ in range(MAX_HOPS):
        look = await dns.query(current, "CNAME")
        if look.ok:
            target = str(look.records[0].target).rstrip(".").lower()
            if target == name or target in chain.hops:
                chain.loop = True
                return chain
            chain.hops.append(target)
            current = target
            continue
        if look.failed or look.state == NXDOMAIN:
            chain.end = look  # could not ask, or the name does not exist
            return chain
        break  # no CNAME here: the name exists and is not an alias
    found, look = await dns.addresses(current)
    chain.addresses = found
    if not found:
        chain.end = look
    return chain


async def check_name(dns: Dns, name: str, needs_address: bool = True) -> list[Outcome]:
    chain = await follow(dns, name)
    path = chain.describe()
    evidence = [f"{path} (asked {dns.describe()})"]
    platforms = [(hop, catalog.takeover_platform(hop)) for hop in chain.hops]
    platforms = [(hop, p) for hop, p in platforms if p is not None]
    out: list[Outcome] = []

    if chain.loop:
        return [Outcome("dns.resolve", Status.FAIL, f"{name} is a CNAME loop", name, severity=Severity.HIGH, code="loop",
                        detail=f"{path} -> ... points back at itself: the name never resolves.", evidence=evidence,
                        fix="Point the CNAME at the real host name of the service.")]
    end = chain.end
    if end is not None and end.failed:
        out.append(Outcome("dns.resolve", Status.UNKNOWN, f"Could not read the DNS records of {name}", name, code="dns-error",
                           detail=f"{end.describe()}. Check the DNS server, then rerun.", evidence=evidence))
    elif end is not None and end.state == NXDOMAIN and chain.hops:
        gone = chain.hops[-1]
        where = f" on {platforms[-1][1].platform}" if platforms else ""
        takeover = (f" Because it is{where}, {platforms[-1][1].reason}." if platforms
                    else " If someone can register that name, they can serve pages on your subdomain.")
        out.append(Outcome("dns.dangling", Status.FAIL, f"{name} points at {gone}, which no longer exists", name,
                           severity=Severity.CRITICAL if platforms else Severity.HIGH, code="dangling",
                           detail=f"A dangling CNAME: {path} ends in a name that does not exist.{takeover}",
                           evidence=evidence + [end.describe()],
                           fix=f"Delete the CNAME record for {name} (or point it at a service you own)."))
        return out
    elif end is not None and end.state == NXDOMAIN:
        out.append(Outcome("dns.resolve", Status.FAIL, f"{name} does not exist in DNS", name, severity=Severity.HIGH,
                           code="nxdomain", detail="Nobody can reach it by this name.", evidence=evidence,
                           fix=f"Create the record for {name}, or remove it from the audit scope if it is not used."))
        return out
    elif not chain.addresses and (needs_address or chain.hops):
        out.append(Outcome("dns.resolve", Status.FAIL, f"{name} has no address (no A or AAAA record)", name,
                           severity=Severity.HIGH, code="no-address", evidence=evidence,
                           detail=f"{path} exists but points nowhere: nobody can reach it by this name.",
                           fix=f"Give {chain.hops[-1] if chain.hops else name} an A or AAAA record, or remove the record."))
    elif not chain.addresses:  # a domain used for mail only needs no address
        out.append(Outcome("dns.resolve", Status.PASS, f"{name} exists (no web address, none needed)", name, code="exists",
                           evidence=evidence))
    else:
        shown = ", ".join(chain.addresses[:4]) + (" ..." if len(chain.addresses) > 4 else "")
        out.append(Outcome("dns.resolve", Status.PASS, f"{name} resolves to {shown}", name, code="ok", evidence=evidence))
        if chain.hops:
            out.append(Outcome("dns.dangling", Status.PASS, f"{name}'s CNAME chain ends at a live name", name, code="live",
                               evidence=evidence))

    for hop, platform in platforms:
        out.append(Outcome("dns.takeover", Status.WARN, f"{name} points at {platform.platform} ({hop})", name,
                           code="takeover-prone", evidence=evidence,
                           detail=f"It works today, but {platform.reason}. Remove the record the moment that service is retired.",
                           fix=f"When the {platform.platform} resource behind {hop} is deleted, delete this CNAME first."))
    return out


@dataclass
class Caa:
    owner: str | None  # where the relevant CAA record set lives (None: nowhere)
    lookup: Lookup | None  # the failed lookup when one failed
    issue: list[str]  # allowed CA domains ('' = no CA at all)
    has_issue_tags: bool


async def find_caa(dns: Dns, name: str) -> Caa:
    """RFC 8659: the CAA set of the closest name, climbing towards the organisational domain."""
    labels = name.lower().rstrip(".").split(".")
    stop = len(catalog.organisational_domain(name).split("."))
    for i in range(0, max(1, len(labels) - stop + 1)):
        owner = ".".join(labels[i:])
        look = await dns.query(owner, "CAA")
        if look.failed:
            return Caa(None, look, [], False)
        if look.ok:
            issue = [r.value.decode("utf-8", "replace").split(";")[0].strip().lower()
                     for r in look.records if r.tag.lower() == b"issue"]
            wild = [r.value.decode("utf-8", "replace").split(";")[0].strip().lower()
                    for r in look.records if r.tag.lower() == b"issuewild"]
            return Caa(owner, None, issue or wild, bool(issue or wild))
    return Caa(None, None, [], False)


async def check_caa(dns: Dns, name: str, served: ServedCert | None) -> Outcome:
    """One CAA verdict for `name`, keyed by where its CAA set lives (names sharing it give the same key)."""
    caa = await find_caa(dns, name)
    org = catalog.organisational_domain(name)
    if caa.lookup is not None:
        return Outcome("dns.caa", Status.UNKNOWN, f"Could not read the CAA records for {name}", name, code="dns-error",
                       detail=caa.lookup.describe(), evidence=[caa.lookup.describe()])
    authority = catalog.authority_for(served.issuer_names) if served else None
    suggest = (authority.caa[0] if authority else "letsencrypt.org")
    issuer_key = f"|{served.issuer}" if served else ""
    if caa.owner is None:
        return Outcome("dns.caa", Status.WARN, f"No CAA record for {org}: any CA may issue its certificates", org,
                       severity=Severity.LOW, code="missing", record=f'{org}. CAA 0 issue "{suggest}"',
                       detail="A CAA record names the certificate authorities allowed to issue for your domain, so a "
                              "mistake or an attacker at any other CA cannot get a valid certificate for it.",
                       fix=f"Publish a CAA record at {org} naming the CA you use"
                           + (f" ({authority.ca}, which issued the certificate {served.host} serves now)." if authority else "."),
                       evidence=[f"no CAA record at {name} or any parent up to {org}"])
    owner = caa.owner
    allowed = [a for a in caa.issue if a]
    shown = ", ".join(allowed) if allowed else "no CA at all"
    evidence = [f"CAA at {owner}: issue {shown}"]
    if not caa.has_issue_tags:
        return Outcome("dns.caa", Status.WARN, f"CAA record at {owner} does not restrict issuance", owner,
                       severity=Severity.LOW, code="no-issue-tag", record=f'{owner}. CAA 0 issue "{suggest}"', evidence=evidence,
                       detail="It has no 'issue' entry, so any CA may still issue certificates for the domain.",
                       fix=f"Add an 'issue' entry for the CA you use at {owner}.")
    if served is None:
        return Outcome("dns.caa", Status.PASS, f"CAA at {owner} allows only {shown}", owner, code="present", evidence=evidence)
    evidence.append(f"{served.host} serves a certificate issued by {served.issuer}")
    key = owner + issuer_key  # one verdict per CAA set and issuer
    if authority is not None:
        if set(authority.caa) & set(allowed):
            return Outcome("dns.caa", Status.PASS, f"CAA at {owner} allows {authority.ca}, which issued the certificate in use",
                           key, code="allows-issuer", where=owner, evidence=evidence)
        return Outcome("dns.caa", Status.FAIL, f"CAA at {owner} does not allow {authority.ca}, which issued the certificate in use",
                       key, severity=Severity.HIGH, code="issuer-not-allowed", where=owner, evidence=evidence,
                       record=f'{owner}. CAA 0 issue "{authority.caa[0]}"',
                       detail=f"The CAA record at {owner} allows only {shown}. {authority.ca} will refuse to renew "
                              "the certificate, and when it expires browsers block the app.",
                       fix=f"Add {authority.ca} to the CAA record at {owner}, next to the entries you keep.")
    if any(catalog.issuer_named_like(a, served.issuer_names) for a in allowed):
        return Outcome("dns.caa", Status.PASS, f"CAA at {owner} allows {shown}, which matches the issuer {served.issuer}", key,
                       code="allows-issuer", where=owner, evidence=evidence)
    if served.publicly_trusted:
        return Outcome("dns.caa", Status.UNKNOWN, f"Could not tell whether CAA at {owner} allows the issuer {served.issuer}", key,
                       code="issuer-unmapped", where=owner, evidence=evidence,
                       detail=f"The CAA record allows {shown}; this tool does not know which CAA name {served.issuer} uses.",
                       fix="Check your CA's documentation for its CAA domain and make sure the record lists it.")
    return Outcome("dns.caa", Status.PASS, f"CAA at {owner} allows only {shown}", key, code="private-ca", where=owner, evidence=evidence,
                   detail=f"The certificate served now comes from a private CA ({served.issuer}); CAA binds public CAs only.")


def merge_same(outcomes: list[Outcome], names: list[str]) -> list[Outcome]:
    """One outcome per key: names that share a CAA set (or lack one) are reported once, all listed."""
    merged: dict[tuple[str, str], tuple[Outcome, list[str]]] = {}
    for outcome, name in zip(outcomes, names):
        merged.setdefault((outcome.key, outcome.code), (outcome, []))[1].append(name)
    out = []
    for outcome, covered in merged.values():
        outcome.evidence.append(f"applies to: {', '.join(covered)}")
        out.append(outcome)
    return out
