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
