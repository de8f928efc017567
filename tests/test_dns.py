"""DNS checks against a real authoritative server (nsd on 127.0.0.1) and a server that never answers."""

from __future__ import annotations

import asyncio

import pytest

import pki
from nsd import dns, nsd, silent_dns_server  # noqa: F401  (fixtures)
from tlsserver import openssl_server
from wizard.model import Status
from wizard.netcheck import dnscheck
from wizard.netcheck.dnsquery import ERROR, NODATA, NXDOMAIN, OK, Dns
from wizard.netcheck.targets import TlsTarget
from wizard.netcheck.tlscheck import ServedCert, TlsOptions, check_host, served_certificate


def run(coro):
    return asyncio.run(coro)


def by_rule(outcomes) -> dict[str, dnscheck.Outcome]:
    result = {o.rule: o for o in outcomes}
    assert len(result) == len(outcomes)
    return result


# --------------------------------------------------------------------------- the DNS client


@pytest.mark.parametrize("name, rdtype, state, error", [
    ("www.names.test", "A", OK, ""),
    ("missing.names.test", "A", NXDOMAIN, ""),
    ("www.names.test", "MX", NODATA, ""),
    ("anything.broken.test", "A", ERROR, "SERVFAIL"),
    ("example.org", "A", ERROR, "REFUSED"),
])
def test_each_answer_has_one_of_four_states(dns, name, rdtype, state, error):
    look = run(dns.query(name, rdtype))
    assert look.state == state
    assert error in look.error


def test_a_server_that_never_answers_is_a_timeout_error():
    with silent_dns_server() as address:
        look = run(Dns(address, timeout=0.5).query("www.names.test", "A"))
    assert look.state == ERROR and "timeout" in look.error


def test_a_bad_server_address_is_an_error_not_a_crash():
    look = run(Dns("127.0.0.1:notaport").query("www.names.test", "A"))
    assert look.state == ERROR and "port" in look.error


# --------------------------------------------------------------------------- names and CNAME chains


def test_plain_name_resolves(dns):
    result = by_rule(run(dnscheck.check_name(dns, "www.names.test")))
    assert (result["dns.resolve"].status, result["dns.resolve"].title) == (Status.PASS, "www.names.test resolves to 127.0.0.1")


def test_cname_chain_to_a_live_name_passes_and_shows_every_hop(dns):
    result = by_rule(run(dnscheck.check_name(dns, "portal.good.test")))
    assert result["dns.resolve"].status is Status.PASS
    assert result["dns.dangling"].status is Status.PASS
    assert "portal.good.test -> app.good.test -> www.good.test" in result["dns.resolve"].evidence[0]


def test_dangling_cname_fails(dns):
    result = by_rule(run(dnscheck.check_name(dns, "gone.names.test")))
    assert list(result) == ["dns.dangling"]
    o = result["dns.dangling"]
    assert (o.status, o.code) == (Status.FAIL, "dangling")
    assert o.title == "gone.names.test points at deleted.names.test, which no longer exists"
    assert "Delete the CNAME record for gone.names.test" in o.fix


def test_dangling_cname_to_a_takeover_prone_platform_is_critical_and_says_why(dns):
    o = by_rule(run(dnscheck.check_name(dns, "legacy.names.test")))["dns.dangling"]
    assert o.status is Status.FAIL and o.severity.value == "critical"
    assert "Heroku" in o.detail and "anyone" in o.detail


def test_live_cname_to_a_takeover_prone_platform_warns(dns):
    result = by_rule(run(dnscheck.check_name(dns, "shop.names.test")))
    assert result["dns.resolve"].status is Status.PASS
    assert (result["dns.takeover"].status, result["dns.takeover"].title) == (
        Status.WARN, "shop.names.test points at Heroku (acme-live.herokuapp.com)")


def test_missing_name_alias_without_address_and_loop_fail(dns):
    missing = by_rule(run(dnscheck.check_name(dns, "missing.names.test")))["dns.resolve"]
    noaddr = by_rule(run(dnscheck.check_name(dns, "noaddr.names.test")))["dns.resolve"]
    loop = by_rule(run(dnscheck.check_name(dns, "loop1.names.test")))["dns.resolve"]
    assert (missing.status, missing.code) == (Status.FAIL, "nxdomain")
    assert (noaddr.status, noaddr.code) == (Status.FAIL, "no-address")
    assert (loop.status, loop.code) == (Status.FAIL, "loop")


def test_a_domain_used_only_for_mail_needs_no_address(dns):
    o = by_rule(run(dnscheck.check_name(dns, "nomx.test", needs_address=False)))["dns.resolve"]
    assert (o.status, o.code) == (Status.PASS, "exists")


