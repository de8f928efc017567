"""The history scan may diff the log in slices with parallel `git log` processes; what it reports
must not depend on that: same findings, same first commit (ties included), same occurrences."""

from __future__ import annotations

import random
import string
import subprocess
from pathlib import Path

import pytest

from wizard.secretscan import ScanOptions, scan_repo
from wizard.secretscan import history as history_mod

_rng = random.Random(4)


def _token() -> str:
    return "gh" + "p_" + "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(36))


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """120 commits on two branches; many share one timestamp; secrets re-added in later commits."""
    path = tmp_path_factory.mktemp("streams") / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    secrets = [_token() for _ in range(12)]
    stream = []
    files: dict[str, list[str]] = {}
    for n in range(1, 121):
        branch = "side" if 70 < n <= 95 else "main"
        name = f"src/mod{n % 9}.py"
        lines = files.setdefault(name, [f"x_{i} = {i}" for i in range(30)])
        lines[n % 30] = f"value_{n} = compute({n})"
        if n % 7 == 0:  # the same secret comes back in another file and commit
            lines[(n * 3) % 30] = f'TOKEN = "{secrets[n % len(secrets)]}"'
        blob = ("\n".join(lines) + "\n").encode()
        when = 1_700_000_000 + (n // 10) * 60  # ten commits in a row share a timestamp
        msg = f"change {n}".encode()
        start_side = b"from refs/heads/main\n" if n == 71 else b""
        stream.append(b"".join([
            f"commit refs/heads/{branch}\n".encode(), f"author Dev <dev@example.invalid> {when} +0000\n".encode(),
            f"committer Dev <dev@example.invalid> {when} +0000\n".encode(), b"data %d\n" % len(msg), msg, b"\n",
            start_side, f"M 100644 inline {name}\n".encode(), b"data %d\n" % len(blob), blob, b"\n"]))
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "main"], check=True)
    return path


def _report(repo: Path) -> list[dict]:
    result = scan_repo(repo, ScanOptions(tree=False))
    return [dict(f.to_dict(), in_head=f.in_head, first_commit=f.first_commit, count=f.count) for f in result.findings]


@pytest.mark.parametrize("streams, held, block", [(2, 20_000, 1 << 20), (3, 1, 4096), (2, 2, 512)])
def test_parallel_slices_report_exactly_what_one_stream_does(repo, monkeypatch, streams, held, block):
    monkeypatch.setattr(history_mod, "STREAMS", 1)
    one = _report(repo)
    assert len(one) >= 10 and any(f["count"] > 1 for f in one)
    monkeypatch.setattr(history_mod, "STREAMS", streams)
    monkeypatch.setattr(history_mod, "PARALLEL_MIN_COMMITS", 1)
    monkeypatch.setattr(history_mod, "_cpus", lambda: streams)
    monkeypatch.setattr(history_mod, "MAX_HELD", held)  # 1-2: later slices pause and resume
    monkeypatch.setattr(history_mod, "BLOCK", block)
    windows = history_mod._windows(repo, None, scan_repo.__globals__["Scanner"]())
    assert len(windows) == streams
    assert _report(repo) == one


def test_slices_cover_every_commit_once(repo):
    out = subprocess.run(["git", "-C", str(repo), "rev-list", "--all", "--count"], capture_output=True, text=True)
    total = int(out.stdout)
    seen = []
    for skip, count in [(0, 40), (40, 40), (80, None)]:
        cmd = history_mod.log_command(repo, None, (skip, count))
        log = subprocess.run(cmd, capture_output=True, check=True).stdout
        seen += [line.split()[1] for line in log.splitlines() if line.startswith(b"commit ")]
    assert len(seen) == len(set(seen)) == total
