"""Routes found statically in the app's source: nothing is imported, run or evaluated.

Python files are parsed with `ast` (Flask, FastAPI, Starlette, Django); JavaScript/TypeScript and
Ruby are read with patterns (Express, Next.js API routes, Rails `config/routes.rb`). Prefixes
given where a router is mounted (`include_router`, `register_blueprint`, `Mount`, `app.use`,
Django `include`, Rails `namespace`) are followed across files where the code names them plainly.
The dangerous routes are often the undocumented ones, so these are always merged with the rest.
"""

from __future__ import annotations

import os
from pathlib import Path

from wizard.inventory.model import Endpoint

SKIP_DIRS = {
    ".git", "node_modules", ".venv", "venv", "env", "__pycache__", "dist", "build", ".next", "vendor",
    "site-packages", ".tox", ".mypy_cache", ".pytest_cache", "coverage", "target", ".idea", ".vscode",
    "migrations", "fixtures", "__snapshots__",
}
TEST_DIRS = {"test", "tests", "__tests__", "spec", "e2e", "cypress"}
MAX_FILE_BYTES = 1_000_000
MAX_FILES = 20_000
PY_EXT = (".py",)
JS_EXT = (".js", ".mjs", ".cjs", ".ts", ".mts", ".jsx", ".tsx")


def _files(root: Path):
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d not in TEST_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(("test_", ".")) or ".test." in name or ".spec." in name or name.endswith("_test.py"):
                continue
            path = Path(dirpath) / name
            if not name.endswith(PY_EXT + JS_EXT + (".rb",)):
                continue
            try:
                if path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
                    continue
            except OSError:
                continue
            count += 1
            if count > MAX_FILES:
                return
            yield path


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def extract_routes(root: Path) -> list[Endpoint]:
    """Every route the source declares, with `file:line` origins (paths relative to `root`)."""
    from wizard.inventory.source import javascript, python, rails

    root = Path(root)
    py_files: dict[str, str] = {}
    js_files: dict[str, str] = {}
    out: list[Endpoint] = []
    for path in _files(root):
        rel = path.relative_to(root).as_posix()
        text = _read(path)
        if text is None:
            continue
        if rel.endswith(PY_EXT):
            py_files[rel] = text
        elif rel.endswith(JS_EXT):
            js_files[rel] = text
        elif rel.endswith("config/routes.rb"):
            out += rails.extract(text, rel)
    out += python.extract(py_files)
    out += javascript.extract(js_files)
    return out
