"""Compiled report templates are kept between runs, and a cache that cannot be used only costs time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_reports" / "demo-flawed.session.json"


def _html_report(home: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wizard", "report", str(SAMPLE), "--out", str(out)],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", "LAUNCH_READY_HOME": str(home)},
        capture_output=True, text=True, timeout=120,
    )


def test_the_second_report_uses_the_compiled_templates_and_says_the_same(tmp_path):
    home = tmp_path / "home"
    first = _html_report(home, tmp_path / "a.html")
    assert first.returncode == 0, first.stderr
    cached = sorted((home / "cache" / "templates").glob("*.jinja"))
    assert cached, "no compiled template was kept"
    second = _html_report(home, tmp_path / "b.html")
    assert second.returncode == 0, second.stderr
    assert len((tmp_path / "a.html").read_text()) == len((tmp_path / "b.html").read_text())


def test_a_broken_or_unwritable_cache_still_renders(tmp_path):
    home = tmp_path / "home"
    assert _html_report(home, tmp_path / "a.html").returncode == 0
    for entry in (home / "cache" / "templates").glob("*.jinja"):
        entry.write_bytes(b"not bytecode")  # garbage in every entry
    run = _html_report(home, tmp_path / "b.html")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go")
    run = _html_report(blocked, tmp_path / "c.html")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert (tmp_path / "c.html").stat().st_size > 100_000
