"""Where the wizard keeps its sessions: one place, overridable for tests and portable setups."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    env = os.environ.get("LAUNCH_READY_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("launch-ready", appauthor=False))


def sessions_dir() -> Path:
    return home() / "sessions"
