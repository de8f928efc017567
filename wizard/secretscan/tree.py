"""Secrets in files on disk: the working tree, built frontend output, log files, source maps.

The working tree is what git would show plus what it would not commit but ships anyway: tracked and
untracked-but-not-ignored files, and built output even when ignored (`dist/`, `build/`, `.next/`,
`*.min.js`, `*.map`), because that is what the browser downloads. Source maps are opened and each
embedded original source (`sourcesContent`) is scanned under its own name.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

from wizard.secretscan.engine import Candidate, Scanner
from wizard.secretscan.history import git_env

WHOLE_FILE = 16 << 20  # read at once up to this size; bigger files go in line-aligned chunks
CHUNK = 8 << 20
OVERLAP = 4096  # kept between chunks of one gigantic line so a secret on the cut is still seen
MAX_SOURCE_MAP = 64 << 20
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache",
             ".ruff_cache", ".launch-ready", ".hg", ".svn"}
BUILD_DIRS = {"dist", "build", ".next", "out", ".nuxt", ".output", ".svelte-kit", ".vercel", "storybook-static"}
_BUILD_FILE = re.compile(r"\.(?:min\.m?js|m?js\.map|css\.map|map|bundle\.js|chunk\.js)$", re.I)


def is_build_output(rel: str) -> bool:
    parts = rel.split("/")
    return any(p in BUILD_DIRS for p in parts[:-1]) or bool(_BUILD_FILE.search(parts[-1]))


def tree_files(root: Path, is_repo: bool) -> Iterator[tuple[str, str]]:
    """(relative path, "tree" or "build") for every file worth scanning under `root`."""
    if not is_repo:
        yield from ((rel, "build" if is_build_output(rel) else "tree") for rel in _walk(root, ""))
        return
    for rel in _ls_files(root, "-c", "-o", "--exclude-standard"):
        yield rel, "build" if is_build_output(rel) else "tree"
    for rel in _ls_files(root, "-o", "-i", "--exclude-standard", "--directory"):
        parts = rel.rstrip("/").split("/")
        if any(p in SKIP_DIRS for p in parts):
            continue
        if rel.endswith("/"):
            if any(p in BUILD_DIRS for p in parts):
                yield from ((r, "build") for r in _walk(root / rel, rel.rstrip("/")))
        elif _BUILD_FILE.search(parts[-1]):
            yield rel, "build"


def _ls_files(root: Path, *args: str) -> Iterator[str]:
    proc = subprocess.run(["git", "-C", str(root), "-c", "core.quotepath=off", "ls-files", "-z", *args],
                          capture_output=True, env=git_env(), timeout=300)
    seen: set[str] = set()
    for raw in proc.stdout.split(b"\0"):
        if raw and raw not in seen:
            seen.add(raw)
            yield raw.decode("utf-8", "surrogateescape")


def _walk(top: Path, prefix: str) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel_dir = os.path.relpath(dirpath, top)
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            yield f"{prefix}/{rel}" if prefix else rel


def scan_tree(root: Path, scanner: Scanner, is_repo: bool) -> Iterator[Candidate]:
    for rel, kind in tree_files(root, is_repo):
        yield from scan_file(root / rel, rel, scanner, source=kind)


def scan_paths(paths: list[Path], scanner: Scanner, source: str = "log") -> Iterator[Candidate]:
    """Log files or folders the person named (nothing is skipped as ignored)."""
    for path in paths:
        if path.is_dir():
            for rel in _walk(path, ""):
                yield from scan_file(path / rel, f"{path}/{rel}", scanner, source=source)
        elif path.exists():
            yield from scan_file(path, str(path), scanner, source=source)
        else:
            scanner.stats.skip("path not found")


def scan_file(path: Path, label: str, scanner: Scanner, source: str = "tree") -> Iterator[Candidate]:
    try:
        st = path.lstat()
    except OSError:
        scanner.stats.skip("unreadable")
        return
    if not stat.S_ISREG(st.st_mode):  # symlinks, FIFOs, sockets, devices: never opened
        scanner.stats.skip("not a regular file")
        return
    scanner.stats.files += 1
    by_path = scanner.path_rules_for(label)
    if by_path:
        yield from scanner.scan_fragment(b"", by_path, path=label, source=source)
    if st.st_size == 0:
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
            if b"\0" in head:
                scanner.stats.skip("binary")
                return
            if st.st_size <= WHOLE_FILE:
                data = head + fh.read()
                if label.endswith(".map") and (maps := _source_map(data)) is not None:
                    for name, content in maps:
                        yield from _scan_data(content, f"{label}!{name}", scanner, source)
                    return
                yield from _scan_data(data, label, scanner, source)
            else:
                scanner.stats.skip("scanned in chunks (large file)")
                yield from _scan_chunks(head, fh, label, scanner, source)
    except OSError:
        scanner.stats.skip("unreadable")


def _scan_data(data: bytes, label: str, scanner: Scanner, source: str, first_line: int = 1) -> list[Candidate]:
    scanner.stats.bytes += len(data)
    scanner.stats.lines += data.count(b"\n") + 1
    return scanner.scan_bytes(data, label, source=source, first_line=first_line)


def _scan_chunks(head: bytes, fh, label: str, scanner: Scanner, source: str) -> Iterator[Candidate]:
    carry, line = head, 1
    while True:
        chunk = fh.read(CHUNK)
        buf = carry + chunk
        if not chunk:
            if buf:
                yield from _scan_data(buf, label, scanner, source, line)
            return
        cut = buf.rfind(b"\n")
        if cut < 0:  # one line longer than a chunk (minified bundle): overlap the pieces
            yield from _scan_data(buf, label, scanner, source, line)
            carry = buf[-OVERLAP:]
            continue
        part = buf[: cut + 1]
        yield from _scan_data(part, label, scanner, source, line)
        line += part.count(b"\n")
        carry = buf[cut + 1:]


def _source_map(data: bytes) -> list[tuple[str, bytes]] | None:
    """Original sources embedded in a source map, or None when it is not one."""
    if len(data) > MAX_SOURCE_MAP:
        return None
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("sourcesContent"), list):
        return None
    names = doc.get("sources") if isinstance(doc.get("sources"), list) else []
    out = []
    for i, content in enumerate(doc["sourcesContent"]):
        if isinstance(content, str) and content:
            name = names[i] if i < len(names) and isinstance(names[i], str) else f"source-{i}"
            out.append((name, content.encode("utf-8", "surrogatepass")))
    return out
