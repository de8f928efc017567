"""One DNS client for every check: the configured server (host:port) or the system resolver.

Every answer is one of four states. `error` (SERVFAIL, REFUSED, a timeout, no resolver) means
"could not ask", which the checks turn into `unknown`: never a pass or a fail.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver

from wizard.netcheck.targets import is_ip, parse_server

OK, NXDOMAIN, NODATA, ERROR = "ok", "nxdomain", "nodata", "error"
DNS_TIMEOUT_CAP = 5.0  # seconds per lookup at most: a resolver slower than this is as good as absent


@dataclass
class Lookup:
    name: str
    rdtype: str
    state: str
    records: list = field(default_factory=list)  # dnspython rdata objects
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.state == OK

    @property
    def missing(self) -> bool:
        """The name does not exist, or has no record of this type (a "void" lookup for SPF)."""
        return self.state in (NXDOMAIN, NODATA)

    @property
    def failed(self) -> bool:
        return self.state == ERROR

    def texts(self) -> list[str]:
        """TXT records as strings (the character-strings of one record joined, as RFC 7208 says)."""
        return [b"".join(r.strings).decode("utf-8", "replace") for r in self.records]

    def describe(self) -> str:
        if self.ok:
            return f"{self.name} {self.rdtype}: " + "; ".join(_show(r) for r in self.records)[:300]
        if self.failed:
            return f"{self.name} {self.rdtype}: could not be read ({self.error})"
        return f"{self.name} {self.rdtype}: " + ("no such name (NXDOMAIN)" if self.state == NXDOMAIN else "no record")


def _show(rdata) -> str:
    if rdata.rdtype == dns.rdatatype.TXT:
        return '"' + b"".join(rdata.strings).decode("utf-8", "replace") + '"'
    return rdata.to_text()


class Dns:
    """Asks one resolver; answers are cached per (name, type) for the life of the object."""

    def __init__(self, server: str | None = None, timeout: float = 4.0):
        self.server = server
        self.setup_error = ""
        self._cache: dict[tuple[str, str], asyncio.Future] = {}
        self.queries = 0
        try:
            self.resolver = self._make_resolver(server, timeout)
        except (ValueError, OSError, dns.resolver.NoResolverConfiguration) as err:
            self.resolver = None
            self.setup_error = f"no usable resolver: {err}"

    @staticmethod
    def _make_resolver(server: str | None, timeout: float) -> dns.asyncresolver.Resolver:
        if server is None:
            resolver = dns.asyncresolver.Resolver()  # /etc/resolv.conf
        else:
            host, port = parse_server(server)
            if not is_ip(host):  # dnspython wants an address; the name is looked up once, by the system
                host = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0][4][0]
            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port=port)]
        resolver.lifetime = timeout
        resolver.timeout = min(timeout, 2.0)
        resolver.retry_servfail = False
        return resolver

    @classmethod
    def for_config(cls, config, always: bool = True) -> "Dns | None":
        """The audit's resolver: `target.dns_server`, else the system's (or None when `always` is False)."""
        server = config.target.dns_server
        if not server and not always:
            return None
        return cls(server, min(config.limits.request_timeout, DNS_TIMEOUT_CAP))

    def describe(self) -> str:
        return f"DNS server {self.server}" if self.server else "the system resolver"

    async def query(self, name: str, rdtype: str) -> Lookup:
        key = (name.lower().rstrip("."), rdtype)
        if key not in self._cache:
            self._cache[key] = asyncio.ensure_future(self._ask(*key))
        return await asyncio.shield(self._cache[key])

    async def _ask(self, name: str, rdtype: str) -> Lookup:
        if self.resolver is None:
            return Lookup(name, rdtype, ERROR, error=self.setup_error)
        self.queries += 1
        try:
            answer = await self.resolver.resolve(name, rdtype, search=False)
        except dns.resolver.NXDOMAIN:
            return Lookup(name, rdtype, NXDOMAIN)
        except dns.resolver.NoAnswer:
            return Lookup(name, rdtype, NODATA)
        except dns.resolver.NoNameservers as err:
            return Lookup(name, rdtype, ERROR, error=_rcodes(err))
        except dns.exception.Timeout:
            return Lookup(name, rdtype, ERROR, error=f"no answer within {self.resolver.lifetime:g} s (timeout)")
        except (dns.name.EmptyLabel, dns.name.LabelTooLong, dns.name.NameTooLong, dns.exception.SyntaxError):
            return Lookup(name, rdtype, ERROR, error="not a valid DNS name")
        except dns.exception.DNSException as err:
            return Lookup(name, rdtype, ERROR, error=f"{type(err).__name__}: {err}")
        return Lookup(name, rdtype, OK, list(answer))

    async def txt(self, name: str) -> Lookup:
        return await self.query(name, "TXT")

    async def addresses(self, name: str) -> tuple[list[str], Lookup]:
        """IPv4 then IPv6 addresses; the Lookup says why there are none (the A answer, or AAAA's if A had none)."""
        a, aaaa = await asyncio.gather(self.query(name, "A"), self.query(name, "AAAA"))
        found = [r.address for r in a.records] + [r.address for r in aaaa.records]
        if found:
            return found, a if a.ok else aaaa
        if a.failed or aaaa.failed:
            return [], a if a.failed else aaaa
        return [], a


def _rcodes(err: dns.resolver.NoNameservers) -> str:
    """'SERVFAIL' / 'REFUSED' from dnspython's error list, else its message."""
    codes = [str(e[3]) for e in (err.kwargs.get("errors") or []) if len(e) > 3 and isinstance(e[3], str)]
    if codes:
        return "the server answered " + " / ".join(dict.fromkeys(codes))
    return str(err)
