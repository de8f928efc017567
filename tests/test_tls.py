"""TLS checks against real servers (`openssl s_server`) holding certificates from a throwaway PKI."""

from __future__ import annotations

import asyncio
import socket

import pytest

import pki
from conftest import require_binary
from tlsserver import LEGACY, openssl_server
from wizard.model import Status
from wizard.netcheck import tlscheck
from wizard.netcheck.targets import TlsTarget
from wizard.netcheck.tlscheck import TlsOptions, check_host

CERT_RULES = ("tls.trust", "tls.hostname", "tls.expiry", "tls.key", "tls.signature")
PROTOCOL_RULES = ("tls.legacy-protocols", "tls.tls12", "tls.tls13", "tls.null-ciphers")
NAMES = ["localhost", "127.0.0.1"]


@pytest.fixture(scope="module")
def root():
    return pki.authority("Launch Ready test root", org="Test PKI")


@pytest.fixture(scope="module")
def intermediate(root):
    return pki.authority("Launch Ready test intermediate", parent=root, org="Test PKI")


@pytest.fixture(scope="module")
def bundle(root, tmp_path_factory) -> str:
    path, _ = root.write(tmp_path_factory.mktemp("bundle"), "root")
    return str(path)


def check(port: int, host: str = "127.0.0.1", bundle: str | None = None, **opts) -> dict[str, tlscheck.Outcome]:
    outcomes = asyncio.run(check_host(TlsTarget(host, port), TlsOptions(ca_bundle=bundle, timeout=3, **opts)))
    by_rule = {o.rule: o for o in outcomes}
    assert len(by_rule) == len(outcomes), "one outcome per rule for one host"
    return by_rule


def statuses(result, rules=CERT_RULES + PROTOCOL_RULES) -> dict[str, str]:
    return {rule: result[rule].status.value for rule in rules}


def assert_all_pass(result, rules=CERT_RULES + PROTOCOL_RULES):
    assert statuses(result, rules) == {rule: "pass" for rule in rules}, {r: result[r].title for r in rules}


# --------------------------------------------------------------------------- good configurations


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_good_server_passes_every_check_by_ip_san_and_by_name(tmp_path, root, bundle, host):
    with openssl_server(tmp_path, pki.leaf(root, NAMES)) as port:
        result = check(port, host, bundle)
    assert_all_pass(result)
    assert result["tls.hostname"].title == f"Certificate is valid for {host}"
    assert result["tls.key"].title == "Certificate key is ECDSA secp256r1 (256-bit)"


def test_full_chain_with_intermediate_is_trusted(tmp_path, intermediate, bundle):
    cert = pki.leaf(intermediate, NAMES, aia="http://ca.test/intermediate.crt")
    with openssl_server(tmp_path, cert, chain=(intermediate,)) as port:
        result = check(port, bundle=bundle)
    assert_all_pass(result)
    assert any("chain[1]: subject CN=Launch Ready test intermediate" in e for e in result["tls.trust"].evidence)


def test_rsa_2048_key_passes(tmp_path, root, bundle):
    with openssl_server(tmp_path, pki.leaf(root, NAMES, key="rsa2048")) as port:
        result = check(port, bundle=bundle)
    assert result["tls.key"].status is Status.PASS and "RSA 2048-bit" in result["tls.key"].title


# --------------------------------------------------------------------------- certificate problems


def test_expired_certificate_fails_expiry_but_chain_and_name_are_fine(tmp_path, root, bundle):
    cert = pki.leaf(root, NAMES, started_days_ago=100, valid_days=-3)
    with openssl_server(tmp_path, cert) as port:
        result = check(port, bundle=bundle)
    assert (result["tls.expiry"].status, result["tls.expiry"].code) == (Status.FAIL, "expired")
    assert result["tls.expiry"].title.startswith("Certificate expired on ")
    assert result["tls.trust"].status is Status.PASS  # OpenSSL said "expired" (10): trust was checked first
    assert result["tls.hostname"].status is Status.PASS


def test_certificate_expiring_in_5_days_fails_and_in_20_days_warns(tmp_path, root, bundle):
    with openssl_server(tmp_path / "5", pki.leaf(root, NAMES, valid_days=5.2)) as port:
        five = check(port, bundle=bundle)
    with openssl_server(tmp_path / "20", pki.leaf(root, NAMES, valid_days=20.2)) as port:
        twenty = check(port, bundle=bundle, warn_days=30, fail_days=7)
    assert (five["tls.expiry"].status, five["tls.expiry"].code) == (Status.FAIL, "expires-soon")
    assert "expires in 5 days" in five["tls.expiry"].title
    assert (twenty["tls.expiry"].status, twenty["tls.expiry"].code) == (Status.WARN, "expires-within-warning")
    assert five["tls.trust"].status is twenty["tls.trust"].status is Status.PASS


