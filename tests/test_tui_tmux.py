"""Once end to end under tmux, as a person would: demo, checks, answers, export, kill, resume."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import require_binary

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "launch-ready"


class Tmux:
    def __init__(self, exe: str, name: str):
        self.exe, self.name = exe, name

    def start(self, command: str) -> None:
        subprocess.run([self.exe, "new-session", "-d", "-x", "120", "-y", "40", "-s", self.name, command], check=True)

    def keys(self, *keys: str) -> None:
        subprocess.run([self.exe, "send-keys", "-t", self.name, *keys], check=True)

    def screen(self) -> str:
        return subprocess.run([self.exe, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.3)
        size = subprocess.run([self.exe, "display", "-p", "-t", self.name, "#{window_width}x#{window_height}"],
                              capture_output=True, text=True).stdout.strip()
        raise AssertionError(f"'{text}' never appeared; screen ({size}) was:\n{self.screen()}")

    def kill(self) -> None:
        subprocess.run([self.exe, "kill-session", "-t", self.name], capture_output=True)


def test_demo_audit_under_tmux_then_kill_and_resume(tmp_path):
    tmux = Tmux(require_binary("tmux"), f"lr-{os.getpid()}")
    home = tmp_path / "home"
    pidfile = tmp_path / "pid"
    command = (f"echo $$ > {shlex.quote(str(pidfile))}; "
               f"exec env LAUNCH_READY_HOME={shlex.quote(str(home))} TERM=xterm-256color {shlex.quote(str(BIN))}")
    try:
        tmux.start(command)
        tmux.wait_for("Try the demo", 20)
        tmux.keys("d")
        tmux.wait_for("Press r to run", 30)
        tmux.keys("r")
        tmux.wait_for("Allow logging in", 20)
        tmux.keys("y")
        tmux.wait_for("Also allow changes on staging", 20)  # the demo is staging on loopback: writes are asked apart
        tmux.keys("y")
        tmux.wait_for("Checks finished", 180)
        tmux.keys("A")
        tmux.wait_for("demo answers filled", 10)
        tmux.keys("e")
        tmux.wait_for("Export the report", 10)
        tmux.keys("Enter")
        screen = tmux.wait_for("Written:", 60)
        pdfs = list(home.glob("sessions/*-report/report.pdf"))
        assert pdfs and pdfs[0].read_bytes().startswith(b"%PDF"), screen
        os.kill(int(pidfile.read_text()), signal.SIGKILL)  # no goodbye, no save on exit
        time.sleep(0.5)
        tmux.kill()
        tmux.start(f"env LAUNCH_READY_HOME={shlex.quote(str(home))} {shlex.quote(str(BIN))}")
        screen = tmux.wait_for("Resume 'demo'", 20)
        assert "answers" in screen and " 0 answers" not in screen
        tmux.keys("Enter")
        tmux.wait_for("NOT READY", 20)
        tmux.keys("q")
    finally:
        tmux.kill()
