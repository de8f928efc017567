"""SPF, DMARC and DKIM read from a real authoritative server (nsd on 127.0.0.1), one zone per case."""

from __future__ import annotations

import asyncio

import pytest

from nsd import dns, nsd, silent_dns_server  # noqa: F401  (fixtures)
from wizard.model import Status
from wizard.netcheck import emailcheck, spf
from wizard.netcheck.catalog import dkim_selectors
from wizard.netcheck.dnsquery import Dns

GUESSES = dkim_selectors()


def check(dns: Dns, domain: str, selectors: tuple[str, ...] = ()) -> list[emailcheck.Outcome]:
    return asyncio.run(emailcheck.check_domain(dns, domain, list(selectors), GUESSES))


def of(outcomes, rule: str) -> list[tuple[Status, str]]:
    return [(o.status, o.code) for o in outcomes if o.rule == rule]


def one(outcomes, rule: str, code: str):
    found = [o for o in outcomes if o.rule == rule and o.code == code]
    assert len(found) == 1, [(o.rule, o.code, o.title) for o in outcomes]
    return found[0]


# --------------------------------------------------------------------------- a domain with everything right


def test_good_domain_has_no_false_positive(dns):
    out = check(dns, "good.test")
    assert {o.rule: o.status for o in out if o.status is not Status.PASS} == {}
    assert of(out, "email.spf") == [(Status.PASS, "ok")]
    assert one(out, "email.spf", "ok").title == "SPF of good.test ends in -all (3 of 10 lookups)"
    assert of(out, "email.dmarc") == [(Status.PASS, "ok")]
    assert sorted(o.title for o in out if o.rule == "email.dkim") == [
        "DKIM key 'google' of good.test is Ed25519", "DKIM key 'selector1' of good.test is 2048-bit RSA"]
    assert of(out, "email.mx") == [(Status.PASS, "ok")]
    assert of(out, "email.mta-sts") == of(out, "email.tls-rpt") == [(Status.PASS, "ok")]


@pytest.mark.parametrize("domain", ["spf10.test", "twovoids.test", "redirect.test", "softenforced.test", "inherit.test"])
def test_good_edge_cases_pass(dns, domain):
    out = check(dns, "mail.inherit.test" if domain == "inherit.test" else domain)
    assert of(out, "email.spf")[0][0] is Status.PASS, [o.title for o in out]
    assert of(out, "email.dmarc") == [(Status.PASS, "ok")], [o.title for o in out]


# --------------------------------------------------------------------------- SPF


def test_eleven_lookups_fail_with_the_cost_of_each_include(dns):
    o = one(check(dns, "spf11.test"), "email.spf", "too-many-lookups")
    assert o.status is Status.FAIL
    assert o.title == "SPF of spf11.test needs 11 DNS lookups (limit 10)"
    assert "include:i1.spf11.test (2)" in o.detail and "include:i10.spf11.test (1)" in o.detail
    assert "spam" in o.detail


def test_two_spf_records_fail_and_the_merged_record_is_given(dns):
    out = check(dns, "twospf.test")
    o = one(out, "email.spf", "multiple")
    assert o.status is Status.FAIL and o.title == "twospf.test has 2 SPF records"
    assert o.record.startswith('twospf.test. TXT "v=spf1 ') and o.record.endswith(' -all"')
    assert "ip4:192.0.2.0/24" in o.record and "include:_spf.google.com" in o.record


def test_plus_all_fails_as_critical(dns):
    o = one(check(dns, "plusall.test"), "email.spf", "plus-all")
    assert o.status is Status.FAIL and o.severity.value == "critical"
    assert o.record == 'plusall.test. TXT "v=spf1 -all"'


def test_question_all_fails_with_the_record_to_publish(dns):
    o = one(check(dns, "neutral.test"), "email.spf", "neutral-all")
    assert o.status is Status.FAIL
    assert o.record == 'neutral.test. TXT "v=spf1 ip4:192.0.2.1 -all"'
    assert "Publish this record:\nneutral.test. TXT" in o.fix_text


