"""Where secrets hide: the repo's history (added lines only), its working tree, any text we fetched."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wizard.secretscan.engine import Candidate, Scanner

MAX_FILE_BYTES = 5_000_000
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__"}


@dataclass
class Hit:
    candidate: Candidate
    path: str
    line_no: int
    commit: str | None = None
    date: str | None = None


class NotARepo(Exception):
    pass


def _git(repo: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        ["git", "-C", str(repo), "-c", "core.quotepath=off", *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )


def is_repo(path: Path) -> bool:
    r = subprocess.run(["git", "-C", str(path), "rev-parse", "--git-dir"], capture_output=True)
    return r.returncode == 0


def scan_history(repo: Path, scanner: Scanner) -> Iterator[Hit]:
    """Stream `git log -p` (added lines only) instead of walking commit objects: ~50x faster."""
    if not is_repo(repo):
        raise NotARepo(str(repo))
    proc = _git(repo, "log", "-p", "-U0", "--all", "--full-history", "--no-color", "--no-ext-diff",
                "--format=commit %H %aI", "--diff-filter=AMTR")
    commit = date = path = None
    line_no = 0
    assert proc.stdout is not None
    try:
        for raw in proc.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if line.startswith("commit "):
                parts = line.split()
                commit, date = parts[1], parts[2] if len(parts) > 2 else None
            elif line.startswith("+++ "):
                path = line[6:] if line.startswith("+++ b/") else None
            elif line.startswith("@@"):
                try:
                    line_no = int(line.split("+", 1)[1].split(",")[0].split(" ")[0]) - 1
                except (IndexError, ValueError):
                    line_no = 0
            elif line.startswith("+") and path:
                line_no += 1
                for c in scanner.scan_line(line[1:]):
                    yield Hit(c, path, line_no, commit, date)
    finally:
        proc.stdout.close()
        proc.wait()


def scan_tree(root: Path, scanner: Scanner) -> Iterator[Hit]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        for name in filenames:
            path = Path(dirpath) / name
            try:
                if path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if b"\0" in data[:8192]:
                continue  # binary
            yield from scan_text(data.decode("utf-8", errors="replace"), str(path.relative_to(root)), scanner)


def scan_text(text: str, label: str, scanner: Scanner) -> Iterator[Hit]:
    for n, line in enumerate(text.splitlines(), 1):
        for c in scanner.scan_line(line):
            yield Hit(c, label, n)
