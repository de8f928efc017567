"""Run the demo app on loopback: HTTPS (local CA from trustme) plus a plain HTTP listener.

``DemoServer`` is what ``launch-ready demo`` and the tests use::

    with DemoServer(fixed=False) as srv:
        httpx.get(srv.https_url + "/health", verify=ssl.create_default_context(cafile=srv.ca_path))

Both listeners run in one background thread with its own event loop, on sockets bound
by us to 127.0.0.1 with port 0 (so ports never clash). Plain HTTP serves the whole app
in the flawed build and answers every request with a 301 to the HTTPS port in the fixed
build. ``python -m wizard.demo.server [--fixed]`` runs it by hand until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import trustme
import uvicorn
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from wizard.demo.app import DEMO_PASSWORDS, DEMO_ROLE_ENV, access_log_entry, build_app, demo_env
from wizard.demo.dns import DEMO_DOMAIN

__all__ = ["DemoServer", "HttpsRedirectApp", "main"]

DEFAULT_HOST = "127.0.0.1"
CA_FILENAME = "demo-ca.pem"


class HttpsRedirectApp:
    """ASGI app for the fixed build's plain-HTTP port: 301 every request to the HTTPS origin.

    The target origin is fixed (never taken from the Host header), so it cannot be turned
    into an open redirect.
    """

    def __init__(self, https_origin: str, log: list[dict[str, Any]]) -> None:
        self.https_origin = https_origin.rstrip("/")
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        entry = access_log_entry(scope)
        entry["status"] = 301
        self.log.append(entry)
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        path = raw_path.decode("latin1")
        if not path.startswith("/"):
            path = "/"
        query = scope.get("query_string", b"").decode("latin1")
        location = self.https_origin + path + ("?" + query if query else "")
        await send(
            {
                "type": "http.response.start",
                "status": 301,
                "headers": [
                    (b"location", location.encode("latin1")),
                    (b"content-length", b"0"),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _bind(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto is IPPROTO_TCP, and a plain socket(AF_INET, SOCK_STREAM) has proto 0. Without
    # it every response costs ~40 ms (Nagle + delayed ACK), which would skew latency probes.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class DemoServer:
    """The demo app on loopback, HTTPS + HTTP, in a background thread. A context manager."""

    def __init__(
        self,
        fixed: bool,
        workdir: Path | None = None,
        *,
        https_port: int = 0,
        http_port: int = 0,
        start_timeout: float = 10.0,
    ) -> None:
        self.fixed = fixed
        self.host = DEFAULT_HOST
        self._workdir_arg = Path(workdir) if workdir is not None else None
        self._want_https_port = https_port
        self._want_http_port = http_port
        self.start_timeout = start_timeout

        self.access_log: list[dict[str, Any]] = []
        self.app: Starlette = build_app(fixed, access_log=self.access_log)
        self.workdir: Path | None = None
        self.ca_path: Path | None = None
        self.https_port: int | None = None
        self.http_port: int | None = None

        self._own_workdir = False
        self._thread: threading.Thread | None = None
        self._servers: list[uvicorn.Server] = []
        self._sockets: list[socket.socket] = []
        self._error: BaseException | None = None

    # ------------------------------------------------------------------ URLs
    @property
    def https_url(self) -> str:
        if self.https_port is None:
            raise RuntimeError("DemoServer is not started")
        return f"https://{self.host}:{self.https_port}"

    @property
    def http_url(self) -> str:
        if self.http_port is None:
            raise RuntimeError("DemoServer is not started")
        return f"http://{self.host}:{self.http_port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @staticmethod
    def credentials_env() -> dict[str, str]:
        """Demo-only credentials as the environment variables the audit config names."""
        return demo_env()

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> DemoServer:
        if self._thread is not None:
            raise RuntimeError("DemoServer already started")
        try:
            self._prepare()
        except BaseException:
            self._cleanup()
            raise
        self._thread = threading.Thread(target=self._run, name="launch-ready-demo-server", daemon=True)
        self._thread.start()

        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._servers and all(s.started for s in self._servers):
                return self
            if not self._thread.is_alive():
                err = self._error
                self.stop()
                raise RuntimeError(f"demo server failed to start: {err!r}") from err
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"demo server did not become ready within {self.start_timeout:.0f} s "
                    f"(https on {self.host}:{self.https_port}, http on {self.host}:{self.http_port})"
                )
            time.sleep(0.01)

    def _prepare(self) -> None:
        if self._workdir_arg is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="launch-ready-demo-"))
            self._own_workdir = True
        else:
            self.workdir = self._workdir_arg
            self.workdir.mkdir(parents=True, exist_ok=True)

        ca = trustme.CA(organization_name="Launch Ready demo CA (throwaway)")
        # The demo domain's names too: the TLS checks reach them through the demo's DNS (wizard/demo/dns.py).
        cert = ca.issue_cert("localhost", self.host, DEMO_DOMAIN, f"*.{DEMO_DOMAIN}")
        self.ca_path = self.workdir / CA_FILENAME
        ca.cert_pem.write_to_path(str(self.ca_path))
        cert_path = self.workdir / "demo-server.pem"
        key_path = self.workdir / "demo-server.key"
        with open(cert_path, "wb") as fh:
            for blob in cert.cert_chain_pems:
                fh.write(blob.bytes())
        key_path.touch(mode=0o600)
        cert.private_key_pem.write_to_path(str(key_path))

        https_sock = _bind(self.host, self._want_https_port)
        self._sockets.append(https_sock)
        http_sock = _bind(self.host, self._want_http_port)
        self._sockets.append(http_sock)
        self.https_port = https_sock.getsockname()[1]
        self.http_port = http_sock.getsockname()[1]

        common: dict[str, Any] = dict(
            host=self.host,
            log_level="warning",
            log_config=None,  # leave the embedding program's logging configuration alone
            access_log=False,  # app.state.access_log is the access log
            lifespan="off",
            proxy_headers=False,  # never let X-Forwarded-* rewrite scheme/client
            server_header=not self.fixed,
            http="h11",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        https_config = uvicorn.Config(
            self.app,
            port=self.https_port,
            ssl_certfile=str(cert_path),
            ssl_keyfile=str(key_path),
            **common,
        )
        # Loading here (serve() skips an already loaded config) lets us pin the TLS floor:
        # TLS 1.2+ on every system, not just where OpenSSL's policy happens to say so.
        https_config.load()
        assert https_config.ssl is not None
        https_config.ssl.minimum_version = ssl.TLSVersion.TLSv1_2
        http_app: Any = self.app if not self.fixed else HttpsRedirectApp(self.https_url, self.access_log)
        http_config = uvicorn.Config(http_app, port=self.http_port, **common)
        self._servers = [uvicorn.Server(https_config), uvicorn.Server(http_config)]

    def _run(self) -> None:
        async def serve_all() -> None:
            await asyncio.gather(
                *(server.serve(sockets=[sock]) for server, sock in zip(self._servers, self._sockets))
            )

        try:
            asyncio.run(serve_all())
        except BaseException as exc:  # SystemExit from a uvicorn startup failure included
            self._error = exc

    def stop(self) -> None:
        """Shut both listeners down (idempotent); waits a few seconds at most."""
        for server in self._servers:
            server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            if self._thread.is_alive():
                for server in self._servers:
                    server.force_exit = True
                self._thread.join(timeout=3)
        self._cleanup()

    def _cleanup(self) -> None:
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass
        self._sockets = []
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self._own_workdir = False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wizard.demo.server",
        description="Run the Launch Ready demo target (Acme Ops Console) on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--fixed", action="store_true", help="run the fixed build instead of the flawed one")
    parser.add_argument("--https-port", type=int, default=0, help="HTTPS port (default: any free port)")
    parser.add_argument("--http-port", type=int, default=0, help="plain HTTP port (default: any free port)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to write demo-ca.pem (default: a temp dir)")
    args = parser.parse_args(argv)

    try:
        server = DemoServer(
            args.fixed, args.workdir, https_port=args.https_port, http_port=args.http_port
        ).start()
    except (OSError, RuntimeError) as exc:
        print(f"error: could not start the demo server: {exc}", file=sys.stderr)
        return 1
    build = "fixed" if args.fixed else "flawed"
    print(f"Acme Ops Console demo ({build} build), loopback only")
    print(f"  HTTPS : {server.https_url}")
    http_note = "301 to HTTPS" if args.fixed else "serves the app unencrypted"
    print(f"  HTTP  : {server.http_url}  ({http_note})")
    print(f"  CA    : {server.ca_path}")
    print(f"  try   : curl --cacert {server.ca_path} {server.https_url}/health")
    print("Demo-only accounts (throwaway values, loopback demo only):")
    for user, (user_env, pass_env) in DEMO_ROLE_ENV.items():
        print(f"  export {user_env}={user} {pass_env}={DEMO_PASSWORDS[user]}")
    print("Press Ctrl-C to stop.", flush=True)

    def _on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _on_term)  # `kill <pid>` stops as cleanly as Ctrl-C
    try:
        while server.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
