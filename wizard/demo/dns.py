"""The demo's DNS: a zone for acme-ops.test served by a local `nsd` on 127.0.0.1, planted problems included.

The flawed zone has a dangling CNAME (status.acme-ops.test -> a deleted status page), SPF ending in
`?all`, no DMARC, a 1024-bit DKIM key and no CAA. The fixed zone has none of these. When `nsd` is not
installed the demo says so and runs without DNS: the DNS and email checks are then skipped (never a crash).
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

from wizard.demo.nsd import INSTALL_HINT, NsdServer, NsdUnavailable, Record, zone_text

DEMO_DOMAIN = "acme-ops.test"  # .test is reserved (RFC 6761): it can never leak to the real DNS
APP_HOST = f"admin.{DEMO_DOMAIN}"
STATUS_HOST = f"status.{DEMO_DOMAIN}"
DKIM_SELECTOR = "mail"


def dkim_public_key(bits: int) -> str:
    """A fresh RSA public key in DKIM's p= form (base64 DER SubjectPublicKeyInfo); the private half is dropped."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def demo_records(fixed: bool) -> list[Record]:
    records = [
        Record("@", "A", "127.0.0.1"),
        Record("admin", "A", "127.0.0.1"),
        Record("mail", "A", "127.0.0.1"),
        Record("@", "MX", f"10 mail.{DEMO_DOMAIN}."),
    ]
    if fixed:
        return records + [
            Record("status", "CNAME", f"{APP_HOST}."),
            Record("@", "TXT", "v=spf1 ip4:127.0.0.1 -all"),
            Record("_dmarc", "TXT", f"v=DMARC1; p=reject; rua=mailto:dmarc-reports@{DEMO_DOMAIN}"),
            Record(f"{DKIM_SELECTOR}._domainkey", "TXT", f"v=DKIM1; k=rsa; p={dkim_public_key(2048)}"),
            Record("@", "CAA", '0 issue "letsencrypt.org"'),
            Record("@", "CAA", f'0 iodef "mailto:security@{DEMO_DOMAIN}"'),
            Record("_mta-sts", "TXT", "v=STSv1; id=2026110101"),
            Record("_smtp._tls", "TXT", f"v=TLSRPTv1; rua=mailto:tls-reports@{DEMO_DOMAIN}"),
        ]
    return records + [
        # The status page was a hosted app that was deleted; its CNAME stayed behind.
        Record("status", "CNAME", f"acme-status-page.{DEMO_DOMAIN}."),
        Record("@", "TXT", "v=spf1 ip4:127.0.0.1 ?all"),
        Record(f"{DKIM_SELECTOR}._domainkey", "TXT", f"v=DKIM1; k=rsa; p={dkim_public_key(1024)}"),
    ]


def start_demo_dns(fixed: bool, workdir: Path) -> NsdServer | None:
    """nsd serving the demo zone, or None (with a clear message on stderr) when nsd cannot run here."""
    zone = zone_text(DEMO_DOMAIN, demo_records(fixed))
    try:
        return NsdServer({DEMO_DOMAIN: zone}, workdir / "nsd").start()
    except (NsdUnavailable, OSError) as err:
        reason = str(err) if isinstance(err, NsdUnavailable) else f"nsd could not start: {err}"
        print(f"  note: {reason}.\n  The demo runs without its DNS zone: the DNS and email checks are skipped "
              f"(so the verdict cannot be READY). To include them, {INSTALL_HINT}.", file=sys.stderr)
        return None
