"""All TLS checks for one host: certificate (trust, name, dates, key, signature) and protocols.

About seven handshakes, run side by side in threads: a fraction of a second per host, where
testssl.sh takes about 100 s. What an OpenSSL 3 client cannot offer (SSLv3, RC4, 3DES, EXPORT) is
not tested; a version or cipher this machine cannot offer is reported as "could not test".
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass

from cryptography import x509

from wizard.model import Severity, Status
from wizard.netcheck import certs, tlsconn
from wizard.netcheck.dnsquery import Dns
from wizard.netcheck.outcome import Outcome
from wizard.netcheck.targets import TlsTarget

RULES = ("tls.connect", "tls.trust", "tls.hostname", "tls.expiry", "tls.key", "tls.signature",
         "tls.legacy-protocols", "tls.tls12", "tls.tls13", "tls.null-ciphers")

_ONLY_MODERN = "Allow only TLS 1.2 and 1.3 (nginx: `ssl_protocols TLSv1.2 TLSv1.3;`)."


@dataclass
class TlsOptions:
    ca_bundle: str | None = None
    timeout: float = 5.0
    warn_days: int = 30
    fail_days: int = 7
    legacy_ciphers: str = tlsconn.LEGACY_CIPHERS
    null_ciphers: str = tlsconn.NULL_CIPHERS


async def resolve_address(target: TlsTarget, dns: Dns | None) -> tuple[str | None, str]:
    """(what to connect to, '') or (None, why not). A configured DNS server gives an IP address; with the
    system's lookup the name itself is kept, so each connection tries every address it has (IPv6, IPv4)."""
    if target.is_ip:
        return target.host, ""
    if dns is not None:
        found, lookup = await dns.addresses(target.host)
        return (found[0], "") if found else (None, lookup.describe())
    try:
        await asyncio.get_running_loop().getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        return None, f"{target.host} does not resolve ({err.strerror})"
    return target.host, ""


@dataclass
class ServedCert:
    """The certificate a host serves, as CAA needs it: who issued it, and whether that CA is public."""

    host: str
    issuer: str  # readable
    issuer_names: list[str]  # organisation and common name
    publicly_trusted: bool  # chains to the system's trusted CAs (not only to a bundle the person gave)


async def served_certificate(target: TlsTarget, dns: Dns | None, timeout: float) -> ServedCert | None:
    """Two handshakes: read the leaf, and verify against the system store alone. None if unreachable."""
    address, _ = await resolve_address(target, dns)
    if address is None:
        return None
    run = _Runner((address, target.port), target.host, timeout)
    inspect, public = await asyncio.gather(run(_make(tlsconn.inspect_context), want_chain=True),
                                           run(_make(tlsconn.verify_context, None)))
    if not inspect.ok or not inspect.chain:
        return None
    leaf = certs.load_chain(inspect.chain[:1])[0]
    trusted = public.ok or (public.verify_code is not None and certs.judge_trust(
        public.verify_code, public.verify_message, [leaf], False, False).trusted)
    return ServedCert(target.host, certs.name_of(leaf.issuer), certs.org_and_cn(leaf.issuer), trusted)


async def check_host(target: TlsTarget, opts: TlsOptions, dns: Dns | None = None) -> list[Outcome]:
    key = target.label
    address, why = await resolve_address(target, dns)
    if address is None:
        return [Outcome("tls.connect", Status.UNKNOWN, f"Could not check HTTPS on {key}: the name does not resolve",
                        key, detail=why, evidence=[why], code="no-address")]
    addr = (address, target.port)
    run = _Runner(addr, target.host, opts.timeout)
    # One handshake first: a host that does not answer (or speaks no TLS) gets no further attempts.
    inspect = await run(_make(tlsconn.inspect_context), want_chain=True)
    via = f"{key} ({address})" if address != target.host else key
    if not inspect.ok:
        if inspect.inconclusive:
            return [Outcome("tls.connect", Status.UNKNOWN, f"Could not connect to {key}", key,
                            detail=f"{inspect.error}. Nothing about HTTPS on this host could be checked.",
                            evidence=[f"connect {via}: {inspect.error}"], code="unreachable")]
        return [Outcome("tls.connect", Status.FAIL, f"No TLS handshake possible with {key}", key,
                        detail=f"The server refused every TLS version and cipher this tool offered ({inspect.error}): "
                               "browsers cannot open the app over HTTPS.",
                        evidence=[f"handshake {via}: {inspect.error}"], fix="Serve HTTPS on this port with a valid certificate.",
                        code="handshake-failed")]
    versions = {name: _make(tlsconn.version_context, v, opts.legacy_ciphers) for name, v in tlsconn.VERSIONS.items()}
    verify, null, *accepted = await asyncio.gather(
        run(_make(tlsconn.verify_context, opts.ca_bundle, bad_input="the CA bundle")),
        run(_make(tlsconn.null_cipher_context, opts.null_ciphers)),
        *(run(ctx) for ctx in versions.values()),
    )
    offered = dict(zip(versions, accepted))
    out: list[Outcome] = []
    chain = certs.load_chain(inspect.chain)
    if chain:
        evidence = [f"{via}: {inspect.version}, {inspect.cipher}", *_describe_chain(chain)]
        out += judge_certificate(target, chain, inspect.full_chain, verify, opts, evidence)
    else:
        out.append(Outcome("tls.trust", Status.UNKNOWN, f"{key} sent no certificate", key, code="no-certificate",
                           detail="The handshake completed without a certificate, so nothing vouches for the server."))
    out += judge_protocols(key, offered, null)
    return out


