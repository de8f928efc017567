"""TLS handshakes with the standard `ssl` module: what the server sends, whether it verifies, what it accepts.

Each function makes one blocking handshake (run them in threads). `Handshake.local` marks an error
raised by this machine's OpenSSL before anything was sent: that version or cipher "could not be tested".
"""

from __future__ import annotations

import os
import socket
import ssl
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

# Every cipher this OpenSSL has, at security level 0, so weak servers can still be seen and judged.
LEGACY_CIPHERS = "ALL:@SECLEVEL=0"
NULL_CIPHERS = "aNULL:eNULL:@SECLEVEL=0"

VERSIONS = {
    "TLS 1.0": ssl.TLSVersion.TLSv1,
    "TLS 1.1": ssl.TLSVersion.TLSv1_1,
    "TLS 1.2": ssl.TLSVersion.TLSv1_2,
    "TLS 1.3": ssl.TLSVersion.TLSv1_3,
}

# OpenSSL reasons raised on this side before a ClientHello leaves: nothing was tested.
_LOCAL_REASONS = {"NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "NO_CIPHER_MATCH", "UNSUPPORTED_PROTOCOL_VERSION"}


@dataclass
class Handshake:
    ok: bool
    version: str | None = None
    cipher: str | None = None
    chain: list[bytes] = field(default_factory=list)  # DER, as the server sent it (leaf first)
    full_chain: bool = False  # False when this Python could only read the leaf
    error: str = ""
    verify_code: int | None = None
    verify_message: str = ""
    local: bool = False  # this machine could not offer what was asked
    unreachable: bool = False  # no TCP connection at all (refused, timeout, no route)
    timed_out: bool = False  # connected, but the handshake did not finish in time

    @property
    def inconclusive(self) -> bool:
        """Neither accepted nor refused: nothing can be concluded from this attempt."""
        return self.unreachable or self.timed_out or self.local


def _context(verify: bool = False) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _pin(ctx: ssl.SSLContext, low: ssl.TLSVersion, high: ssl.TLSVersion | None = None) -> None:
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is exactly why we probe them
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = low
        if high is not None:
            ctx.maximum_version = high


def inspect_context() -> ssl.SSLContext:
    """Accepts anything the server offers (no verification), to read its certificates and choices."""
    ctx = _context()
    ctx.set_ciphers(LEGACY_CIPHERS)
    _pin(ctx, ssl.TLSVersion.TLSv1)
    return ctx


def verify_context(ca_bundle: str | None, system_store: bool = True) -> ssl.SSLContext:
    """Verifies chain and hostname against the system store and/or the person's CA bundle.

    Security level 0 so a small key or SHA-1 signature is reported by its own check, not as "untrusted".
    Built once per process and bundle version: reading the system store costs ~0.1 s.
    """
    stamp = os.stat(ca_bundle).st_mtime_ns if ca_bundle else 0  # a missing bundle raises here, clearly
    return _verify_context(ca_bundle, stamp, system_store)


@lru_cache(maxsize=8)
def _verify_context(ca_bundle: str | None, stamp: int, system_store: bool) -> ssl.SSLContext:
    ctx = _context(verify=True)
    if system_store:
        ctx.load_default_certs()
    if ca_bundle:
        ctx.load_verify_locations(cafile=ca_bundle)
    ctx.set_ciphers(LEGACY_CIPHERS)
    _pin(ctx, ssl.TLSVersion.TLSv1)
    return ctx


def version_context(version: ssl.TLSVersion, ciphers: str = LEGACY_CIPHERS) -> ssl.SSLContext:
    ctx = _context()
    if version is not ssl.TLSVersion.TLSv1_3:
        ctx.set_ciphers(ciphers)
    _pin(ctx, version, version)
    return ctx


def null_cipher_context(ciphers: str = NULL_CIPHERS) -> ssl.SSLContext:
    """Offers only ciphers without authentication (aNULL) or without encryption (eNULL); TLS 1.2 at most."""
    ctx = _context()
    ctx.set_ciphers(ciphers)
    _pin(ctx, ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_2)
    return ctx


def can_offer(ctx: ssl.SSLContext) -> str:
    """'' when this OpenSSL can send a ClientHello with this context, else why not. No network."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="offer.invalid")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        return "" if outgoing.pending else "no ClientHello was produced"
    except ssl.SSLError as err:
        return err.reason or str(err)
    return ""


def _peer_chain(sock: ssl.SSLSocket) -> tuple[list[bytes], bool]:
    public = getattr(sock, "get_unverified_chain", None)  # Python 3.13+
    if public is not None:
        return [bytes(c) for c in (public() or [])], True
    private = getattr(getattr(sock, "_sslobj", None), "get_unverified_chain", None)  # the same call, 3.10-3.12
    if private is not None:
        import _ssl

        return [c.public_bytes(_ssl.ENCODING_DER) for c in (private() or [])], True
    leaf = sock.getpeercert(binary_form=True)
    return ([leaf] if leaf else []), False


def handshake(address: tuple[str, int], server_name: str, ctx: ssl.SSLContext, timeout: float,
              want_chain: bool = False) -> Handshake:
    """Connect to `address` (ip, port), send SNI `server_name`, complete one handshake, close."""
    try:
        sock = socket.create_connection(address, timeout=timeout)
    except OSError as err:
        return Handshake(False, error=_why(err), unreachable=True)
    try:
        with ctx.wrap_socket(sock, server_hostname=server_name) as tls:
            chain, full = _peer_chain(tls) if want_chain else ([], False)
            cipher = tls.cipher()
            return Handshake(True, version=tls.version(), cipher=cipher[0] if cipher else None, chain=chain, full_chain=full)
    except ssl.SSLCertVerificationError as err:
        return Handshake(False, error=err.verify_message or str(err), verify_code=err.verify_code,
                         verify_message=err.verify_message or "")
    except ssl.SSLError as err:
        return Handshake(False, error=err.reason or str(err), local=(err.reason or "") in _LOCAL_REASONS)
    except OSError as err:  # reset or closed mid-handshake: the server said no (unless it was slow)
        return Handshake(False, error=_why(err), timed_out=isinstance(err, socket.timeout))
    finally:
        sock.close()


def _why(err: OSError) -> str:
    if isinstance(err, socket.timeout):
        return "timed out"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, ConnectionResetError):
        return "connection reset by the server"
    return err.strerror or type(err).__name__
