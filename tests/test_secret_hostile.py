"""Hostile repositories: the scan answers clearly, in bounded time and memory, and never crashes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CHILD_PEAK_MB
from secret_corpus import _git
from wizard.secretscan import ScanOptions, scan_repo
from wizard.secretscan import history as history_mod


def _token(n: int = 36) -> str:
    import random
    import string

    rng = random.Random(n)
    return "gh" + "p_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def _commit(repo: Path, message: str = "c") -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    return path


def _scan_in_child(path: Path, extra: str = "") -> dict:
    """Scan in a fresh process and report its peak memory, so one test cannot hide another's."""
    code = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from wizard.secretscan import scan_repo, ScanOptions\n"
        "t = time.perf_counter()\n"
        f"r = scan_repo(Path({str(path)!r}), ScanOptions({extra}))\n"
        f"print(json.dumps({{'seconds': time.perf_counter() - t, 'rss_mb': {CHILD_PEAK_MB},"
        " 'rules': [f.rule for f in r.findings], 'lines': [f.first.line for f in r.findings],"
        " 'windows': [f.first.window for f in r.findings], 'notes': r.notes, 'skipped': r.stats.skipped}))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def test_binary_blobs_are_skipped_not_decoded(repo):
    (repo / "blob.bin").write_bytes(bytes(range(256)) * 4000 + _token().encode() + b"\0" * 100)
    (repo / "app.py").write_text(f'TOKEN = "{_token()}"\n')
    _commit(repo)
    r = scan_repo(repo)
    assert [f.first.path for f in r.findings] == ["app.py"]
    assert r.stats.skipped.get("binary") == 1


def test_fifty_megabyte_file_in_history_and_tree_stays_bounded(repo):
    line = b"const x = 'just some ordinary minified-ish text without anything secret in it';\n"
    big = repo / "data.txt"
    with open(big, "wb") as fh:
        for _ in range(50 * 1024 * 1024 // len(line)):
            fh.write(line)
        fh.write(f"token = '{_token()}'\n".encode())
    _commit(repo)
    out = _scan_in_child(repo)
    print(f"\n50 MB file: {out['seconds']:.1f} s, peak {out['rss_mb']:.0f} MB")
    assert out["rules"] == ["github-token"] and out["lines"][0] > 600_000
    assert out["seconds"] < 120 and out["rss_mb"] < 700, out


def test_history_block_split_inside_one_commit_keeps_line_numbers(repo, monkeypatch):
    lines = [f"line {i} nothing here" for i in range(40_000)]
    lines[30_000] = f"password_token = '{_token()}'"
    (repo / "big.txt").write_text("\n".join(lines) + "\n")
    _commit(repo)
    monkeypatch.setattr(history_mod, "BLOCK", 64 * 1024)
    monkeypatch.setattr(history_mod, "MAX_BLOCK", 128 * 1024)
    r = scan_repo(repo, ScanOptions(tree=False))
    assert [(f.rule, f.first.line) for f in r.findings] == [("github-token", 30_001)]


def test_non_utf8_content_is_scanned_as_bytes(repo):
    (repo / "legacy.ini").write_bytes("clé=\xe9t\xe9\n".encode("latin-1") + f"token={_token()}\n".encode() + b"\xff\xfe\x80\n")
    _commit(repo)
    r = scan_repo(repo)
    assert [f.rule for f in r.findings] == ["github-token"]
    assert r.findings[0].first.line == 2


def test_hundred_thousand_character_minified_line_gives_a_short_window(repo):
    secret = _token()
    (repo / "dist").mkdir()
    (repo / "dist" / "app.min.js").write_text("var a=1;" * 6250 + f'k="{secret}";' + "var b=2;" * 6250)
    (repo / ".gitignore").write_text("dist/\n")
    _commit(repo)
    r = scan_repo(repo)
    f = r.findings[0]
    assert f.rule == "github-token" and f.client_side and f.first.line == 1
    assert len(f.first.window) < 200 and secret not in f.first.window and "REDACTED" in f.first.window


def test_shallow_clone_is_scanned_and_says_history_is_partial(repo, tmp_path):
    for i in range(3):
        (repo / f"f{i}.py").write_text(f"x = {i}\n")
        _commit(repo, f"c{i}")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True, capture_output=True)
    r = scan_repo(clone)
    assert r.state.shallow and any("Shallow clone" in n for n in r.notes) and r.findings == []


def test_empty_repo_has_no_history_and_no_crash(repo):
    r = scan_repo(repo)
    assert r.findings == [] and any("no commits" in n for n in r.notes)


def test_folder_that_is_not_a_repo_scans_files_and_says_so(tmp_path):
    (tmp_path / "conf.py").write_text(f'token = "{_token()}"\n')
    r = scan_repo(tmp_path)
    assert [f.rule for f in r.findings] == ["github-token"] and not r.state.is_repo
    assert any("Not a git repository" in n for n in r.notes)


def test_fifo_and_symlink_are_never_opened(repo):
    os.mkfifo(repo / "pipe")
    (repo / "link").symlink_to("/dev/zero")
    started = time.perf_counter()
    r = scan_repo(repo)
    assert time.perf_counter() - started < 30 and r.findings == []


def test_cli_on_bad_inputs_gives_one_clear_line(tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "wizard", "secrets", *args], capture_output=True, text=True, timeout=60)

    missing = cli(str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "bad.toml").write_text("[[rules]]\nid = 'x'\nregex = '''(unclosed'''\n")
    bad_rules = cli(str(tmp_path), "--rules", str(tmp_path / "bad.toml"))
    assert bad_rules.returncode == 2 and "bad.toml" in bad_rules.stderr and "Traceback" not in bad_rules.stderr
    not_repo = cli(str(tmp_path), "--staged")
    assert not_repo.returncode == 2 and "not a git repository" in not_repo.stderr
