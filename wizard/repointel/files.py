"""The repository's files as the analysis sees them: what is committed, read as text, never executed.

In a git checkout only tracked files count: what is committed is what gets deployed, and a developer's
untracked local `.env` (with real values) is never opened. A plain folder is walked instead.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from wizard.repointel.rules import Rules, any_glob


class RepoUnreadable(Exception):
    """The folder does not exist or cannot be listed; the message says why in plain words."""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    # Only read-only commands run here; core.fsmonitor is switched off so a hostile repository's own
    # config cannot make git start a program.
    return subprocess.run(["git", "-C", str(repo), "-c", "core.quotepath=off", "-c", "core.fsmonitor=false", *args],
                          capture_output=True, env=env, timeout=60)


@dataclass
class RepoFiles:
    root: Path
    rules: Rules
    paths: list[str]  # posix, relative to root, sorted
    is_git: bool
    head: str | None = None
    tags: list[str] = field(default_factory=list)
    truncated: bool = False  # more files than rules.max_files: the rest were not looked at
    _text: dict[str, str | None] = field(default_factory=dict, repr=False)
    _tests: dict[str, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, root: Path, rules: Rules) -> "RepoFiles":
        root = Path(root)
        if not root.is_dir():
            raise RepoUnreadable(f"{root} does not exist or is not a folder")
        listing = _git(root, "ls-files", "-z", "--cached")
        is_git = listing.returncode == 0
        if not is_git and (root / ".git").exists():
            # Walking instead would read untracked local files (a developer's real .env): refuse.
            reason = listing.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RepoUnreadable(f"git cannot read {root}: {reason[-1] if reason else 'unknown error'}")
        if is_git:
            paths = [p for p in listing.stdout.decode("utf-8", "replace").split("\0") if p]
            paths = [p for p in paths if not any(part in rules.skip_dirs for part in p.split("/")[:-1])]
        else:
            paths = []
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if d not in rules.skip_dirs)
                rel = Path(dirpath).relative_to(root).as_posix()
                paths.extend(name if rel == "." else f"{rel}/{name}" for name in filenames)
        paths.sort()
        truncated = len(paths) > rules.max_files
        repo = cls(root, rules, paths[: rules.max_files], is_git, truncated=truncated)
        if is_git:
            head = _git(root, "rev-parse", "--verify", "-q", "HEAD")
            if head.returncode == 0:
                repo.head = head.stdout.decode().strip() or None
            tags = _git(root, "tag", "--list")
            repo.tags = sorted(t for t in tags.stdout.decode("utf-8", "replace").splitlines() if t) if tags.returncode == 0 else []
        return repo

    def is_test(self, path: str) -> bool:
        hit = self._tests.get(path)
        if hit is None:
            hit = self._tests[path] = any_glob(path, self.rules.test_paths)
        return hit

    def matching(self, patterns: tuple[str, ...] | list[str], *, include_tests: bool = False) -> list[str]:
        return [p for p in self.paths if any_glob(p, patterns) and (include_tests or not self.is_test(p))]

    def text(self, path: str) -> str | None:
        """The file as text; None for binaries, symlinks, oversize or unreadable files (cached)."""
        if path in self._text:
            return self._text[path]
        full = self.root / path
        text: str | None = None
        try:
            if not full.is_symlink() and full.is_file() and full.stat().st_size <= self.rules.max_file_bytes:
                data = full.read_bytes()
                if b"\0" not in data[:8192]:
                    text = data.decode("utf-8", errors="replace")
        except OSError:
            text = None
        self._text[path] = text
        return text
