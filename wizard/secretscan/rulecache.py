"""The default rule file, parsed once and kept between runs.

Parsing ~50 KB of TOML (and importing tomllib) costs ~35 ms of every scan's start, about 5% of a
history scan of a mid-sized repository. The parsed document is stored with `marshal` under the
sha256 of the file's bytes, so an edited rule file is simply parsed again. The cache lives in the
user's cache folder (under LAUNCH_READY_HOME when that is set); any trouble with it (read-only
disk, odd permissions, a damaged entry) only costs the parse.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path


def cache_dir() -> Path:
    home = os.environ.get("LAUNCH_READY_HOME")
    if home:
        return Path(home) / "cache" / "rules"
    if sys.platform.startswith("linux"):  # what platformdirs answers on Linux, without its import
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return Path(base) / "launch-ready" / "rules"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("launch-ready", appauthor=False)) / "rules"


def _entry(data: bytes) -> Path:
    return cache_dir() / f"{hashlib.sha256(data).hexdigest()[:32]}.marshal"


def load(data: bytes) -> dict | None:
    try:
        doc = marshal.loads(_entry(data).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return doc if isinstance(doc, dict) else None


def store(data: bytes, doc: dict) -> None:
    try:
        blob = marshal.dumps(doc)
    except ValueError:  # a TOML date or time: not worth caching
        return
    path = _entry(data)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(blob)
        os.replace(tmp, path)  # atomic: a concurrent scan reads the old entry or the new one
    except OSError:
        pass
