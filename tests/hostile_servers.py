"""Servers that misbehave on purpose, on raw sockets at 127.0.0.1: what an audit must survive.

Each behaviour is a function (connection, request bytes) -> None, run in its own thread per
connection; a client hanging up ends it (the send fails).
"""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
import zlib
from contextlib import contextmanager
from functools import lru_cache
from typing import Callable

Behaviour = Callable[[socket.socket, bytes], None]


def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
    return (f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode()


def redirect_loop(conn: socket.socket, request: bytes) -> None:
    path = request.split(b" ", 2)[1].decode() if request.count(b" ") >= 2 else "/"
    conn.sendall(_head("302 Found", [("Location", path.rstrip("/") + "/x"), ("Content-Length", "0"), ("Connection", "close")]))


def ten_megabytes_of_headers(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    line = b"X-Padding-%06d: " + b"a" * 80 + b"\r\n"
    for i in range(10 * 1024 * 1024 // 100):
        conn.sendall(line % i)
    conn.sendall(b"Content-Length: 0\r\n\r\n")


@lru_cache(maxsize=None)
def bomb(kind: str) -> bytes:
    """A few hundred KB (gzip) or bytes (brotli) that expand to hundreds of MB."""
    if kind == "brotli":
        import brotli

        c = brotli.Compressor(quality=1)
        return b"".join([c.process(b"\0" * (1 << 20)) for _ in range(1024)] + [c.finish()])  # 1 GB
    co = zlib.compressobj(6, zlib.DEFLATED, 31)
    body = b"".join([co.compress(b"\0" * (1 << 20)) for _ in range(256)] + [co.flush()])  # 256 MB
    return gzip.compress(body) if kind == "stacked" else body


def compression_bomb(kind: str) -> Behaviour:
    encoding = {"gzip": "gzip", "brotli": "br", "stacked": "gzip, gzip"}[kind]

    def send(conn: socket.socket, request: bytes) -> None:
        body = bomb(kind)
        conn.sendall(_head("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", encoding),
                                      ("Content-Length", str(len(body))), ("Connection", "close")]) + body)

    send.prepare = lambda: bomb(kind)  # type: ignore[attr-defined]  # build it before the clock starts
    return send


def endless_chunked(conn: socket.socket, request: bytes) -> None:
    conn.sendall(_head("200 OK", [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]))
    chunk = b"4000\r\n" + b"<p>" * (0x4000 // 3) + b"<p>"[: 0x4000 % 3] + b"\r\n"
    while True:
        conn.sendall(chunk)


def one_byte_a_second(conn: socket.socket, request: bytes) -> None:
    for b in _head("200 OK", [("Content-Length", "5")]) + b"hello":
        conn.sendall(bytes([b]))
        time.sleep(1)


def not_http(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n" + bytes(range(256)))


def status_only_garbage(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 2OO OK\r\nthis is not a header\r\n\r\n")


@contextmanager
def raw_server(behaviour: Behaviour, tls: ssl.SSLContext | None = None):
    """Yield the port of a server that answers every connection with `behaviour` (over TLS if given)."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve_one(conn: socket.socket) -> None:
        try:
            if tls is not None:
                conn = tls.wrap_socket(conn, server_side=True)
            conn.settimeout(5)
            request = conn.recv(65536)
            behaviour(conn, request)
        except (OSError, ssl.SSLError):
            pass  # the client hung up, or was not speaking TLS: both expected here
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        srv.close()
