"""The bundled demo target for ``launch-ready demo``: a flawed and a fixed build of a small
internal admin app (``app``), a loopback HTTPS/HTTP server for it (``server``) and a git
repository that looks like its source, with fake planted secrets (``repo``).
See ``FLAWS.md`` beside this file for the planted flaws.

Names are re-exported lazily so ``import wizard.demo.repo`` does not pull in uvicorn.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DEMO_PASSWORDS": "wizard.demo.app",
    "DEMO_ROLE_ENV": "wizard.demo.app",
    "build_app": "wizard.demo.app",
    "demo_env": "wizard.demo.app",
    "DemoServer": "wizard.demo.server",
    "DemoRepo": "wizard.demo.repo",
    "PlantedSecret": "wizard.demo.repo",
    "make_demo_repo": "wizard.demo.repo",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wizard.demo' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
