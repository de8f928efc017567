"""What a cold start costs: TCP connect and TLS handshake on a fresh connection, timed apart.

The audit's client keeps connections open (earlier checks and the test login already opened them),
so the timed requests rarely pay for a new connection. A browser opening the app does, once; this
measures it on a connection of its own, within scope, and sends no request on it.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ConnectionSetup:
    connect: float  # seconds
    tls: float | None  # seconds; None for plain HTTP


async def measure_connection(url: str, verify: str | bool, timeout: float) -> ConnectionSetup:
    """Raises OSError / ssl.SSLError / asyncio.TimeoutError when the host cannot be reached."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    started = time.perf_counter()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    connected = time.perf_counter()
    tls = None
    try:
        if parts.scheme == "https":
            context = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else ssl.create_default_context()
            if verify is False:
                context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            await asyncio.wait_for(writer.start_tls(context, server_hostname=host), timeout)
            tls = time.perf_counter() - connected
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass
    return ConnectionSetup(connected - started, tls)
