"""Real TLS servers for the tests: `openssl s_server` on 127.0.0.1 with the certificates we choose."""

from __future__ import annotations

import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from conftest import require_binary
from pki import Issued
from servers import free_port

LEGACY = ("-min_protocol", "TLSv1", "-cipher", "ALL:@SECLEVEL=0")  # TLS 1.0/1.1 and anonymous (aNULL) ciphers


@contextmanager
def openssl_server(folder: Path, cert: Issued, chain: tuple[Issued, ...] = (), args: tuple[str, ...] = ()):
    """Serve `cert` (+ `chain` as the extra certificates the server sends); yields the port."""
    exe = require_binary("openssl")
    cert_path, key_path = cert.write(folder, "server")
    cmd = [exe, "s_server", "-quiet", "-www", "-cert", str(cert_path), "-key", str(key_path)]
    if chain:
        chain_path, _ = chain[0].write(folder, "chain", chain[1:])
        cmd += ["-cert_chain", str(chain_path)]
    for _ in range(3):
        port = free_port()
        proc = subprocess.Popen([*cmd, "-accept", f"127.0.0.1:{port}", *args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        if _wait(port, proc):
            break
        proc.terminate()
        proc.wait(5)
    else:
        raise RuntimeError(f"openssl s_server did not start: {proc.stderr.read().decode(errors='replace')[-500:]}")
    try:
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        proc.stderr.close()


def _wait(port: int, proc: subprocess.Popen, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False