def test_no_all_fails(dns):
    o = one(check(dns, "noall.test"), "email.spf", "no-all")
    assert o.status is Status.FAIL and o.record == 'noall.test. TXT "v=spf1 ip4:192.0.2.1 -all"'


def test_three_void_lookups_fail_and_two_do_not(dns):
    o = one(check(dns, "voids.test"), "email.spf", "too-many-void-lookups")
    assert o.status is Status.FAIL and "3 lookups that find nothing" in o.title
    assert o.record == 'voids.test. TXT "v=spf1 ip4:192.0.2.1 -all"'
    assert not [c for s, c in of(check(dns, "twovoids.test"), "email.spf") if c == "too-many-void-lookups"]


def test_include_loop_syntax_error_and_include_without_spf_fail(dns):
    loop = one(check(dns, "loop.test"), "email.spf", "loop")
    syntax = one(check(dns, "syntax.test"), "email.spf", "syntax")
    broken = one(check(dns, "badinclude.test"), "email.spf", "include-missing")
    assert loop.status is syntax.status is broken.status is Status.FAIL
    assert "loop.test -> a.loop.test -> b.loop.test -> a.loop.test" in loop.detail
    assert "ip4:999.1.1.1" in syntax.detail
    assert "nospf.badinclude.test (no SPF record)" in broken.detail


def test_softfail_depends_on_dmarc(dns):
    assert of(check(dns, "softfail.test"), "email.spf") == [(Status.WARN, "softfail")]  # DMARC p=none
    assert of(check(dns, "softenforced.test"), "email.spf") == [(Status.PASS, "softfail-with-dmarc")]


def test_missing_spf_fails_with_both_records_to_choose_from(dns):
    out = check(dns, "names.test")
    o = one(out, "email.spf", "missing")
    assert o.status is Status.FAIL
    assert "include:<your email provider's SPF domain> -all" in o.record and 'v=spf1 -all' in o.fix


@pytest.mark.parametrize("record, problem", [
    ("v=spf1 ip4:1.2.3.4/33 -all", "ip4"),
    ("v=spf1 ip6:1.2.3.4 -all", "IPv6"),
    ("v=spf1 include: -all", "needs a domain"),
    ("v=spf1 foo:bar -all", "not an SPF mechanism"),
    ("v=spf1 -all:x", "takes no value"),
    ("v=spf1 redirect=a.test redirect=b.test", "twice"),
])
def test_spf_syntax_errors_name_the_term(record, problem):
    with pytest.raises(spf.SpfSyntaxError, match=problem):
        spf.parse(record)


def test_spf_parser_accepts_the_usual_forms():
    terms = spf.parse("v=spf1 a mx/24 a:mail.example.com/28//64 ip4:192.0.2.0/24 ip6:2001:db8::/32 "
                      "include:_spf.google.com exists:%{i}._spf.example.com ptr ~all exp=explain.example.com foo=bar")
    assert [t.name for t in terms] == ["a", "mx", "a", "ip4", "ip6", "include", "exists", "ptr", "all", "exp", "foo"]
    assert terms[8].qualifier == "~"


# --------------------------------------------------------------------------- DMARC


def test_dmarc_p_none_warns_with_an_enforcing_record_to_publish(dns):
    o = one(check(dns, "dmarcnone.test"), "email.dmarc", "p-none")
    assert o.status is Status.WARN
    assert o.record == '_dmarc.dmarcnone.test. TXT "v=DMARC1; p=quarantine; rua=mailto:d@dmarcnone.test"'


def test_no_dmarc_fails_with_the_record_to_publish(dns):
    o = one(check(dns, "nodmarc.test"), "email.dmarc", "missing")
    assert o.status is Status.FAIL and o.title == "No DMARC record for nodmarc.test"
    assert o.record == '_dmarc.nodmarc.test. TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@nodmarc.test"'
    assert "spam" in o.detail


def test_dmarc_sp_none_pct_and_missing_reports_each_warn(dns):
    out = check(dns, "dmarcweak.test")
    assert sorted(of(out, "email.dmarc")) == sorted([(Status.WARN, "sp-none"), (Status.WARN, "pct"), (Status.WARN, "no-rua")])


