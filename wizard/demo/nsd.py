"""A real authoritative DNS server for the demo and the tests: Debian's `nsd` on 127.0.0.1, any free port.

    with NsdServer({"acme-ops.test": zone_text}, workdir) as ns:
        ns.address  # "127.0.0.1:PORT", for dns_server / --dns-server

Everything nsd writes (config, zones, pid, log) stays in `workdir`; it runs in the foreground (`-d`)
in its own session under a tiny guard process that holds a pipe from us: when this process ends in
any way (even SIGKILL, or a terminal closed under the TUI) the pipe closes and the guard stops nsd,
so no DNS server is left behind; a signal sent to the guard itself stops nsd too. A zone listed in `broken` is configured without a zone file, so nsd
answers SERVFAIL for it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "install it with: sudo apt-get install nsd (Debian/Ubuntu), or run ./scripts/system-deps.sh"

# The guard: runs nsd, prints its PID, and stops it when its stdin (our pipe) reaches end of file.
_GUARD = """
import signal, subprocess, sys, threading
nsd = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=sys.stderr)
print(nsd.pid, flush=True)
def stop(*_):
    nsd.terminate()
for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(sig, stop)
def watch():
    sys.stdin.buffer.read()
    stop()
threading.Thread(target=watch, daemon=True).start()
sys.exit(nsd.wait())
"""


class NsdUnavailable(RuntimeError):
    """nsd is not installed, or would not start; the message says what to do."""


def find_nsd() -> str | None:
    found = shutil.which("nsd")
    if found:
        return found
    return "/usr/sbin/nsd" if os.access("/usr/sbin/nsd", os.X_OK) else None


@dataclass
class Record:
    name: str  # relative to the zone ("@" for the apex) or absolute with a trailing dot
    type: str
    value: str


def txt(value: str) -> str:
    """A TXT value as zone-file text: quoted, split into strings of at most 255 bytes."""
    chunks = [value[i:i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def zone_text(origin: str, records: list[Record], serial: int = 1) -> str:
    lines = [
        f"$ORIGIN {origin}.",
        "$TTL 300",
        f"@ IN SOA ns.{origin}. hostmaster.{origin}. {serial} 3600 900 604800 300",
        f"@ IN NS ns.{origin}.",
        "ns IN A 127.0.0.1",
    ]
    lines += [f"{r.name} IN {r.type} {txt(r.value) if r.type == 'TXT' else r.value}" for r in records]
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (nsd needs both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
    raise NsdUnavailable("no free port on 127.0.0.1 for nsd")


class NsdServer:
    def __init__(self, zones: dict[str, str], workdir: Path, broken: tuple[str, ...] = (), start_timeout: float = 10.0):
        self.zones = zones
        self.broken = broken
        self.workdir = Path(workdir).resolve()
        self.start_timeout = start_timeout
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None  # the guard
        self.nsd_pid: int | None = None

    @property
    def address(self) -> str:
        if self.port is None:
            raise RuntimeError("nsd is not started")
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> "NsdServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _write_config(self, port: int) -> Path:
        d = self.workdir
        d.mkdir(parents=True, exist_ok=True)
        lines = [
            "server:",
            "  ip-address: 127.0.0.1",
            f"  port: {port}",
            '  username: ""',
            '  chroot: ""',
            '  database: ""',
            "  server-count: 1",
            "  verbosity: 1",
            f'  zonesdir: "{d}"',
            f'  pidfile: "{d / "nsd.pid"}"',
            f'  xfrdfile: "{d / "xfrd.state"}"',
            f'  zonelistfile: "{d / "zone.list"}"',
            f'  logfile: "{d / "nsd.log"}"',
            "remote-control:",
            "  control-enable: no",
        ]
        for origin, text in self.zones.items():
            path = d / f"{origin}.zone"
            path.write_text(text, encoding="utf-8")
            lines += ["zone:", f"  name: {origin}", f'  zonefile: "{path}"']
        for origin in self.broken:  # no file: nsd serves SERVFAIL for this zone
            lines += ["zone:", f"  name: {origin}", f'  zonefile: "{d / (origin + ".missing.zone")}"']
        conf = d / "nsd.conf"
        conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return conf

    def start(self) -> "NsdServer":
        exe = find_nsd()
        if exe is None:
            raise NsdUnavailable(f"nsd (a small DNS server) is not installed; {INSTALL_HINT}")
        last = ""
        for _ in range(3):  # the free port can be taken between choosing it and nsd binding it
            port = _free_port()
            conf = self._write_config(port)
            log = open(self.workdir / "nsd.out", "wb")
            try:
                # Its own session: a terminal's hang-up or Ctrl-C reaches us, and we stop it through the pipe.
                self.proc = subprocess.Popen([sys.executable, "-c", _GUARD, exe, "-d", "-c", str(conf)],
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                             start_new_session=True)
            finally:
                log.close()
            self.nsd_pid = int(self.proc.stdout.readline() or 0) or None
            self.port = port
            if self._wait_ready():
                return self
            last = self._log_tail()
            self.stop()
        raise NsdUnavailable(f"nsd did not start: {last or 'no output'}")

    def _wait_ready(self) -> bool:
        import dns.message
        import dns.query

        origin = next(iter(self.zones))
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                dns.query.udp(dns.message.make_query(origin, "SOA"), "127.0.0.1", port=self.port, timeout=0.2)
                return True
            except Exception:  # not listening yet
                time.sleep(0.02)
        return False

    def _log_tail(self) -> str:
        texts = []
        for name in ("nsd.out", "nsd.log"):
            path = self.workdir / name
            if path.exists():
                texts.append(path.read_text(errors="replace").strip())
        return " | ".join(t for t in texts if t)[-600:]

    def stop(self) -> None:
        """Close the guard's pipe (it stops nsd), then make sure both are gone."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            if self.nsd_pid:
                try:
                    os.kill(self.nsd_pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.kill()
            proc.wait(timeout=5)
