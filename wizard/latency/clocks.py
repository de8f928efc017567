"""One timed request, read off three clocks.

- send lag: how late the sampler issued the request against its schedule (the client's own delay);
- total: from the request's *intended* start to the end of its body. Timing from the intended start,
  not from the moment it went out, is what keeps a late client from hiding a slow server
  (coordinated omission). Connect and TLS time are left out and reported apart, as k6 does;
- server wait: request body sent -> response headers received, from httpcore's trace events. It
  leaves the client's own work (building the request, parsing, reading the body) out.
"""

from __future__ import annotations

from dataclasses import dataclass

# Failure classes counted apart. Server-side ones make the error rate a fail and count toward a burst.
SERVER_SIDE = ("http-5xx", "timeout", "connection", "protocol")


@dataclass(frozen=True)
class Sample:
    intended: float  # seconds since the run started
    lag: float  # seconds the request was issued after its intended start
    total: float  # seconds, intended start -> body read, connect/TLS excluded
    wait: float | None  # seconds, request sent -> response headers (None when no answer came)
    status: int | None  # HTTP status, None when no answer came
    error: str | None = None  # class: http-4xx, http-429, http-5xx, timeout, connection, protocol, failed
    connect: float | None = None  # seconds, when this request opened a new connection
    tls: float | None = None

    @property
    def new_connection(self) -> bool:
        return self.connect is not None


def _span(stamps: dict[str, float], name: str) -> float | None:
    start, end = stamps.get(f"{name}.started"), stamps.get(f"{name}.complete")
    return end - start if start is not None and end is not None else None


def error_class(status: int | None, failure_kind: str | None = None) -> str | None:
    if failure_kind is not None:
        return failure_kind if failure_kind in ("timeout", "connection", "protocol") else (
            "connection" if failure_kind == "connect" else "failed")
    if status is None or status < 400:
        return None
    if status == 429:
        return "http-429"
    return "http-5xx" if status >= 500 else "http-4xx"


def from_response(intended: float, issued: float, stamps: dict[str, float], status: int, run_start: float) -> Sample:
    """A sample from the ScopedClient's phase stamps (perf_counter values, like intended/issued)."""
    connect = _span(stamps, "connect_tcp")
    tls = _span(stamps, "start_tls")
    sent = stamps.get("send_request_body.complete")
    headers = stamps.get("receive_response_headers.complete")
    wait = headers - sent if sent is not None and headers is not None else None
    total = stamps["end"] - intended - (connect or 0.0) - (tls or 0.0)
    return Sample(intended=intended - run_start, lag=issued - intended, total=total, wait=wait, status=status,
                  error=error_class(status), connect=connect, tls=tls)


def from_failure(intended: float, issued: float, ended: float, kind: str, timeout: float, run_start: float) -> Sample:
    """A request with no usable answer still counts; a timeout counts at the time limit, never less."""
    total = ended - intended
    if kind == "timeout":
        total = max(total, timeout)
    return Sample(intended=intended - run_start, lag=issued - intended, total=total, wait=None, status=None,
                  error=error_class(None, kind))
