"""Email authentication for the domain that sends password resets: SPF, DMARC, DKIM, MX, MTA-STS, TLS-RPT.

Every problem says what happens to the app's emails in plain words and gives the record to publish.
"""

from __future__ import annotations

import asyncio

from wizard.model import Severity, Status
from wizard.netcheck import dkim as dkimlib
from wizard.netcheck import dmarc as dmarclib
from wizard.netcheck import spf as spflib
from wizard.netcheck.dnsquery import Dns
from wizard.netcheck.outcome import Outcome

RULES = ("email.spf", "email.dmarc", "email.dkim", "email.mx", "email.mta-sts", "email.tls-rpt")

_SPAM = "password resets and invites are likely to land in spam"
_SPOOF = "anyone can send mail that claims to come from"


async def check_domain(dns: Dns, domain: str, selectors: list[str], guesses: tuple[str, ...]) -> list[Outcome]:
    spf, dmarc, dkim, mx, sts, tlsrpt = await asyncio.gather(
        spflib.check(dns, domain), dmarclib.check(dns, domain), dkimlib.search(dns, domain, selectors, guesses),
        dns.query(domain, "MX"), dns.txt(f"_mta-sts.{domain}"), dns.txt(f"_smtp._tls.{domain}"),
    )
    out = judge_spf(spf, dmarc)
    out += judge_dmarc(dmarc)
    out += judge_dkim(dkim, domain)
    out.append(judge_mx(domain, mx))
    out.append(_optional("email.mta-sts", f"_mta-sts.{domain}", "MTA-STS", "v=STSv1", sts,
                         "MTA-STS makes other servers use encrypted, verified connections when they deliver mail to you.",
                         f'_mta-sts.{domain}. TXT "v=STSv1; id=20260101"',
                         f"Serve the policy at https://mta-sts.{domain}/.well-known/mta-sts.txt, then publish the record."))
    out.append(_optional("email.tls-rpt", f"_smtp._tls.{domain}", "TLS-RPT", "v=TLSRPTv1", tlsrpt,
                         "TLS-RPT sends you daily reports of failed encrypted deliveries to your domain.",
                         f'_smtp._tls.{domain}. TXT "v=TLSRPTv1; rua=mailto:tls-reports@{domain}"',
                         "Publish the record with an address that someone reads."))
    return out


# -- SPF ----------------------------------------------------------------------------------------------