def _make(factory, *args, bad_input: str = "") -> ssl.SSLContext | str:
    """A context, or why this machine cannot build it (then nothing is sent and the check says so)."""
    try:
        return factory(*args)
    except (ssl.SSLError, OSError, ValueError) as err:
        if bad_input:
            return f"could not read {bad_input} {args[0]}: {err}"
        return f"this machine's OpenSSL cannot offer it ({getattr(err, 'reason', None) or err})"


class _Runner:
    def __init__(self, address: tuple[str, int], server_name: str, timeout: float):
        self.address, self.server_name, self.timeout = address, server_name, timeout

    async def __call__(self, ctx: ssl.SSLContext | str, want_chain: bool = False) -> tlsconn.Handshake:
        if isinstance(ctx, str):
            return tlsconn.Handshake(False, error=ctx, local=True)
        reason = tlsconn.can_offer(ctx)
        if reason:
            return tlsconn.Handshake(False, error=f"this machine's OpenSSL cannot offer it ({reason})", local=True)
        return await asyncio.to_thread(tlsconn.handshake, self.address, self.server_name, ctx, self.timeout, want_chain)


def _describe_chain(chain: list[x509.Certificate]) -> list[str]:
    lines = []
    for i, cert in enumerate(chain):
        names, ips = certs.sans(cert)
        role = "leaf" if i == 0 else f"chain[{i}]"
        line = (f"{role}: subject {certs.name_of(cert.subject)}; issuer {certs.name_of(cert.issuer)}; "
                f"valid {cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}; "
                f"{certs.key_info(cert).describe()}; signed with {certs.signature_hash(cert)}")
        if i == 0:
            line += f"; names {', '.join(names + ips) or '(none)'}"
        lines.append(line[:400])
    return lines