def test_invalid_dmarc_fails(dns):
    o = one(check(dns, "dmarcbad.test"), "email.dmarc", "invalid")
    assert o.status is Status.FAIL and "p=block" in o.detail


def test_dmarc_falls_back_to_the_organisational_domain(dns):
    o = one(check(dns, "mail.inherit.test"), "email.dmarc", "ok")
    assert o.title == "DMARC of mail.inherit.test is p=quarantine (inherited from _dmarc.inherit.test)"


# --------------------------------------------------------------------------- DKIM


def test_empty_dkim_key_is_revoked_and_fails(dns):
    o = one(check(dns, "dkimempty.test"), "email.dkim", "revoked")
    assert o.status is Status.FAIL and o.title == "DKIM key 's1' of dkimempty.test is revoked (empty p=)"


def test_1024_bit_dkim_key_warns(dns):
    o = one(check(dns, "dkim1024.test"), "email.dkim", "rsa-1024")
    assert o.status is Status.WARN and "1024-bit" in o.title
    assert o.record.startswith('k1._domainkey.dkim1024.test. TXT "v=DKIM1; k=rsa; p=')


def test_unreadable_dkim_key_fails(dns):
    o = one(check(dns, "dkimbad.test"), "email.dkim", "invalid")
    assert o.status is Status.FAIL and "cannot be read" in o.detail


def test_dkim_not_found_among_guesses_is_unknown_but_a_named_selector_missing_fails(dns):
    guessed = of(check(dns, "nodkim.test"), "email.dkim")
    named = of(check(dns, "nodkim.test", ("acme2024",)), "email.dkim")
    assert guessed == [(Status.UNKNOWN, "not-found")]
    assert named == [(Status.FAIL, "selector-missing")]


def test_user_selector_is_found_even_when_no_guess_would_be(dns):
    out = check(dns, "good.test", ("selector1",))
    assert (Status.PASS, "ok") in of(out, "email.dkim")


# --------------------------------------------------------------------------- MX, optional records, failures


def test_missing_mx_warns_and_optional_records_are_information_only(dns):
    out = check(dns, "nomx.test")
    assert of(out, "email.mx") == [(Status.WARN, "missing")]
    assert of(out, "email.mta-sts") == of(out, "email.tls-rpt") == [(Status.NA, "absent")]


def test_servfail_makes_every_email_check_unknown(dns):
    out = check(dns, "broken.test")
    decisive = {o.rule: o.status for o in out if o.rule not in ("email.mta-sts", "email.tls-rpt")}
    assert decisive == dict.fromkeys(["email.spf", "email.dmarc", "email.dkim", "email.mx"], Status.UNKNOWN)


def test_refused_and_timeout_are_unknown_never_pass_or_fail(dns):
    refused = check(dns, "example.org")
    with silent_dns_server() as address:
        timed_out = asyncio.run(emailcheck.check_domain(Dns(address, timeout=0.5), "good.test", [], GUESSES[:2]))
    for out in (refused, timed_out):
        assert {o.status for o in out if o.rule in ("email.spf", "email.dmarc", "email.dkim", "email.mx")} == {Status.UNKNOWN}


def test_every_problem_explains_the_consequence_and_what_to_publish(dns):
    domains = ["spf11.test", "twospf.test", "plusall.test", "neutral.test", "voids.test", "dmarcnone.test",
               "nodmarc.test", "dkimempty.test", "dkim1024.test"]
    for domain in domains:
        for o in check(dns, domain):
            if o.status in (Status.FAIL, Status.WARN):
                assert o.detail and o.fix, (domain, o.title)
                if o.rule in ("email.dmarc", "email.dkim") or o.code in ("multiple", "plus-all", "neutral-all"):
                    assert o.record, (domain, o.title)


def test_probe_rule_list_matches_the_checks():
    from wizard.probes.email import EmailProbe

    assert EmailProbe.rules == emailcheck.RULES
