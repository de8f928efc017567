"""DKIM (RFC 6376) public keys at <selector>._domainkey.<domain>: found, revoked, type and size."""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from wizard.netcheck.dnsquery import Dns, Lookup

MIN_RSA_BITS = 2048
WEAKEST_RSA_BITS = 1024  # below this receivers ignore the signature outright


@dataclass
class DkimKey:
    selector: str
    name: str
    record: str
    kind: str = ""  # rsa, ed25519
    bits: int = 0
    revoked: bool = False
    error: str = ""  # why the record cannot be used

    @property
    def usable(self) -> bool:
        return not self.revoked and not self.error and (self.kind == "ed25519" or self.bits >= WEAKEST_RSA_BITS)


@dataclass
class DkimSearch:
    keys: list[DkimKey]
    user_selectors: list[str]
    missing_user: list[str]  # selectors the person named that have no key
    failed: list[Lookup]  # lookups that could not be made
    guessed: int  # how many selectors were tried in all


def parse_record(selector: str, name: str, record: str) -> DkimKey:
    key = DkimKey(selector, name, record)
    tags: dict[str, str] = {}
    for part in record.split(";"):
        tag, eq, value = part.partition("=")
        if eq:
            tags.setdefault(tag.strip().lower(), "".join(value.split()))
    if "p" not in tags:
        key.error = "the record has no public key (p=)"
        return key
    if tags.get("v", "DKIM1") != "DKIM1":
        key.error = f"v={tags['v']} is not DKIM1"
        return key
    key.kind = tags.get("k", "rsa").lower()
    if not tags["p"]:
        key.revoked = True
        return key
    try:
        raw = base64.b64decode(tags["p"], validate=True)
    except (binascii.Error, ValueError):
        key.error = "the public key is not valid base64"
        return key
    if key.kind == "ed25519":
        if len(raw) == 32:
            key.bits = 256
        else:
            key.error = f"an Ed25519 key must be 32 bytes, this one is {len(raw)}"
    elif key.kind == "rsa":
        key.bits = _rsa_bits(raw)
        if not key.bits:
            key.error = "the RSA public key cannot be read"
    else:
        key.error = f"k={key.kind} is not a key type receivers know (rsa or ed25519)"
    return key


def _rsa_bits(der: bytes) -> int:
    """Key size of a SubjectPublicKeyInfo (the usual form), or of a bare PKCS#1 RSAPublicKey."""
    for candidate in (der, _spki_from_pkcs1(der)):
        try:
            key = load_der_public_key(candidate)
        except (ValueError, TypeError):
            continue
        if isinstance(key, rsa.RSAPublicKey):
            return key.key_size
    return 0


def _spki_from_pkcs1(pkcs1: bytes) -> bytes:
    def tlv(tag: int, body: bytes) -> bytes:
        n = len(body)
        length = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
        return bytes([tag]) + length + body

    rsa_encryption = bytes.fromhex("06092a864886f70d0101010500")  # OID 1.2.840.113549.1.1.1, NULL
    return tlv(0x30, tlv(0x30, rsa_encryption) + tlv(0x03, b"\x00" + pkcs1))


async def search(dns: Dns, domain: str, user_selectors: list[str], guesses: tuple[str, ...]) -> DkimSearch:
    """Ask every selector at once: the person's first, then the common guesses."""
    selectors = list(dict.fromkeys([*user_selectors, *guesses]))
    names = [f"{s}._domainkey.{domain}" for s in selectors]
    looks = await asyncio.gather(*(dns.txt(n) for n in names))
    keys, missing, failed = [], [], []
    for selector, name, look in zip(selectors, names, looks):
        if look.failed:
            failed.append(look)
            continue
        records = [t for t in look.texts() if "p=" in t.replace(" ", "")] if look.ok else []
        if records:
            keys.append(parse_record(selector, name, records[0]))
        elif selector in user_selectors:
            missing.append(selector)
    return DkimSearch(keys, list(user_selectors), missing, failed, len(selectors))
