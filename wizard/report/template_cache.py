"""Compiled report templates kept between runs: compiling them costs ~0.15 s of every report.

Jinja checks each cached entry against its template's source checksum (and its own and Python's version),
so an edited template is recompiled. The cache lives in the user's cache folder (under
LAUNCH_READY_HOME when that is set). Any trouble with it (read-only disk, odd permissions) only costs the
compile time: a report never fails because of its cache.
"""

from __future__ import annotations

import os
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket


def cache_dir() -> Path:
    home = os.environ.get("LAUNCH_READY_HOME")
    if home:
        return Path(home) / "cache" / "templates"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("launch-ready", appauthor=False)) / "templates"


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
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return ForgivingBytecodeCache(str(folder), "%s.jinja")
