"""TUI figures: launch to first paint of the welcome screen, key-to-screen latency with 100 items, memory."""

from __future__ import annotations

import asyncio
import os
import pty
import resource
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent / "launch-ready"


def first_paint() -> float:
    """Whole process in a real pseudo-terminal, exiting right after the first screen is painted."""
    master, slave = pty.openpty()
    env = dict(os.environ, LAUNCH_READY_EXIT_AFTER_PAINT="1", LAUNCH_READY_HOME=tempfile.mkdtemp(), TERM="xterm-256color")
    started = time.perf_counter()
    proc = subprocess.Popen([str(BIN)], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    while proc.poll() is None:  # drain the terminal so the app never blocks on output
        r, _, _ = select.select([master], [], [], 0.05)
        if r:
            try:
                os.read(master, 65536)
            except OSError:
                break
    proc.wait()
    os.close(master)
    return time.perf_counter() - started


def big_checklist(folder: Path, n: int = 100) -> Path:
    from wizard.paths import default_checklist_dir

    src = default_checklist_dir()
    shutil.copytree(src, folder)
    index = yaml.safe_load((folder / "checklist.yaml").read_text())
    base = list(index["order"])
    order = list(base)
    i = 0
    while len(order) < n:
        origin = base[i % len(base)]
        doc = yaml.safe_load((src / f"{origin}.yaml").read_text())
        doc["id"] = f"{origin}-copy{i}"
        doc["title"] = f"{doc['title']} (copy {i})"
        (folder / f"{doc['id']}.yaml").write_text(yaml.safe_dump(doc))
        order.append(doc["id"])
        i += 1
    index["order"] = order
    (folder / "checklist.yaml").write_text(yaml.safe_dump(index))
    return folder


async def key_latency(checklist_dir: Path) -> tuple[float, float, float]:
    from wizard.audit import Audit
    from wizard.config import Config, Target
    from wizard.tui.app import LaunchReadyApp

    tmp = Path(tempfile.mkdtemp())
    audit = Audit.start(Config(target=Target(url="https://bench.example.test")), tmp / "s.json", checklist_dir)
    app = LaunchReadyApp(audit=audit)
    moves, opens = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(60):
            t = time.perf_counter()
            await pilot.press("down")
            moves.append(time.perf_counter() - t)
        for _ in range(10):
            t = time.perf_counter()
            await pilot.press("enter")
            await pilot.pause()
            opens.append(time.perf_counter() - t)
            await pilot.press("escape")
            await pilot.pause()
    return statistics.median(moves), sorted(moves)[int(len(moves) * 0.95) - 1], statistics.median(opens)


def pty_key_latency(session: Path, key: bytes, presses: int = 40) -> list[float]:
    """Real key-to-screen latency: write a key to the app's terminal, time the first bytes it paints back."""
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = dict(os.environ, LAUNCH_READY_HOME=str(session.parent), TERM="xterm-256color")
    proc = subprocess.Popen([str(BIN), "--session", str(session)], stdin=slave, stdout=slave, stderr=slave,
                            env=env, close_fds=True)
    os.close(slave)

    def drain(quiet: float) -> None:
        while True:
            r, _, _ = select.select([master], [], [], quiet)
            if not r:
                return
            os.read(master, 65536)

    drain(3.0)  # start-up and first paint
    out = []
    for _ in range(presses):
        t = time.perf_counter()
        os.write(master, key)
        r, _, _ = select.select([master], [], [], 2.0)
        if r:
            out.append(time.perf_counter() - t)
        drain(0.15)
    os.write(master, b"q")
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    os.close(master)
    return out


def main() -> None:
    paints = sorted(first_paint() for _ in range(5))
    print(f"tui       launch to first paint      {statistics.median(paints) * 1000:5.0f} ms  (median of 5; target <= 1000 ms)")
    with tempfile.TemporaryDirectory() as tmp:
        checklist = big_checklist(Path(tmp) / "big")
        from wizard.audit import Audit
        from wizard.config import Config, Target

        session = Path(tmp) / "sessions" / "bench.json"
        Audit.start(Config(target=Target(url="https://bench.example.test")), session, checklist)
        lat = sorted(pty_key_latency(session, b"j"))
        med, p95, open_med = asyncio.run(key_latency(checklist))
    print(f"tui       key to screen, 100 items  {statistics.median(lat) * 1000:5.1f} ms median, "
          f"{lat[int(len(lat) * 0.95) - 1] * 1000:.1f} ms p95 (cursor down, real terminal; target <= 50 ms)")
    print(f"tui       same through Pilot         {med * 1000:5.1f} ms median (includes Pilot's own settling wait)")
    print(f"tui       open an item and render   {open_med * 1000:5.1f} ms median (Pilot)")
    print(f"tui       peak memory (this process) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:5.0f} MB")


if __name__ == "__main__":
    main()