def judge_spf(r: spflib.SpfResult, dmarc: dmarclib.DmarcResult) -> list[Outcome]:
    d = r.domain
    key = d
    ev = [r.lookup.describe()] if r.lookup else []
    if r.lookup is not None and r.lookup.failed:
        return [Outcome("email.spf", Status.UNKNOWN, f"Could not read the SPF record of {d}", key, code="dns-error",
                        detail=r.lookup.describe(), evidence=ev)]
    provider = f'{d}. TXT "v=spf1 include:<your email provider\'s SPF domain> -all"'
    if not r.records:
        return [Outcome("email.spf", Status.FAIL, f"No SPF record for {d}", key, code="missing", evidence=ev,
                        detail=f"Receivers cannot tell which servers may send mail for {d}: {_SPAM}, and {_SPOOF} {d}.",
                        fix="List every service that sends mail for the domain (your email provider's setup page gives the "
                            f"include). If {d} sends no mail at all, publish {d}. TXT \"v=spf1 -all\" instead.",
                        record=provider)]
    if len(r.records) > 1:
        return [Outcome("email.spf", Status.FAIL, f"{d} has {len(r.records)} SPF records", key, code="multiple", evidence=ev,
                        detail=f"Receivers treat several SPF records as an error (permerror), so SPF fails for every message: {_SPAM}.",
                        fix="Merge them into one record and delete the others.", record=f'{d}. TXT "{spflib.rewrite(r.records)}"')]

    out: list[Outcome] = []
    record = r.records[0]
    cost = ", ".join(f"{k} ({v})" for k, v in sorted(r.per_include.items(), key=lambda kv: -kv[1]))
    ev = [f'{d} TXT "{record}"', f"DNS lookups: {r.lookups} (limit {spflib.MAX_LOOKUPS})" + (f"; per include: {cost}" if cost else "")]
    if r.voids:
        ev.append(f"void lookups: {', '.join(r.voids)}")
    if r.syntax:
        out.append(Outcome("email.spf", Status.FAIL, f"SPF record of {d} has a syntax error", key, code="syntax", evidence=ev,
                           detail=f"{'; '.join(r.syntax)}. Receivers stop at the error (permerror): {_SPAM}.",
                           fix="Correct the term named above."))
    if r.lookups > spflib.MAX_LOOKUPS:
        out.append(Outcome("email.spf", Status.FAIL, f"SPF of {d} needs {r.lookups} DNS lookups (limit {spflib.MAX_LOOKUPS})",
                           key, code="too-many-lookups", evidence=ev,
                           detail=f"Past 10 lookups receivers give up with an error (permerror), so SPF fails for every "
                                  f"message: {_SPAM}. Cost per include: {cost or 'none'}.",
                           fix="Remove includes for services you no longer use, or replace an include with the ip4:/ip6: "
                               "ranges it stands for. Keep the total at 10 or fewer."))
    if len(r.voids) > spflib.MAX_VOIDS:
        out.append(Outcome("email.spf", Status.FAIL, f"SPF of {d} has {len(r.voids)} lookups that find nothing (limit {spflib.MAX_VOIDS})",
                           key, code="too-many-void-lookups", evidence=ev,
                           detail=f"{', '.join(r.voids)} do not exist. Past two such lookups receivers give up with an error: {_SPAM}.",
                           fix="Remove the mechanisms that point at names that no longer exist.",
                           record=f'{d}. TXT "{spflib.rewrite([record], _void_terms(record, r.voids), _final(record))}"'))
    if r.loops:
        out.append(Outcome("email.spf", Status.FAIL, f"SPF of {d} includes itself (a loop)", key, code="loop", evidence=ev,
                           detail=f"{'; '.join(r.loops)}. Receivers stop with an error: {_SPAM}.",
                           fix="Remove the include that points back at a record already in the chain."))
    if r.broken_includes:
        out.append(Outcome("email.spf", Status.FAIL, f"SPF of {d} includes a domain without one valid SPF record", key,
                           code="include-missing", evidence=ev,
                           detail=f"{'; '.join(r.broken_includes)}. Receivers stop with an error (permerror): {_SPAM}.",
                           fix="Correct the include to the SPF domain your provider documents, or remove it."))
    if r.failed:
        out.append(Outcome("email.spf", Status.UNKNOWN, f"Could not evaluate all of the SPF record of {d}", key, code="dns-error",
                           evidence=ev + [f.describe() for f in r.failed],
                           detail="Some lookups behind the record could not be made; the counts above are a lower bound."))
    q = r.all_qualifier
    fixed = f'{d}. TXT "{spflib.rewrite([record])}"'
    if q == "+":
        out.append(Outcome("email.spf", Status.FAIL, f"SPF of {d} ends in +all: every server on the internet may send as {d}",
                           key, code="plus-all", severity=Severity.CRITICAL, evidence=ev, record=fixed,
                           detail=f"+all makes SPF pass for anyone, so {_SPOOF} {d} and passes SPF.",
                           fix="End the record with -all."))
    elif q == "?":
        out.append(Outcome("email.spf", Status.FAIL, f"SPF of {d} ends in ?all (neutral): it protects nothing", key,
                           code="neutral-all", evidence=ev, record=fixed,
                           detail=f"?all tells receivers to have no opinion about servers not listed: {_SPOOF} {d}, "
                                  "and receivers give your own mail no credit for SPF either.",
                           fix="End the record with -all once every sending service is listed."))
    elif q is None and not (r.syntax or r.loops or r.broken_includes or r.failed):
        out.append(Outcome("email.spf", Status.FAIL, f"SPF of {d} has no 'all' at the end", key, code="no-all", evidence=ev,
                           record=fixed, detail=f"Without -all, servers that are not listed get a neutral result: {_SPOOF} {d}.",
                           fix="End the record with -all."))
    elif q == "~":
        if dmarc.enforcing and not out:
            out.append(Outcome("email.spf", Status.PASS, f"SPF of {d} ends in ~all, and DMARC enforces", key, code="softfail-with-dmarc",
                               evidence=ev))
        elif not dmarc.enforcing:
            out.append(Outcome("email.spf", Status.WARN, f"SPF of {d} ends in ~all without an enforcing DMARC policy", key,
                               code="softfail", evidence=ev, record=fixed,
                               detail="~all only marks mail from other servers as suspicious; with no DMARC quarantine or "
                                      f"reject, forged mail from {d} is often still delivered.",
                               fix="End the record with -all, or enforce DMARC (p=quarantine or p=reject)."))
    elif q == "-" and not out:
        out.append(Outcome("email.spf", Status.PASS, f"SPF of {d} ends in -all ({r.lookups} of {spflib.MAX_LOOKUPS} lookups)", key,
                           code="ok", evidence=ev))
    if r.ptr and not out:
        out.append(Outcome("email.spf", Status.WARN, f"SPF of {d} uses the deprecated ptr mechanism", key, code="ptr",
                           severity=Severity.LOW, evidence=ev, detail="ptr is slow and some receivers ignore it.",
                           fix="Replace ptr with ip4:/ip6: ranges or the provider's include."))
    return out


