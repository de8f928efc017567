"""Run chosen probes through the real engine against a real target, for ground-truth tests."""

from __future__ import annotations

from pathlib import Path

from wizard.checklist import load_checklist
from wizard.config import Config, load_config, resolve_credentials
from wizard.engine.runner import Engine, RunSummary
from wizard.model import Finding
from wizard.paths import default_checklist_dir
from wizard.probes import load_probe
from wizard.session import AuditSession, ChecklistRef


def run_probes(config: Config, env: dict[str, str], probe_ids: list[str], *,
               allow_delete: bool = False) -> tuple[list[Finding], RunSummary]:
    checklist = load_checklist(default_checklist_dir())
    session = AuditSession.create(None, ChecklistRef(id=checklist.id, version=checklist.version), config.public_dict())
    engine = Engine(checklist, config, resolve_credentials(config, env), allow_delete=allow_delete)
    summary = engine.run(session, [load_probe(p) for p in probe_ids])
    return session.findings, summary


def demo_config(workdir: Path, server, repo_path: Path, fixed: bool, **changes) -> Config:
    """The config `launch-ready demo` writes, with optional changes (consent, limits)."""
    from wizard.demo.run import _write_config

    config = load_config(_write_config(workdir, server, repo_path, fixed))
    for dotted, value in changes.items():
        section, _, key = dotted.partition("__")
        setattr(getattr(config, section), key, value)
    return config


def ledger_config(workdir: Path, base_url: str, *, write: bool = False, budget: int | None = None) -> Config:
    from targets.ledger_api import config_toml

    (workdir / "endpoints.txt").write_text("# routes the team wrote down\nGET /v1/internal/debug\n", encoding="utf-8")
    extra = f"\n[limits]\nrequest_budget = {budget}\n" if budget else ""
    path = workdir / "launch-ready.toml"
    path.write_text(config_toml(base_url, write=write, endpoints_list="endpoints.txt", extra=extra), encoding="utf-8")
    return load_config(path)


def bad(findings: list[Finding]) -> list[Finding]:
    """Findings that would show as a problem: fail, warn, or unknown."""
    return [f for f in findings if f.status.value in ("fail", "warn", "unknown")]


def titles(findings: list[Finding], rule: str | None = None) -> set[str]:
    return {f.title for f in findings if f.status.value in ("fail", "warn") and (rule is None or f.rule == rule)}
