"""Shared fixtures. System binaries: a missing one is a skip locally (with how to get it), a failure in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py, tests/servers.py

PACKAGES = {"pdftotext": "poppler-utils", "pdffonts": "poppler-utils", "pdfdetach": "poppler-utils",
            "pdftoppm": "poppler-utils", "nsd": "nsd", "tmux": "tmux", "openssl": "openssl"}


# A child process's own peak memory, as an expression for `python -c` scripts. Not ru_maxrss: Linux
# carries the parent's high-water mark across fork and exec into it, so a child of a 200 MB pytest
# would report at least 200 MB. VmHWM belongs to the child's own address space.
CHILD_PEAK_MB = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]) / 1024"


def require_binary(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
    if path:
        return path
    hint = f"'{name}' is missing; install it with: sudo apt-get install {PACKAGES.get(name, name)} (or run ./scripts/system-deps.sh)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(hint)
    pytest.skip(hint)


def pdf_text(pdf: Path) -> str:
    exe = require_binary("pdftotext")
    return subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def normalise(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def pdftext():
    return pdf_text
