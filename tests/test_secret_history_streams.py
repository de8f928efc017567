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
    """120 commits on two branches, a merge and a deletion; many share one timestamp; secrets re-added."""
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
        if n == 110:  # a merge of the side branch, then a commit that only deletes a file
            stream.append(b"".join([
                b"commit refs/heads/main\n", f"author Dev <dev@example.invalid> {when} +0000\n".encode(),
                f"committer Dev <dev@example.invalid> {when} +0000\n".encode(), b"data 5\nmerge\n",
                b"merge refs/heads/side\n\n"]))
            stream.append(b"".join([
                b"commit refs/heads/main\n", f"author Dev <dev@example.invalid> {when} +0000\n".encode(),
                f"committer Dev <dev@example.invalid> {when} +0000\n".encode(), b"data 6\ndelete\n",
                b"D src/mod0.py\n\n"]))
            files.pop("src/mod0.py", None)
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
    monkeypatch.setattr(history_mod, "_spare_cores", lambda: streams - 1)  # whatever the CI machine is doing
    monkeypatch.setattr(history_mod, "MAX_HELD", held)  # 1-2: later slices pause and resume
    monkeypatch.setattr(history_mod, "BLOCK", block)
    windows = history_mod._windows(repo, None, scan_repo.__globals__["Scanner"]())
    assert len(windows) == streams
    assert _report(repo) == one


def test_slices_cover_every_commit_once(repo):
    def commits(window):
        log = subprocess.run(history_mod.log_command(repo, None, window), capture_output=True, check=True).stdout
        return [line.split()[1] for line in log.splitlines() if line.startswith(b"commit ")]

    whole = commits(None)
    assert len(whole) >= 100
    assert commits((0, 40)) + commits((40, 40)) + commits((80, None)) == whole