@pytest.mark.parametrize("name, why", [
    ("anything.broken.test", "SERVFAIL"),  # the zone failed to load
    ("broken.names.test", "SERVFAIL"),  # a chain that runs into it
    ("outside.names.test", "REFUSED"),  # a chain that leaves what the server knows
])
def test_servfail_and_refused_are_unknown_never_pass_or_fail(dns, name, why):
    outcomes = run(dnscheck.check_name(dns, name))
    assert [(o.rule, o.status) for o in outcomes] == [("dns.resolve", Status.UNKNOWN)]
    assert why in outcomes[0].detail


def test_timeout_is_unknown():
    with silent_dns_server() as address:
        outcomes = run(dnscheck.check_name(Dns(address, timeout=0.5), "www.names.test"))
        caa = run(dnscheck.check_caa(Dns(address, timeout=0.5), "www.names.test", None))
    assert [(o.rule, o.status) for o in outcomes] == [("dns.resolve", Status.UNKNOWN)]
    assert "timeout" in outcomes[0].detail
    assert (caa.status, caa.code) == (Status.UNKNOWN, "dns-error")


# --------------------------------------------------------------------------- CAA


def served(issuer_org: str, public: bool = False) -> ServedCert:
    return ServedCert("www.x.test", f"CN=R3, O={issuer_org}", ["R3", issuer_org], public)


def test_no_caa_warns_and_gives_the_record(dns):
    o = run(dnscheck.check_caa(dns, "www.nocaa.test", served("Let's Encrypt")))
    assert (o.status, o.code) == (Status.WARN, "missing")
    assert o.record == 'nocaa.test. CAA 0 issue "letsencrypt.org"'


def test_caa_that_does_not_allow_the_issuer_fails(dns):
    o = run(dnscheck.check_caa(dns, "www.caa.test", served("Let's Encrypt")))
    assert (o.status, o.code) == (Status.FAIL, "issuer-not-allowed")
    assert o.title == "CAA at caa.test does not allow Let's Encrypt, which issued the certificate in use"
    assert o.record == 'caa.test. CAA 0 issue "letsencrypt.org"'
    assert "refuse to renew" in o.detail


@pytest.mark.parametrize("name, issuer", [
    ("www.caa.test", "DigiCert Inc"),  # issue "digicert.com"
    ("www.caaok.test", "Let's Encrypt"),  # issue "letsencrypt.org; validationmethods=dns-01"
    ("www.caasub.test", "Let's Encrypt"),  # the closest CAA set wins (the apex forbids every CA)
])
def test_caa_allowing_the_issuer_passes(dns, name, issuer):
    o = run(dnscheck.check_caa(dns, name, served(issuer)))
    assert (o.status, o.code) == (Status.PASS, "allows-issuer"), o.title


def test_caa_and_certificates_from_private_or_unlisted_cas(dns):
    private = run(dnscheck.check_caa(dns, "www.caa.test", served("Acme Internal CA")))
    public = run(dnscheck.check_caa(dns, "www.caa.test", served("Some Public CA", public=True)))
    assert (private.status, private.code) == (Status.PASS, "private-ca")
    assert (public.status, public.code) == (Status.UNKNOWN, "issuer-unmapped")


def test_caa_without_issue_entries_warns_and_caa_read_failures_are_unknown(dns):
    iodef = run(dnscheck.check_caa(dns, "www.caaiodef.test", None))
    broken = run(dnscheck.check_caa(dns, "www.broken.test", None))
    assert (iodef.status, iodef.code) == (Status.WARN, "no-issue-tag")
    assert (broken.status, broken.code) == (Status.UNKNOWN, "dns-error")


def test_names_sharing_one_caa_set_are_reported_once(dns):
    names = ["www.nocaa.test", "nocaa.test"]
    outcomes = [run(dnscheck.check_caa(dns, n, None)) for n in names]
    merged = dnscheck.merge_same(outcomes, names)
    assert len(merged) == 1 and merged[0].evidence[-1] == "applies to: www.nocaa.test, nocaa.test"


def test_caa_against_the_certificate_a_real_server_serves(tmp_path, dns):
    lets_encrypt = pki.authority("R3", org="Let's Encrypt")  # a test CA that merely carries the name
    with openssl_server(tmp_path, pki.leaf(lets_encrypt, ["www.caa.test"])) as port:
        cert = run(served_certificate(TlsTarget("www.caa.test", port), dns, timeout=3))
        tls = {o.rule: o for o in run(check_host(TlsTarget("www.caa.test", port), TlsOptions(timeout=3), dns))}
    assert cert is not None and cert.issuer == "CN=R3, O=Let's Encrypt" and not cert.publicly_trusted
    assert run(dnscheck.check_caa(dns, "www.caa.test", cert)).code == "issuer-not-allowed"
    assert tls["tls.hostname"].status is Status.PASS  # the name was resolved through nsd, not the system


def test_probe_rule_list_matches_the_checks():
    from wizard.probes.dns import DnsProbe

    assert DnsProbe.rules == dnscheck.RULES