def _final(record: str) -> str:
    last = [t for t in record.split() if t.lower().lstrip("+-~?") == "all"]
    return last[0] if last and last[0].startswith(("-", "~")) else "-all"


def _void_terms(record: str, voids: list[str]) -> set[str]:
    gone = {v.lower().rstrip(".") for v in voids}
    drop = set()
    for text in record.split()[1:]:
        _, _, value = text.partition(":")
        if value.split("/")[0].lower().rstrip(".") in gone:
            drop.add(text.lower())
    return drop


# -- DMARC --------------------------------------------------------------------------------------------

def judge_dmarc(r: dmarclib.DmarcResult) -> list[Outcome]:
    d = r.domain
    name = f"_dmarc.{d}"
    record = dmarclib.suggested_record(r)
    if r.failed is not None:
        return [Outcome("email.dmarc", Status.UNKNOWN, f"Could not read the DMARC record of {d}", d, code="dns-error",
                        detail=r.failed.describe(), evidence=[r.failed.describe()])]
    if not r.records:
        return [Outcome("email.dmarc", Status.FAIL, f"No DMARC record for {d}", d, code="missing", record=record,
                        evidence=[f"{name} TXT: no DMARC record (nor at the organisational domain)"],
                        detail=f"Receivers get no instruction for mail that fails SPF and DKIM, so {_SPOOF} {d}; Gmail and "
                               f"Yahoo expect DMARC from senders, so {_SPAM}.",
                        fix="Publish DMARC. Start with p=none and reports if you are unsure, then move to quarantine.")]
    ev = [f'{r.found_at} TXT "{rec}"' for rec in r.records]
    if not r.valid:
        return [Outcome("email.dmarc", Status.FAIL, f"DMARC record of {d} is invalid", d, code="invalid", record=record,
                        evidence=ev, detail=f"{'; '.join(r.errors)}. Receivers ignore an invalid record, as if there were none.",
                        fix="Replace it with the record below.")]
    out: list[Outcome] = []
    inherited = f" (inherited from {r.found_at})" if r.inherited else ""
    if r.policy == "none":
        out.append(Outcome("email.dmarc", Status.WARN, f"DMARC of {d} is p=none (monitoring only){inherited}", d, code="p-none",
                           record=record, evidence=ev,
                           detail=f"Receivers still deliver mail that fails the checks, so {_SPOOF} {d}. Fine as a first step, "
                                  "with reports, but it protects nothing yet.",
                           fix="Once the reports show your own mail passing, move to p=quarantine, then p=reject."))
    elif not r.inherited and r.tags.get("sp") == "none":
        out.append(Outcome("email.dmarc", Status.WARN, f"DMARC of {d} leaves subdomains unprotected (sp=none)", d, code="sp-none",
                           record=record, evidence=ev, detail=f"Mail from any subdomain of {d} can be forged freely.",
                           fix="Remove sp=none (subdomains then follow p=) or set sp=quarantine."))
    if r.pct < 100:
        out.append(Outcome("email.dmarc", Status.WARN, f"DMARC of {d} applies to only {r.pct}% of failing mail", d, code="pct",
                           record=record, evidence=ev, detail="The rest of the forged mail is delivered as if there were no policy.",
                           fix="Remove pct= (it defaults to 100)."))
    if not r.tags.get("rua"):
        out.append(Outcome("email.dmarc", Status.WARN, f"DMARC of {d} asks for no reports (no rua=)", d, code="no-rua",
                           severity=Severity.LOW, record=record, evidence=ev,
                           detail="Nobody sees which servers send as your domain, or whether your own mail passes.",
                           fix="Add rua=mailto: with an address (or a DMARC report service) that someone reads."))
    if not out:
        out.append(Outcome("email.dmarc", Status.PASS, f"DMARC of {d} is p={r.policy}{inherited}", d, code="ok", evidence=ev))
    return out