def test_thresholds_come_from_the_settings(tmp_path, root, bundle):
    with openssl_server(tmp_path, pki.leaf(root, NAMES, valid_days=20.2)) as port:
        result = check(port, bundle=bundle, warn_days=10, fail_days=3)
    assert result["tls.expiry"].status is Status.PASS


def test_wrong_hostname_fails_name_only(tmp_path, root, bundle):
    with openssl_server(tmp_path, pki.leaf(root, ["other.example", "10.9.8.7"])) as port:
        by_ip = check(port, "127.0.0.1", bundle)
        by_name = check(port, "localhost", bundle)
    for result, host in ((by_ip, "127.0.0.1"), (by_name, "localhost")):
        assert (result["tls.hostname"].status, result["tls.hostname"].code) == (Status.FAIL, "mismatch")
        assert result["tls.hostname"].title == f"Certificate is not valid for {host}"
        assert "other.example, 10.9.8.7" in result["tls.hostname"].detail
        assert result["tls.trust"].status is Status.PASS


def test_wildcard_covers_one_label_only(tmp_path, root, bundle):
    from wizard.netcheck.certs import matches_host

    cert = pki.leaf(root, ["*.acme.test"]).cert
    assert matches_host(cert, "admin.acme.test")
    assert not matches_host(cert, "acme.test")
    assert not matches_host(cert, "a.b.acme.test")


def test_self_signed_certificate_fails_trust(tmp_path, bundle):
    with openssl_server(tmp_path, pki.leaf(None, NAMES)) as port:
        result = check(port, bundle=bundle)
    assert (result["tls.trust"].status, result["tls.trust"].code) == (Status.FAIL, "self-signed")
    assert result["tls.trust"].title == "Certificate is self-signed"
    assert result["tls.hostname"].status is Status.PASS


def test_unknown_ca_fails_trust_whether_or_not_the_root_is_sent(tmp_path, bundle):
    stranger = pki.authority("Somebody else's root")
    cert = pki.leaf(stranger, NAMES)
    with openssl_server(tmp_path / "leaf", cert) as port:
        leaf_only = check(port, bundle=bundle)
    with openssl_server(tmp_path / "full", cert, chain=(stranger,)) as port:
        with_root = check(port, bundle=bundle)
    for result in (leaf_only, with_root):
        assert (result["tls.trust"].status, result["tls.trust"].code) == (Status.FAIL, "unknown-ca")
        assert "Somebody else's root" in result["tls.trust"].detail


def test_incomplete_chain_is_told_apart_from_an_unknown_ca(tmp_path, intermediate, bundle):
    cert = pki.leaf(intermediate, NAMES, aia="http://ca.test/intermediate.crt")
    with openssl_server(tmp_path, cert) as port:  # the intermediate is not sent
        result = check(port, bundle=bundle)
    assert (result["tls.trust"].status, result["tls.trust"].code) == (Status.FAIL, "incomplete-chain")
    assert "http://ca.test/intermediate.crt" in result["tls.trust"].detail
    assert "fullchain" in result["tls.trust"].fix_text


def test_without_the_ca_bundle_a_private_ca_is_untrusted(tmp_path, root):
    with openssl_server(tmp_path, pki.leaf(root, NAMES)) as port:
        result = check(port)
    assert (result["tls.trust"].status, result["tls.trust"].code) == (Status.FAIL, "unknown-ca")


def test_unreadable_ca_bundle_makes_trust_unknown(tmp_path, root):
    with openssl_server(tmp_path, pki.leaf(root, NAMES)) as port:
        result = check(port, bundle=str(tmp_path / "missing.pem"))
    assert (result["tls.trust"].status, result["tls.trust"].code) == (Status.UNKNOWN, "not-verified")
    assert "missing.pem" in result["tls.trust"].detail


def test_weak_key_and_sha1_signature_fail(tmp_path, root, bundle):
    openssl = require_binary("openssl")
    rsa_root = pki.authority("RSA root")
    cert = pki.sha1_leaf(openssl, rsa_root, NAMES, tmp_path / "pki", key="rsa1024")
    # The server needs security level 0 to even load a 1024-bit key.
    with openssl_server(tmp_path, cert, args=("-cipher", "ALL:@SECLEVEL=0")) as port:
        result = check(port, bundle=bundle)
    assert (result["tls.key"].status, result["tls.key"].code) == (Status.FAIL, "weak-key")
    assert "RSA 1024-bit" in result["tls.key"].title
    assert (result["tls.signature"].status, result["tls.signature"].code) == (Status.FAIL, "weak-signature")
    assert "sha1" in result["tls.signature"].detail