def judge_certificate(target: TlsTarget, chain: list[x509.Certificate], full_chain: bool,
                      verify: tlsconn.Handshake, opts: TlsOptions, evidence: list[str]) -> list[Outcome]:
    key, leaf = target.label, chain[0]
    out: list[Outcome] = []

    if verify.ok or verify.verify_code is not None:
        trust = certs.judge_trust(None if verify.ok else verify.verify_code, verify.verify_message, chain,
                                  full_chain, bool(opts.ca_bundle))
        out.append(Outcome("tls.trust", Status.PASS if trust.trusted else Status.FAIL, trust.title, key,
                           detail=trust.detail, evidence=evidence, code=trust.code,
                           severity=None if trust.trusted else Severity.HIGH,
                           fix="" if trust.trusted else _TRUST_FIX[trust.code]))
    else:
        out.append(Outcome("tls.trust", Status.UNKNOWN, "Could not verify the certificate chain", key,
                           detail=verify.error, evidence=evidence, code="not-verified"))

    names, ips = certs.sans(leaf)
    if certs.matches_host(leaf, target.host):
        out.append(Outcome("tls.hostname", Status.PASS, f"Certificate is valid for {target.host}", key, code="match",
                           evidence=[f"names: {', '.join(names + ips)}"]))
    else:
        out.append(Outcome("tls.hostname", Status.FAIL, f"Certificate is not valid for {target.host}", key,
                           severity=Severity.HIGH, code="mismatch",
                           detail=f"It covers {', '.join(names + ips) or 'no name at all (no Subject Alternative Name)'}. "
                                  "Browsers refuse the connection with a warning, and API clients fail.",
                           evidence=[f"names: {', '.join(names + ips) or '(none)'}"],
                           fix=f"Issue a certificate whose Subject Alternative Names include {target.host}."))

    out.append(_judge_expiry(key, leaf, opts))

    k = certs.key_info(leaf)
    if k.weak:
        out.append(Outcome("tls.key", Status.FAIL, f"Certificate key is too weak ({k.describe()})", key, severity=Severity.HIGH,
                           detail=f"Keys below RSA {certs.MIN_RSA_BITS} / ECDSA {certs.MIN_EC_BITS} bits can be broken "
                                  "with rented computing power, and browsers reject them.",
                           fix="Issue a new certificate with an ECDSA P-256 or RSA 2048+ key.", code="weak-key"))
    else:
        out.append(Outcome("tls.key", Status.PASS, f"Certificate key is {k.describe()}", key, code="ok"))

    weak = [(i, c) for i, c in enumerate(chain) if certs.signature_hash(c) in certs.WEAK_HASHES and not certs.self_signed(c)]
    if weak:
        which = ", ".join(f"{'leaf' if i == 0 else certs.name_of(c.subject)} ({certs.signature_hash(c)})" for i, c in weak)
        out.append(Outcome("tls.signature", Status.FAIL, "Certificate is signed with a broken hash", key, severity=Severity.HIGH,
                           detail=f"{which}: SHA-1 and MD5 signatures can be forged, and browsers reject them.",
                           fix="Reissue the certificate: every CA signs with SHA-256 today.", code="weak-signature"))
    else:
        out.append(Outcome("tls.signature", Status.PASS, f"Certificate is signed with {certs.signature_hash(leaf)}", key, code="ok"))
    return out


_TRUST_FIX = {
    "self-signed": "Use a certificate from a CA: Let's Encrypt (free, automatic), your platform's, or your company's internal CA installed on staff machines.",
    "unknown-ca": "Use a certificate from a publicly trusted CA, or install your internal CA on every staff machine and give its PEM to Launch Ready with --ca-bundle.",
    "incomplete-chain": "Serve the full chain: the certificate followed by its intermediate(s) (with certbot, point the server at fullchain.pem, not cert.pem).",
    "rejected": "Reissue the certificate from a CA and serve the full chain.",
}


def _judge_expiry(key: str, leaf: x509.Certificate, opts: TlsOptions) -> Outcome:
    days = certs.days_left(leaf)
    until = f"{leaf.not_valid_after_utc:%Y-%m-%d}"
    renew = "Renew it now and switch on automatic renewal (certbot renew, your platform's managed certificates)."
    if certs.not_yet_valid(leaf):
        return Outcome("tls.expiry", Status.FAIL, f"Certificate is not valid yet (from {leaf.not_valid_before_utc:%Y-%m-%d})", key,
                       severity=Severity.HIGH, code="not-yet-valid", detail="Browsers refuse it until that date.",
                       fix="Check the server clock and the certificate's start date.")
    if days < 0:
        return Outcome("tls.expiry", Status.FAIL, f"Certificate expired on {until}", key, severity=Severity.CRITICAL,
                       code="expired", fix=renew,
                       detail="Every browser blocks the app with a full-page warning: nobody can work until it is renewed.")
    if days < opts.fail_days:
        return Outcome("tls.expiry", Status.FAIL, f"Certificate expires in {days:.0f} days ({until})", key,
                       severity=Severity.HIGH, code="expires-soon", fix=renew,
                       detail=f"Under {opts.fail_days} days left: when it lapses every browser blocks the app.")
    if days < opts.warn_days:
        return Outcome("tls.expiry", Status.WARN, f"Certificate expires in {days:.0f} days ({until})", key,
                       code="expires-within-warning", fix=renew,
                       detail=f"Under {opts.warn_days} days left: make sure renewal is automatic before launch.")
    return Outcome("tls.expiry", Status.PASS, f"Certificate valid until {until} ({days:.0f} days)", key, code="ok")


