"""Compiled report templates kept between runs: compiling them costs ~0.15 s of every report.

Jinja checks each cached entry against its template's source checksum (and its own and Python's version),
so an edited template is recompiled. The cache lives in the user's cache folder (under
LAUNCH_READY_HOME when that is set). Any trouble with it (read-only disk, odd permissions) only costs the
compile time: a report never fails because of its cache.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket


def cache_dir() -> Path:
    # The usual per-user cache folder, worked out here: importing platformdirs costs ~30 ms.
    home = os.environ.get("LAUNCH_READY_HOME")
    if home:
        return Path(home) / "cache" / "templates"
    if sys.platform == "win32":
        root = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        root = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"  # the spec ignores a relative one
    return root / "launch-ready" / "templates"


class ForgivingBytecodeCache(FileSystemBytecodeCache):
    """FileSystemBytecodeCache that treats a cache it cannot read or write as an empty one."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError):  # unreadable or truncated entry
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def bytecode_cache() -> ForgivingBytecodeCache | None:
    try:
        folder = cache_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to be found
        return None
    return ForgivingBytecodeCache(str(folder), "%s.jinja")
