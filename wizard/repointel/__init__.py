"""Repository intelligence: read-only static analysis of the app's repository. No code is ever executed.

`analyse(repo)` gives the stack (languages, frameworks, hosting, CI), the environment variable NAMES the
app reads, committed .env-style files, per-environment configuration and secrets shared across it,
and signals for monitoring, audit logging and deployment. The detector rules are data
(`signals.toml`); the modules here only apply them. Results are cached per repository state, so the
probes of one run (and the TUI's snippet choice) share one analysis.
"""

from __future__ import annotations

import threading
from pathlib import Path

from wizard.repointel.environments import analyse_environments, committed_env_paths
from wizard.repointel.envvars import env_inventory
from wizard.repointel.files import RepoFiles, RepoUnreadable
from wizard.repointel.model import RepoIntel, Stack
from wizard.repointel.rules import DEFAULT_RULES, load_rules
from wizard.repointel.signals import find_admin_actions, find_signals, uptime_targets
from wizard.repointel.stack import dependencies, detect_stack

__all__ = ["RepoIntel", "RepoUnreadable", "Stack", "analyse", "cached_analysis", "stack_of"]

_cache: dict[tuple, RepoIntel] = {}
_lock = threading.Lock()


def analyse(root: Path, rules_path: Path = DEFAULT_RULES) -> RepoIntel:
    """Analyse the repository at `root`. Raises RepoUnreadable when it is not a readable folder."""
    rules = load_rules(rules_path)
    repo = RepoFiles.open(Path(root), rules)
    deps = dependencies(repo)
    stack = detect_stack(repo, deps)
    env_files, env_configs, compared, shared = analyse_environments(repo)
    signals = find_signals(repo)
    intel = RepoIntel(
        root=str(repo.root),
        head=repo.head,
        is_git=repo.is_git,
        files_seen=len(repo.paths),
        truncated=repo.truncated,
        stack=stack,
        env_vars=env_inventory(repo, committed_env_paths(repo)),
        env_files=env_files,
        environment_configs=env_configs,
        secrets_compared=compared,
        shared_secrets=shared,
        signals=signals,
        error_tracking_installed=sorted(d for d in deps if d in rules.error_tracking_dependencies),
        admin_actions=find_admin_actions(repo),
        release_tags=repo.tags,
        uptime_targets=uptime_targets(repo, signals),
    )
    return intel


def _state_key(root: Path) -> tuple:
    """What identifies the analysed state: the folder, its HEAD commit and the index's mtime."""
    root = Path(root).resolve()
    git = root / ".git"
    head = index = ""
    try:
        head = (git / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
        if head.startswith("ref: "):
            ref = git / head[5:]
            head = ref.read_text(encoding="utf-8").strip() if ref.exists() else head
        index = str((git / "index").stat().st_mtime_ns)
    except OSError:
        pass
    try:
        folder = str(root.stat().st_mtime_ns)
    except OSError:
        folder = ""
    return (str(root), head, index, folder)


def cached_analysis(root: Path) -> RepoIntel:
    """`analyse`, once per repository state: concurrent callers wait for the first one's result."""
    key = _state_key(root)
    with _lock:
        hit = _cache.get(key)
        if hit is None:
            hit = analyse(root)
            _cache[key] = hit
        return hit


def stack_of(root: Path) -> Stack:
    return cached_analysis(root).stack
