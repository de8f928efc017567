"""Judging a served certificate chain with `cryptography`: names, dates, keys, signatures, trust."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
WEAK_HASHES = {"md5", "sha1"}

# OpenSSL verify codes (the same numbers `openssl verify` prints).
EXPIRED, NOT_YET_VALID = 10, 9
SELF_SIGNED_LEAF, SELF_SIGNED_IN_CHAIN = 18, 19
NO_LOCAL_ISSUER, NO_LEAF_SIGNATURE, NO_ISSUER = 20, 21, 2
HOSTNAME_MISMATCH, IP_MISMATCH = 62, 64
# Codes that mean the chain itself was accepted: OpenSSL checks trust first, then names, then dates.
_TRUSTED_CHAIN = {None, 0, HOSTNAME_MISMATCH, IP_MISMATCH, EXPIRED, NOT_YET_VALID}


def load_chain(ders: list[bytes]) -> list[x509.Certificate]:
    return [x509.load_der_x509_certificate(d) for d in ders]


def name_of(name: x509.Name) -> str:
    """'CN=R3, O=Let's Encrypt' style, short and readable."""
    parts = []
    for oid, label in ((NameOID.COMMON_NAME, "CN"), (NameOID.ORGANIZATION_NAME, "O")):
        parts += [f"{label}={a.value}" for a in name.get_attributes_for_oid(oid)]
    return ", ".join(parts) or name.rfc4514_string() or "(empty name)"


def org_and_cn(name: x509.Name) -> list[str]:
    return [str(a.value) for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME)
            for a in name.get_attributes_for_oid(oid)]


def _ext(cert: x509.Certificate, cls):
    try:
        return cert.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


def sans(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    """(DNS names, IP addresses) in the Subject Alternative Name; browsers ignore the CN."""
    ext = _ext(cert, x509.SubjectAlternativeName)
    if ext is None:
        return [], []
    return ext.get_values_for_type(x509.DNSName), [str(ip) for ip in ext.get_values_for_type(x509.IPAddress)]


def matches_host(cert: x509.Certificate, host: str) -> bool:
    names, ips = sans(cert)
    try:
        wanted = ipaddress.ip_address(host)
    except ValueError:
        return any(_dns_match(pattern, host) for pattern in names)
    return any(ipaddress.ip_address(ip) == wanted for ip in ips)


def _dns_match(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if not pattern.startswith("*."):
        return pattern == host
    # A wildcard stands for exactly one whole left-most label (RFC 6125 as browsers apply it).
    head, _, rest = host.partition(".")
    return bool(head) and rest == pattern[2:]


def days_left(cert: x509.Certificate, now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    return (cert.not_valid_after_utc - now).total_seconds() / 86400


def not_yet_valid(cert: x509.Certificate, now: datetime | None = None) -> bool:
    return cert.not_valid_before_utc > (now or datetime.now(timezone.utc))


@dataclass
class KeyInfo:
    kind: str  # RSA, ECDSA, Ed25519, ...
    bits: int
    weak: bool

    def describe(self) -> str:
        return f"{self.kind} {self.bits}-bit" if self.kind in ("RSA", "DSA") else f"{self.kind} ({self.bits}-bit)"


def key_info(cert: x509.Certificate) -> KeyInfo:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return KeyInfo("RSA", key.key_size, key.key_size < MIN_RSA_BITS)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return KeyInfo(f"ECDSA {key.curve.name}", key.key_size, key.key_size < MIN_EC_BITS)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return KeyInfo("Ed25519", 256, False)
    if isinstance(key, ed448.Ed448PublicKey):
        return KeyInfo("Ed448", 456, False)
    if isinstance(key, dsa.DSAPublicKey):
        return KeyInfo("DSA", key.key_size, True)  # no browser accepts DSA for TLS any more
    return KeyInfo(type(key).__name__, 0, True)


def signature_hash(cert: x509.Certificate) -> str:
    algo = cert.signature_hash_algorithm
    return algo.name if algo is not None else "none (EdDSA)"


def self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except Exception:  # wrong key, unsupported algorithm: not provably self-signed
        return False
    return True


def ca_issuer_urls(cert: x509.Certificate) -> list[str]:
    """Where the issuing CA publishes its certificate (AIA caIssuers); public CAs always set it."""
    ext = _ext(cert, x509.AuthorityInformationAccess)
    if ext is None:
        return []
    return [d.access_location.value for d in ext
            if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
            and isinstance(d.access_location, x509.UniformResourceIdentifier)]


@dataclass
class Trust:
    trusted: bool
    code: str  # trusted, self-signed, unknown-ca, incomplete-chain, rejected
    title: str
    detail: str


def judge_trust(verify_code: int | None, verify_message: str, chain: list[x509.Certificate],
                full_chain: bool, bundle_given: bool) -> Trust:
    """Trust from OpenSSL's verdict, with the chain the server sent to tell the failures apart."""
    where = "the system's trusted CAs" + (" or your CA bundle" if bundle_given else "")
    if verify_code in _TRUSTED_CHAIN:
        return Trust(True, "trusted", "Certificate chain is trusted", f"It chains to one of {where}.")
    leaf = chain[0] if chain else None
    if verify_code == SELF_SIGNED_LEAF or (leaf is not None and len(chain) == 1 and self_signed(leaf)):
        return Trust(False, "self-signed", "Certificate is self-signed",
                     "Nobody vouches for it: every browser shows a full-page warning, and staff learn to click "
                     "through warnings, which is exactly what an attacker's fake certificate needs.")
    if verify_code in (NO_LOCAL_ISSUER, NO_LEAF_SIGNATURE) and len(chain) == 1 and full_chain and leaf is not None:
        urls = ca_issuer_urls(leaf)
        if urls:
            return Trust(False, "incomplete-chain", "Certificate chain is incomplete (intermediate missing)",
                         f"The server sends only its own certificate, not the intermediate that links it to {where}. "
                         f"Some browsers fetch the missing piece, but phones, scripts, curl and API clients fail. "
                         f"The issuer's certificate is published at {urls[0]}.")
    if verify_code in (NO_LOCAL_ISSUER, NO_LEAF_SIGNATURE, NO_ISSUER, SELF_SIGNED_IN_CHAIN):
        issuer = name_of((chain[-1] if chain else leaf).issuer) if (chain or leaf) else "an unknown issuer"
        hint = "" if len(chain) > 1 or not full_chain else (
            " If it comes from a public CA, the server may also be missing its intermediate certificate.")
        return Trust(False, "unknown-ca", "Certificate is issued by an untrusted CA",
                     f"It was issued by {issuer}, which is not among {where}. Browsers show a full-page warning "
                     f"unless that CA is installed on every staff machine.{hint}")
    return Trust(False, "rejected", "Certificate does not verify",
                 f"OpenSSL refused it: {verify_message or 'verify error ' + str(verify_code)} (code {verify_code}).")
