"""Where bundled data lives, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # An installed wheel carries the data under wizard/_data (hatch force-include);
    # a checkout or an editable install has it at the top of the repo.
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def checklists_dir() -> Path:
    return _data_dir("checklists")


def templates_dir() -> Path:
    return _data_dir("templates")


def default_checklist_dir() -> Path:
    return checklists_dir() / "internal-admin-app"


def user_home() -> Path:
    """Where the tool keeps its own state (sessions, the fingerprint key); LAUNCH_READY_HOME moves it."""
    import os

    env = os.environ.get("LAUNCH_READY_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("launch-ready", appauthor=False))