# -- DKIM ---------------------------------------------------------------------------------------------

def judge_dkim(s: dkimlib.DkimSearch, domain: str) -> list[Outcome]:
    out: list[Outcome] = []
    usable = [k for k in s.keys if k.usable]
    for key in s.keys:
        where = f"{key.selector}._domainkey.{domain}"
        ev = [f'{where} TXT "{key.record[:160]}{"..." if len(key.record) > 160 else ""}"']
        publish = f'{where}. TXT "v=DKIM1; k=rsa; p=<the 2048-bit public key from your email provider>"'
        loc = f"{domain}/{key.selector}"
        if key.revoked:
            named = key.selector in s.user_selectors
            status = Status.FAIL if named or not usable else Status.WARN
            out.append(Outcome("email.dkim", status, f"DKIM key '{key.selector}' of {domain} is revoked (empty p=)", loc,
                               code="revoked", evidence=ev, record=publish,
                               severity=Severity.HIGH if status is Status.FAIL else Severity.LOW,
                               detail="Mail signed with this selector fails DKIM, so it leans on SPF alone and "
                                      f"{_SPAM} (a forwarded reset fails DMARC outright). If the selector was retired on "
                                      "purpose and mail is signed with another one, this is harmless.",
                               fix="Publish the current key from your email provider, or stop signing with this selector."))
        elif key.error:
            out.append(Outcome("email.dkim", Status.FAIL, f"DKIM key '{key.selector}' of {domain} cannot be used", loc,
                               code="invalid", evidence=ev, record=publish,
                               detail=f"{key.error}. Receivers cannot check the signature: {_SPAM}.",
                               fix="Copy the DKIM record again from your email provider's setup page, in one piece."))
        elif key.kind == "rsa" and key.bits < dkimlib.WEAKEST_RSA_BITS:
            out.append(Outcome("email.dkim", Status.FAIL, f"DKIM key '{key.selector}' of {domain} is only {key.bits} bits", loc,
                               code="too-small", evidence=ev, record=publish,
                               detail=f"Receivers ignore signatures from keys under 1024 bits: {_SPAM}.",
                               fix="Generate a 2048-bit key at your email provider and publish it."))
        elif key.kind == "rsa" and key.bits < dkimlib.MIN_RSA_BITS:
            out.append(Outcome("email.dkim", Status.WARN, f"DKIM key '{key.selector}' of {domain} is only {key.bits}-bit RSA",
                               loc, code="rsa-1024", evidence=ev, record=publish,
                               detail="1024-bit RSA keys are within reach of well-funded attackers, who could then sign "
                                      "mail as your domain; some receivers already give such signatures less trust.",
                               fix="Rotate to a 2048-bit key (most providers offer it in their DKIM settings)."))
        else:
            size = "Ed25519" if key.kind == "ed25519" else f"{key.bits}-bit RSA"
            out.append(Outcome("email.dkim", Status.PASS, f"DKIM key '{key.selector}' of {domain} is {size}", loc, code="ok", evidence=ev))
    for selector in s.missing_user:
        out.append(Outcome("email.dkim", Status.FAIL, f"No DKIM key at the selector '{selector}' you named", f"{domain}/{selector}",
                           code="selector-missing", evidence=[f"{selector}._domainkey.{domain} TXT: no record"],
                           record=f'{selector}._domainkey.{domain}. TXT "v=DKIM1; k=rsa; p=<public key from your email provider>"',
                           detail=f"Mail signed with '{selector}' fails DKIM: {_SPAM}.",
                           fix="Publish the key your email provider shows for this selector, or correct the selector name."))
    if s.keys or s.missing_user:
        return out
    if s.failed:
        return [Outcome("email.dkim", Status.UNKNOWN, f"Could not look up the DKIM keys of {domain}", domain, code="dns-error",
                        detail="; ".join(f.describe() for f in s.failed[:3]), evidence=[f.describe() for f in s.failed[:5]])]
    return [Outcome("email.dkim", Status.UNKNOWN, f"No DKIM key found among {s.guessed} common selectors for {domain}", domain,
                    code="not-found",
                    detail="The selector is chosen by the email provider, so this proves nothing either way. Find it in the "
                           "'DKIM-Signature: ... s=<selector>' header of a mail the app sent, and give it as dkim_selectors.",
                    fix="Set target.dkim_selectors in launch-ready.toml to your provider's selector.")]


