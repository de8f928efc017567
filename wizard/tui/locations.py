"""Where the wizard keeps its sessions: one place, overridable for tests and portable setups."""

from __future__ import annotations

from pathlib import Path


def home() -> Path:
    from wizard.paths import user_home

    return user_home()


def sessions_dir() -> Path:
    return home() / "sessions"
