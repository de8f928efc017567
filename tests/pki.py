"""A throwaway PKI made with `cryptography`, for TLS servers the tests start: roots, intermediates, leaves
with chosen names, dates, keys, hashes and AIA (what trustme cannot do: RSA-1024, SHA-1, AIA)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from ipaddress import ip_address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

NOW = datetime.now(timezone.utc)


@cache
def _rsa(bits: int):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)  # cached: RSA keygen is slow


def new_key(kind: str = "ec"):
    return ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else _rsa(int(kind.removeprefix("rsa")))


@dataclass
class Issued:
    cert: x509.Certificate
    key: object

    def write(self, folder: Path, name: str, chain: tuple["Issued", ...] = ()) -> tuple[Path, Path]:
        """cert file (this cert, then `chain`) and key file."""
        folder.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
        cert_path.write_bytes(b"".join(c.cert.public_bytes(serialization.Encoding.PEM) for c in (self, *chain)))
        key_path.write_bytes(self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
        return cert_path, key_path


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _builder(subject: x509.Name, issuer: x509.Name, key, not_before: datetime, not_after: datetime) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after))


def authority(cn: str, parent: Issued | None = None, org: str | None = None, days: int = 3650) -> Issued:
    key = new_key()
    subject = _name(cn, org)
    b = _builder(subject, parent.cert.subject if parent else subject, key, NOW - timedelta(days=1), NOW + timedelta(days=days))
    b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                      encipher_only=False, decipher_only=False), critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if parent:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()), critical=False)
    return Issued(b.sign(parent.key if parent else key, hashes.SHA256()), key)


def leaf(issuer: Issued | None, names: list[str], *, valid_days: float = 90, started_days_ago: float = 1,
         key: str = "ec", aia: str | None = None) -> Issued:
    """A server certificate; `issuer=None` makes it self-signed."""
    k = new_key(key)
    subject = _name(names[0] if names else "no-name")
    b = _builder(subject, issuer.cert.subject if issuer else subject, k,
                 NOW - timedelta(days=started_days_ago), NOW + timedelta(days=valid_days))
    sans = [x509.IPAddress(ip_address(n)) if n.replace(".", "").isdigit() or ":" in n else x509.DNSName(n) for n in names]
    b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    b = b.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(k.public_key()), critical=False)
    if issuer:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    if aia:
        b = b.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(aia))]), critical=False)
    return Issued(b.sign(issuer.key if issuer else k, hashes.SHA256()), k)


def sha1_leaf(openssl: str, issuer: Issued, names: list[str], folder: Path, key: str = "ec") -> Issued:
    """A leaf signed with SHA-1. `cryptography` no longer signs with SHA-1, so the openssl CLI does."""
    folder.mkdir(parents=True, exist_ok=True)
    k = new_key(key)
    key_path, ca_path, ca_key, csr, out = (folder / n for n in ("sha1.key", "ca.pem", "ca.key", "sha1.csr", "sha1.pem"))
    key_path.write_bytes(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    issuer.write(folder, "ca")
    san = ",".join(f"IP:{n}" if n.replace(".", "").isdigit() else f"DNS:{n}" for n in names)
    subprocess.run([openssl, "req", "-new", "-key", str(key_path), "-subj", f"/CN={names[0]}", "-addext",
                    f"subjectAltName={san}", "-out", str(csr)], check=True, capture_output=True)
    subprocess.run([openssl, "x509", "-req", "-in", str(csr), "-CA", str(ca_path), "-CAkey", str(ca_key), "-sha1",
                    "-days", "60", "-copy_extensions", "copy", "-out", str(out)], check=True, capture_output=True)
    return Issued(x509.load_pem_x509_certificate(out.read_bytes()), k)