# -- MX and the optional records ---------------------------------------------------------------------

def judge_mx(domain: str, look) -> Outcome:
    if look.failed:
        return Outcome("email.mx", Status.UNKNOWN, f"Could not read the MX records of {domain}", domain, code="dns-error",
                       detail=look.describe(), evidence=[look.describe()])
    if not look.ok:
        return Outcome("email.mx", Status.WARN, f"{domain} has no MX record", domain, code="missing", severity=Severity.LOW,
                       evidence=[look.describe()], record=f"{domain}. MX 10 <your mail server or provider's MX host>.",
                       detail="Replies and bounces to the app's emails cannot be delivered, and some receivers trust mail "
                              "from a domain that cannot receive mail less.",
                       fix="Publish the MX records of the mailbox provider that receives mail for the domain.")
    hosts = sorted((r.preference, str(r.exchange).rstrip(".")) for r in look.records)
    if len(hosts) == 1 and hosts[0][1] in ("", "."):
        return Outcome("email.mx", Status.WARN, f"{domain} says it accepts no mail (null MX)", domain, code="null-mx",
                       evidence=[look.describe()],
                       detail="Receivers may reject mail from a domain that declares it cannot receive any (RFC 7505).",
                       fix="Send the app's mail from a domain that receives mail, or publish a real MX record.")
    return Outcome("email.mx", Status.PASS, f"{domain} receives mail at {', '.join(h for _, h in hosts[:3])}", domain,
                   code="ok", evidence=[look.describe()])


def _optional(rule: str, name: str, label: str, prefix: str, look, what: str, record: str, fix: str) -> Outcome:
    """MTA-STS and TLS-RPT: reported for information, they never change the verdict."""
    if look.ok and any(t.replace(" ", "").startswith(prefix) for t in look.texts()):
        return Outcome(rule, Status.PASS, f"{label} is published", name, code="ok", evidence=[look.describe()])
    how = "could not be read" if look.failed else "is not published"
    return Outcome(rule, Status.NA, f"{label} {how} (optional)", name, code="absent" if not look.failed else "dns-error",
                   detail=f"{what} It protects mail sent to you, not the app's outgoing mail.", record=record, fix=fix,
                   evidence=[look.describe()])
