"""Real DNS for the tests: Debian's `nsd` on 127.0.0.1 (a free port) serving test zones, and a silent server.

Each zone is a case (good.test, spf11.test, ...). `broken.test` is configured without a zone file, so
nsd answers SERVFAIL for it; a name in no zone gets REFUSED. `herokuapp.com` is served here (loopback
only) so a CNAME to a takeover-prone platform can end in a real NXDOMAIN.
"""

from __future__ import annotations

import base64
import socket
import threading
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

import pki
from conftest import require_binary
from wizard.demo.nsd import NsdServer, Record, zone_text
from wizard.netcheck.dnsquery import Dns


def dkim_rsa(bits: int) -> str:
    key = pki.new_key(f"rsa{bits}").public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def dkim_ed25519() -> str:
    raw = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                         serialization.PublicFormat.Raw)
    return f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}"


def R(name: str, type_: str, value: str) -> Record:
    return Record(name, type_, value)


def _mail_basics(spf: str = "v=spf1 ip4:192.0.2.0/24 -all", dmarc: str | None = "v=DMARC1; p=reject; rua=mailto:d@{z}",
                 dkim: str | None = None, zone: str = "") -> list[Record]:
    out = [R("@", "A", "192.0.2.1"), R("@", "MX", f"10 mail.{zone}."), R("mail", "A", "192.0.2.10"), R("@", "TXT", spf)]
    if dmarc:
        out.append(R("_dmarc", "TXT", dmarc.format(z=zone)))
    if dkim:
        out.append(R("selector1._domainkey", "TXT", dkim))
    return out


