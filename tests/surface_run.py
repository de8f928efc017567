"""Run the HTTP-surface probes through the real engine against a target, and read the verdicts back."""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

from wizard.audit import Audit
from wizard.checklist import Checklist, load_checklist
from wizard.config import Config, resolve_credentials
from wizard.model import STATUS_RANK, Finding
from wizard.paths import default_checklist_dir
from wizard.session import AuditSession, ChecklistRef

SURFACE_PROBES = ["http-surface", "cookies", "cors", "csrf", "exposure", "bundles", "health"]
PROFILE_ENDPOINTS = "GET / public\nGET /login public\nGET /health public\nGET /api/me\nPOST /logout\n"
USER_ENV = {"LR_TEST_USER": "tester", "LR_TEST_PASS": "tester-password-123"}


def make_config(tmp: Path, url: str, *, http_url: str | None = None, ca: Path | None = None, scope: list[str] | None = None,
                endpoints: str | None = PROFILE_ENDPOINTS, login: bool = True, limits: dict | None = None) -> Config:
    target: dict = {"url": url}
    if http_url:
        target["http_url"] = http_url
    if ca:
        target["ca_bundle"] = str(ca)
    if scope:
        target["scope"] = scope
    data: dict = {"target": target, "limits": {"rate_per_host": 50, "request_timeout": 3.0, "probe_timeout": 30.0, **(limits or {})}}
    if endpoints is not None:
        (tmp / "endpoints.txt").write_text(endpoints)
        data["endpoints"] = {"list": "endpoints.txt"}
    if login:
        data["roles"] = {"tester": {"login": {"route": "POST /login", "username_env": "LR_TEST_USER", "password_env": "LR_TEST_PASS"}}}
        data["consent"] = {"login": True}
    config = Config.model_validate(data)
    config.base_dir = str(tmp)
    return config


@lru_cache(maxsize=1)
def default_checklist() -> Checklist:
    return load_checklist(default_checklist_dir())  # ~1 s of YAML and validation: once per test session


def run_surface(config: Config, probes: list[str] | None = None) -> tuple[list[Finding], object, float]:
    """(findings, run summary, seconds) for the HTTP-surface probes (or the ones named)."""
    checklist = default_checklist()
    session = AuditSession.create(None, ChecklistRef(id=checklist.id, version=checklist.version), config.public_dict())
    audit = Audit(checklist, config, session, resolve_credentials(config, USER_ENV))
    started = time.perf_counter()
    # `csrf` also names the active CSRF check's area; it is issue 8's (write tier), not the surface's
    summary = audit.run_probes(only=probes or SURFACE_PROBES, skip=["csrf-active"])
    return list(audit.session.findings), summary, time.perf_counter() - started


def assert_ran_ok(summary, probes: list[str] | None = None) -> None:
    """Every probe asked for (and any other its area names pulled in) ran to the end."""
    assert set(probes or SURFACE_PROBES) <= summary.outcomes.keys(), summary.outcomes
    assert set(summary.outcomes.values()) == {"ok"}, summary.outcomes


def verdicts(findings: list[Finding]) -> dict[str, str]:
    """rule -> the worst status among its findings."""
    out: dict[str, str] = {}
    for f in findings:
        if f.rule not in out or STATUS_RANK[f.status] > STATUS_RANK[type(f.status)(out[f.rule])]:
            out[f.rule] = f.status.value
    return out