# --------------------------------------------------------------------------- protocols and ciphers


def test_legacy_server_accepting_tls10_tls11_and_anonymous_ciphers_fails(tmp_path, root, bundle):
    with openssl_server(tmp_path, pki.leaf(root, NAMES), args=LEGACY) as port:
        result = check(port, bundle=bundle)
    legacy = result["tls.legacy-protocols"]
    # Debian's OpenSSL 3 still offers TLS 1.0/1.1 at security level 0, so this is a real test, not "could not test".
    assert (legacy.status, legacy.code) == (Status.FAIL, "legacy-accepted")
    assert legacy.title == "Server accepts TLS 1.0 and TLS 1.1"
    null = result["tls.null-ciphers"]
    assert (null.status, null.code) == (Status.FAIL, "null-accepted")
    assert "ADH" in null.title or "AECDH" in null.title
    assert statuses(result, ("tls.tls12", "tls.tls13") + CERT_RULES) == dict.fromkeys(("tls.tls12", "tls.tls13") + CERT_RULES, "pass")


def test_null_encryption_cipher_is_caught(tmp_path, root, bundle):
    args = ("-cipher", "eNULL:@SECLEVEL=0")  # only ciphers without encryption (TLS 1.2; TLS 1.3 still offered)
    with openssl_server(tmp_path, pki.leaf(root, NAMES), args=args) as port:
        result = check(port, bundle=bundle)
    assert result["tls.null-ciphers"].status is Status.FAIL
    assert "NULL" in result["tls.null-ciphers"].title


def test_what_this_openssl_cannot_offer_is_could_not_test_never_pass(tmp_path, root, bundle):
    # Offer TLS 1.0/1.1 and null ciphers with cipher lists this OpenSSL cannot use for them: nothing is sent.
    with openssl_server(tmp_path, pki.leaf(root, NAMES), args=LEGACY) as port:
        result = check(port, bundle=bundle, legacy_ciphers="ECDHE-ECDSA-AES256-GCM-SHA384", null_ciphers="eNULL:!eNULL")
    legacy = result["tls.legacy-protocols"]
    assert (legacy.status, legacy.code) == (Status.UNKNOWN, "could-not-test")
    assert legacy.title == "Could not test TLS 1.0 and TLS 1.1"
    assert "cannot offer" in legacy.detail
    assert (result["tls.null-ciphers"].status, result["tls.null-ciphers"].code) == (Status.UNKNOWN, "could-not-test")


def test_tls13_only_server_warns_about_tls12_and_tls12_only_warns_about_tls13(tmp_path, root, bundle):
    with openssl_server(tmp_path / "13", pki.leaf(root, NAMES), args=("-tls1_3",)) as port:
        only13 = check(port, bundle=bundle)
    with openssl_server(tmp_path / "12", pki.leaf(root, NAMES), args=("-tls1_2",)) as port:
        only12 = check(port, bundle=bundle)
    assert (only13["tls.tls12"].status, only13["tls.tls13"].status) == (Status.WARN, Status.PASS)
    assert (only12["tls.tls12"].status, only12["tls.tls13"].status) == (Status.PASS, Status.WARN)
    assert only12["tls.tls13"].title == "TLS 1.3 is not offered (optional)"
    assert only13["tls.legacy-protocols"].status is only12["tls.legacy-protocols"].status is Status.PASS


# --------------------------------------------------------------------------- no answer, no TLS


def test_closed_port_is_unknown_not_fail():
    from servers import free_port

    result = check(free_port())
    assert list(result) == ["tls.connect"]
    assert (result["tls.connect"].status, result["tls.connect"].code) == (Status.UNKNOWN, "unreachable")


def test_server_that_never_answers_the_handshake_is_unknown():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections complete in the backlog; nobody ever speaks
        result = asyncio.run(check_host(TlsTarget("127.0.0.1", silent.getsockname()[1]), TlsOptions(timeout=0.5)))
    assert [(o.rule, o.status, o.code) for o in result] == [("tls.connect", Status.UNKNOWN, "unreachable")]


def test_plain_http_on_the_https_port_fails_the_handshake():
    from servers import http_server, reply

    with http_server(lambda h: reply(h)) as (url, _):
        result = check(int(url.rsplit(":", 1)[1]))
    assert (result["tls.connect"].status, result["tls.connect"].code) == (Status.FAIL, "handshake-failed")


def test_probe_rule_list_matches_the_checks():
    from wizard.probes.tls import TlsProbe

    assert TlsProbe.rules == tlscheck.RULES