def case_zones() -> dict[str, list[Record]]:
    rsa2048 = dkim_rsa(2048)
    z: dict[str, list[Record]] = {}
    z["good.test"] = _mail_basics("v=spf1 ip4:192.0.2.0/24 include:_spf.good.test mx a -all", dkim=rsa2048, zone="good.test") + [
        R("_spf", "TXT", "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 -all"),
        R("google._domainkey", "TXT", dkim_ed25519()),
        R("www", "A", "127.0.0.1"),
        R("app", "CNAME", "www.good.test."),
        R("portal", "CNAME", "app.good.test."),
        R("@", "CAA", '0 issue "letsencrypt.org"'),
        R("_mta-sts", "TXT", "v=STSv1; id=20260101"),
        R("_smtp._tls", "TXT", "v=TLSRPTv1; rua=mailto:tls@good.test"),
    ]
    # SPF: 10 includes, the first of which includes one more: 11 lookups.
    z["spf11.test"] = _mail_basics(" ".join(["v=spf1"] + [f"include:i{n}.spf11.test" for n in range(1, 11)] + ["-all"]),
                                   dkim=rsa2048, zone="spf11.test") + [
        R("i1", "TXT", "v=spf1 include:nested.spf11.test -all"),
        R("nested", "TXT", "v=spf1 ip4:192.0.2.99 -all"),
    ] + [R(f"i{n}", "TXT", f"v=spf1 ip4:192.0.2.{n} -all") for n in range(2, 11)]
    z["spf10.test"] = _mail_basics(" ".join(["v=spf1"] + [f"include:i{n}.spf10.test" for n in range(1, 11)] + ["-all"]),
                                   dkim=rsa2048, zone="spf10.test") + [
        R(f"i{n}", "TXT", f"v=spf1 ip4:192.0.2.{n} -all") for n in range(1, 11)]
    z["twospf.test"] = _mail_basics(dkim=rsa2048, zone="twospf.test") + [R("@", "TXT", "v=spf1 include:_spf.google.com ~all")]
    z["plusall.test"] = _mail_basics("v=spf1 +all", dkim=rsa2048, zone="plusall.test")
    z["neutral.test"] = _mail_basics("v=spf1 ip4:192.0.2.1 ?all", dkim=rsa2048, zone="neutral.test")
    z["noall.test"] = _mail_basics("v=spf1 ip4:192.0.2.1", dkim=rsa2048, zone="noall.test")
    z["voids.test"] = _mail_basics("v=spf1 ip4:192.0.2.1 a:gone1.voids.test mx:gone2.voids.test exists:gone3.voids.test -all",
                                   dkim=rsa2048, zone="voids.test")
    z["twovoids.test"] = _mail_basics("v=spf1 ip4:192.0.2.1 a:gone1.twovoids.test mx:gone2.twovoids.test -all",
                                      dkim=rsa2048, zone="twovoids.test")
    z["loop.test"] = _mail_basics("v=spf1 include:a.loop.test -all", dkim=rsa2048, zone="loop.test") + [
        R("a", "TXT", "v=spf1 include:b.loop.test -all"), R("b", "TXT", "v=spf1 include:a.loop.test -all")]
    z["redirect.test"] = _mail_basics("v=spf1 redirect=_spf.redirect.test", dkim=rsa2048, zone="redirect.test") + [
        R("_spf", "TXT", "v=spf1 ip4:192.0.2.0/24 -all")]
    z["syntax.test"] = _mail_basics("v=spf1 ip4:999.1.1.1 -all", dkim=rsa2048, zone="syntax.test")
    z["badinclude.test"] = _mail_basics("v=spf1 include:nospf.badinclude.test -all", dkim=rsa2048, zone="badinclude.test") + [
        R("nospf", "A", "192.0.2.5")]
    z["softfail.test"] = _mail_basics("v=spf1 ip4:192.0.2.1 ~all", dmarc="v=DMARC1; p=none; rua=mailto:d@{z}",
                                      dkim=rsa2048, zone="softfail.test")
    z["softenforced.test"] = _mail_basics("v=spf1 ip4:192.0.2.1 ~all", dkim=rsa2048, zone="softenforced.test")
    z["dmarcnone.test"] = _mail_basics(dmarc="v=DMARC1; p=none; rua=mailto:d@{z}", dkim=rsa2048, zone="dmarcnone.test")
    z["nodmarc.test"] = _mail_basics(dmarc=None, dkim=rsa2048, zone="nodmarc.test")
    z["dmarcweak.test"] = _mail_basics(dmarc="v=DMARC1; p=quarantine; sp=none; pct=50", dkim=rsa2048, zone="dmarcweak.test")
    z["dmarcbad.test"] = _mail_basics(dmarc="v=DMARC1; p=block", dkim=rsa2048, zone="dmarcbad.test")
    z["inherit.test"] = _mail_basics(dmarc="v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@{z}", dkim=rsa2048,
                                     zone="inherit.test") + [
        R("mail.inherit.test.", "TXT", "v=spf1 ip4:192.0.2.1 -all"),
        R("selector1._domainkey.mail", "TXT", rsa2048)]
    z["dkimempty.test"] = _mail_basics(zone="dkimempty.test") + [R("s1._domainkey", "TXT", "v=DKIM1; k=rsa; p=")]
    z["dkim1024.test"] = _mail_basics(zone="dkim1024.test") + [R("k1._domainkey", "TXT", dkim_rsa(1024))]
    z["dkimbad.test"] = _mail_basics(zone="dkimbad.test") + [R("mail._domainkey", "TXT", "v=DKIM1; k=rsa; p=bm90IGEga2V5")]
    z["nodkim.test"] = _mail_basics(zone="nodkim.test")
    z["nomx.test"] = [R("@", "TXT", "v=spf1 -all"), R("_dmarc", "TXT", "v=DMARC1; p=reject; rua=mailto:d@nomx.test"),
                      R("selector1._domainkey", "TXT", rsa2048)]
    # DNS names: dangling CNAMEs, takeover-prone targets, CAA.
    z["names.test"] = [
        R("www", "A", "127.0.0.1"),
        R("gone", "CNAME", "deleted.names.test."),
        R("legacy", "CNAME", "acme-old.herokuapp.com."),
        R("shop", "CNAME", "acme-live.herokuapp.com."),
        R("noaddr", "CNAME", "txtonly.names.test."),
        R("txtonly", "TXT", "nothing to see"),
        R("loop1", "CNAME", "loop2.names.test."),
        R("loop2", "CNAME", "loop1.names.test."),
        R("outside", "CNAME", "elsewhere.example."),
        R("broken", "CNAME", "x.broken.test."),
    ]
    z["herokuapp.com"] = [R("acme-live", "A", "127.0.0.1")]
    z["caa.test"] = [R("www", "A", "127.0.0.1"), R("@", "CAA", '0 issue "digicert.com"')]
    z["caaok.test"] = [R("www", "A", "127.0.0.1"), R("@", "CAA", '0 issue "letsencrypt.org; validationmethods=dns-01"')]
    z["caasub.test"] = [R("www", "A", "127.0.0.1"), R("www", "CAA", '0 issue "letsencrypt.org"'), R("@", "CAA", '0 issue ";"')]
    z["caaiodef.test"] = [R("www", "A", "127.0.0.1"), R("@", "CAA", '0 iodef "mailto:sec@caaiodef.test"')]
    z["nocaa.test"] = [R("www", "A", "127.0.0.1")]
    return z


@pytest.fixture(scope="module")
def nsd(tmp_path_factory):
    require_binary("nsd")
    zones = {origin: zone_text(origin, records) for origin, records in case_zones().items()}
    with NsdServer(zones, tmp_path_factory.mktemp("nsd"), broken=("broken.test",)) as server:
        yield server


@pytest.fixture
def dns(nsd):
    return Dns(nsd.address, timeout=2)


@contextmanager
def silent_dns_server():
    """A UDP and TCP port on 127.0.0.1 that takes queries and never answers: every lookup times out."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    port = udp.getsockname()[1]
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", port))
    tcp.listen(8)
    stop = threading.Event()

    def swallow():
        udp.settimeout(0.1)
        while not stop.is_set():
            try:
                udp.recvfrom(4096)
            except OSError:
                continue

    thread = threading.Thread(target=swallow, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(2)
        udp.close()
        tcp.close()