def judge_protocols(key: str, offered: dict[str, tlsconn.Handshake], null: tlsconn.Handshake) -> list[Outcome]:
    out: list[Outcome] = []
    evidence = [f"{name}: {_said(h)}" for name, h in offered.items()]
    legacy = {name: offered[name] for name in ("TLS 1.0", "TLS 1.1")}
    accepted = [name for name, h in legacy.items() if h.ok]
    untested = [name for name, h in legacy.items() if h.inconclusive]
    if accepted:
        out.append(Outcome("tls.legacy-protocols", Status.FAIL, f"Server accepts {' and '.join(accepted)}", key,
                           severity=Severity.HIGH, code="legacy-accepted", evidence=evidence, fix=_ONLY_MODERN,
                           detail="These old versions have known weaknesses and are switched off in every current "
                                  "browser; keeping them on only helps an attacker downgrade a connection."))
    elif untested:
        out.append(Outcome("tls.legacy-protocols", Status.UNKNOWN, f"Could not test {' and '.join(untested)}", key,
                           code="could-not-test", evidence=evidence,
                           detail="; ".join(f"{n}: {legacy[n].error}" for n in untested)
                                  + ". Check from a machine whose OpenSSL still offers them (e.g. testssl.sh)."))
    else:
        out.append(Outcome("tls.legacy-protocols", Status.PASS, "TLS 1.0 and 1.1 are refused", key, code="refused", evidence=evidence))

    t12, t13 = offered["TLS 1.2"], offered["TLS 1.3"]
    if t12.ok:
        out.append(Outcome("tls.tls12", Status.PASS, "TLS 1.2 is offered", key, code="offered"))
    elif t12.inconclusive:
        out.append(Outcome("tls.tls12", Status.UNKNOWN, "Could not test TLS 1.2", key, detail=t12.error, code="could-not-test"))
    elif t13.ok:
        out.append(Outcome("tls.tls12", Status.WARN, "TLS 1.2 is not offered (TLS 1.3 only)", key, severity=Severity.LOW,
                           code="missing", fix=_ONLY_MODERN,
                           detail="Current browsers are fine, but older tools, libraries and devices cannot connect."))
    else:
        out.append(Outcome("tls.tls12", Status.FAIL, "Neither TLS 1.2 nor TLS 1.3 is offered", key, severity=Severity.HIGH,
                           code="missing", fix=_ONLY_MODERN, evidence=evidence,
                           detail="Current browsers refuse every older version: the app cannot be opened securely."))
    if t13.ok:
        out.append(Outcome("tls.tls13", Status.PASS, "TLS 1.3 is offered", key, code="offered"))
    elif t13.inconclusive:
        out.append(Outcome("tls.tls13", Status.UNKNOWN, "Could not test TLS 1.3", key, detail=t13.error, code="could-not-test"))
    else:
        out.append(Outcome("tls.tls13", Status.WARN, "TLS 1.3 is not offered (optional)", key, severity=Severity.INFO,
                           code="missing", detail="TLS 1.3 is faster to connect and drops old cipher choices; worth enabling.",
                           fix="Enable TLS 1.3 (nginx: `ssl_protocols TLSv1.2 TLSv1.3;`, OpenSSL 1.1.1 or later)."))

    if null.ok:
        out.append(Outcome("tls.null-ciphers", Status.FAIL, f"Server accepts a cipher without authentication or encryption ({null.cipher})",
                           key, severity=Severity.CRITICAL, code="null-accepted",
                           detail="With an anonymous (aNULL) cipher anyone on the network can pretend to be the server; "
                                  "with a null (eNULL) cipher the traffic is not encrypted at all.",
                           fix="Remove aNULL and eNULL from the cipher list (nginx: `ssl_ciphers HIGH:!aNULL:!eNULL;`).",
                           evidence=[f"offered only aNULL/eNULL ciphers: accepted {null.version} {null.cipher}"]))
    elif null.inconclusive:
        out.append(Outcome("tls.null-ciphers", Status.UNKNOWN, "Could not test for ciphers without authentication or encryption",
                           key, detail=null.error, code="could-not-test"))
    else:
        out.append(Outcome("tls.null-ciphers", Status.PASS, "Ciphers without authentication or encryption are refused", key,
                           code="refused", evidence=[f"offered only aNULL/eNULL ciphers: {null.error}"]))
    return out


def _said(h: tlsconn.Handshake) -> str:
    if h.ok:
        return f"accepted ({h.cipher})"
    if h.local:
        return f"could not test: {h.error}"
    return f"refused ({h.error})" if not h.inconclusive else f"no answer ({h.error})"
