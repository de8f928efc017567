"""What the TLS and DNS checks look at: every host in scope, on the app's HTTPS port, and the domains."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from wizard.config import Target


@dataclass(frozen=True)
class TlsTarget:
    host: str  # a DNS name or an IP address, as the person wrote it
    port: int

    @property
    def is_ip(self) -> bool:
        return is_ip(self.host)

    @property
    def label(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def app_port(target: "Target") -> int:
    """The port every host in scope is checked on: the app URL's port, else 443."""
    if target.url:
        parts = urlsplit(target.url)
        if parts.scheme == "https" and parts.port:
            return parts.port
    return 443


def tls_targets(target: "Target") -> list[TlsTarget]:
    """The app's host first, then every other host in scope (the API host, the subdomains listed)."""
    port = app_port(target)
    hosts = ([target.host] if target.host else []) + list(target.scope)
    seen: dict[str, None] = {}
    for host in hosts:
        if host:
            seen.setdefault(host.lower().rstrip("."), None)
    return [TlsTarget(h, port) for h in seen]


def dns_names(target: "Target") -> list[str]:
    """Names whose records we read: the hosts in scope that are names, then the domain itself."""
    names = [t.host for t in tls_targets(target) if not t.is_ip]
    if target.domain:
        names.append(target.domain.lower().rstrip("."))
    return list(dict.fromkeys(names))


def email_domain(target: "Target") -> str | None:
    domain = target.email_domain or target.domain
    return domain.lower().rstrip(".") if domain else None


def parse_server(text: str) -> tuple[str, int]:
    """'10.0.0.2:53', '127.0.0.1:5353', '[::1]:53', '10.0.0.2' -> (address, port). Raises ValueError."""
    text = text.strip()
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"'{text}' is not host:port")
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not host:
        raise ValueError(f"'{text}' has no host; write e.g. 10.0.0.2:53")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"'{text}' has no valid port; write e.g. 10.0.0.2:53")
    return host, int(port)
