"""TLS, DNS and email checks: how long they take on loopback, in-process and as a whole `launch-ready scan`.

1. All TLS checks for one host (the demo app's HTTPS port): target 0.5 s or less (testssl.sh: ~100 s).
2. Headers + TLS + DNS + email for the demo host, with the demo's DNS zone served by nsd: target 2 s or less.
Medians of several runs; compare the ratios with the bare-Python start-up measured in the same run.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEAT = 5
BIN = Path(sys.executable).parent / "launch-ready"


def median_of(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run_cli(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"bench: launch-ready {' '.join(args)} failed:\n{result.stderr[-2000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    from wizard.demo.dns import start_demo_dns
    from wizard.demo.run import _write_config
    from wizard.demo.server import DemoServer
    from wizard.netcheck.targets import TlsTarget
    from wizard.netcheck.tlscheck import TlsOptions, check_host

    print("TLS / DNS / email checks on loopback (median of 5; the machine is shared, compare ratios)")
    bare = median_of(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with DemoServer(fixed=True, workdir=work / "app") as server:
            opts = TlsOptions(ca_bundle=str(server.ca_path))
            target = TlsTarget("127.0.0.1", server.https_port)
            t = time.perf_counter()
            count = len(asyncio.run(check_host(target, opts)))  # cold: reads the system's trusted CAs once
            tls_cold = time.perf_counter() - t
            tls_in = median_of(lambda: asyncio.run(check_host(target, opts)))
            env = {**os.environ, **server.credentials_env()}
            tls_session = work / "tls-session.json"

            def tls_scan() -> None:
                run_cli(["scan", "--url", server.https_url, "--ca-bundle", str(server.ca_path), "--only", "tls",
                         "--format", "json", "--out", str(work / "tls.json"), "--fail-on", "never",
                         "--session", str(tls_session)], env)
                tls_session.unlink()

            tls_cli = median_of(tls_scan)
            closed = f"https://127.0.0.1:{free_port()}"

            def floor_scan() -> None:  # the same command against a closed port: what any scan costs
                run_cli(["scan", "--url", closed, "--only", "tls", "--format", "json", "--out", str(work / "floor.json"),
                         "--fail-on", "never", "--session", str(tls_session)], env)
                tls_session.unlink()

            floor = median_of(floor_scan)
            print(f"tls       all TLS checks, one host, in-process   {tls_in * 1000:6.0f} ms  "
                  f"(first run {tls_cold * 1000:.0f} ms; {count} results; target <= 500 ms)")
            print(f"tls       launch-ready scan --only tls (process) {tls_cli * 1000:6.0f} ms  "
                  f"(same scan of a closed port {floor * 1000:.0f} ms; bare python {bare * 1000:.0f} ms)")

            nsd = start_demo_dns(True, work / "dns")
            if nsd is None:
                print("demo      skipped: nsd is not installed (sudo apt-get install nsd)")
                return
            try:
                config = _write_config(work, server, work, True, nsd)
                session = work / "demo-session.json"
                only = "http-surface,tls,dns,email"

                def whole() -> None:
                    run_cli(["scan", "--config", str(config), "--only", only, "--format", "json", "--out",
                             str(work / "demo.json"), "--fail-on", "never", "--session", str(session)], env)
                    session.unlink()

                demo_cli = median_of(whole)
                in_process = median_of(lambda: _in_process(config, only.split(",")))
            finally:
                nsd.stop()
            print(f"demo      headers+TLS+DNS+email, in-process     {in_process * 1000:6.0f} ms  (3 TLS hosts, 1 domain)")
            print(f"demo      launch-ready scan (whole process)      {demo_cli * 1000:6.0f} ms  "
                  f"(target <= 2000 ms; {floor * 1000:.0f} ms of it is any scan's start-up and session)")


def _in_process(config_path: Path, only: list[str]) -> None:
    from wizard.audit import Audit
    from wizard.config import load_config

    audit = Audit.start(load_config(config_path), None)
    audit.run_probes(only=only)


if __name__ == "__main__":
    main()
