"""The repository-evidence probes through the real engine: findings, their statuses, and no secret in any output."""

from __future__ import annotations

import json
import secrets
import string

import pytest

from wizard.audit import Audit
from wizard.config import Config, Target
from wizard.model import Status

from repo_fixtures import LAYOUTS, git_repo

_ALNUM = string.ascii_letters + string.digits


def _secret(n: int = 40) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def audit_of(tmp_path, repo, url: str | None = None) -> Audit:
    config = Config(target=Target(repo=str(repo), url=url))
    audit = Audit.start(config, tmp_path / "session.json", name="repo")
    audit.run_probes(only=["repo"])
    return audit


def by_rule(audit: Audit) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in audit.session.findings:
        out.setdefault(f.rule, []).append(f)
    return out


@pytest.fixture
def shared_env_repo(tmp_path):
    shared, db_shared = _secret(), _secret(24)
    staging_pw, production_pw = _secret(20), _secret(20)
    files = dict(LAYOUTS["flask"]().files)
    files.update({
        ".env.example": "APP_ENV=\nSESSION_SECRET=changeme\nDATABASE_URL=\n",
        "config/staging.env": f"APP_ENV=staging\nSESSION_SECRET={shared}\nDATABASE_URL=postgres://ops:{staging_pw}@db-staging/ops\nLOG_LEVEL=debug\n",
        "config/production.env": f"APP_ENV=production\nSESSION_SECRET={shared}\nDATABASE_URL=postgres://ops:{production_pw}@db-prod/ops\n",
        "config/database.yml": f"development:\n  password: {db_shared}\nproduction:\n  password: {db_shared}\n",
    })
    repo = git_repo(tmp_path / "repo", files)
    return repo, [shared, db_shared, staging_pw, production_pw]


def test_shared_secrets_are_found_and_named_without_their_values(tmp_path, shared_env_repo):
    repo, values = shared_env_repo
    audit = audit_of(tmp_path, repo)
    found = by_rule(audit)
    shared = found["secrets.shared-across-environments"]
    assert len(shared) == 2 and all(f.status is Status.FAIL for f in shared)
    titles = sorted(f.title for f in shared)
    assert titles == ["The same secret is used in development and production", "The same secret is used in production and staging"]
    session_text = (tmp_path / "session.json").read_text()
    assert "SESSION_SECRET" in session_text and "config/staging.env:2" in session_text
    assert all(f.data["red_flag"] == "secret-handling.separate-env-secrets" for f in shared)
    committed = found["secrets.env-file-committed"]
    assert {f.location.path for f in committed} == {"config/staging.env", "config/production.env"}
    assert all(f.status is Status.FAIL for f in committed)

    # The evidence raises the red flag by itself, once.
    verdict = audit.verdict()
    assert [rf.question for rf in verdict.red_flags] == ["secret-handling.separate-env-secrets"]

    outputs = {"session": session_text}
    for fmt in ("json", "md", "html", "sarif"):
        outputs[fmt] = audit.export(fmt, tmp_path / f"report.{fmt}").read_text()
    for name, text in outputs.items():
        for value in values:
            assert value not in text, f"a secret value reached the {name} output"
    assert "REDACTED shared-env-secret" in outputs["md"]


def test_no_shared_secret_is_a_pass_that_names_what_was_compared(tmp_path):
    files = dict(LAYOUTS["flask"]().files)
    files.update({
        "config/staging.env": "APP_ENV=staging\nSESSION_SECRET=${SESSION_SECRET}\n",
        "config/production.env": "APP_ENV=production\nLOG_LEVEL=info\n",
        "deploy/values-staging.yaml": f"api:\n  token: {_secret()}\n",
        "deploy/values-production.yaml": f"api:\n  token: {_secret()}\n",
    })
    audit = audit_of(tmp_path, git_repo(tmp_path / "r", files))
    found = by_rule(audit)
    [ok] = found["secrets.shared-across-environments"]
    assert ok.status is Status.PASS and "production, staging" in ok.title
    [clean] = found["secrets.env-file-committed"]
    assert clean.status is Status.PASS


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_bare_repo_gaps_and_planted_signals_become_findings(tmp_path, name):
    layout = LAYOUTS[name]()
    bare = by_rule(audit_of(tmp_path / "a", layout.make(tmp_path / "bare")))
    assert bare["monitoring.error-tracking"][0].status is Status.WARN
    assert bare["monitoring.failed-login-logging"][0].title == "Failed logins are not logged"
    assert "monitoring.uptime-monitor" not in bare and "monitoring.alert-routing" not in bare  # absence is no evidence
    assert bare["auditlog.audit-trail"][0].status is Status.WARN
    [inventory] = bare["deploy.env-inventory"]
    assert set(inventory.data["env_vars"]) == layout.env_vars
    assert inventory.data["handover"]["env_vars"].endswith(", ".join(sorted(layout.env_vars)))

    monitored = by_rule(audit_of(tmp_path / "b", layout.make(tmp_path / "monitored", monitoring=True)))
    assert monitored["monitoring.error-tracking"][0].status is Status.PASS
    assert monitored["monitoring.failed-login-logging"][0].status is Status.PASS
    audited = by_rule(audit_of(tmp_path / "c", layout.make(tmp_path / "audited", audit=True)))
    assert audited["auditlog.audit-trail"][0].status is Status.PASS
    [coverage] = audited["auditlog.admin-actions-covered"]
    assert coverage.status is Status.WARN
    assert set(coverage.data["unaudited"]) == layout.admin_actions - layout.audited


def test_alert_rules_without_routes_warn_and_routes_fill_the_handover(tmp_path):
    layout = LAYOUTS["django"]()
    files = {**layout.files, **layout.monitoring}
    del files["ops/alertmanager.yml"]
    [unrouted] = by_rule(audit_of(tmp_path / "a", git_repo(tmp_path / "r1", files)))["monitoring.alert-routing"]
    assert unrouted.status is Status.WARN and unrouted.title == "Alert rules exist but route nowhere"
    [routed] = by_rule(audit_of(tmp_path / "b", layout.make(tmp_path / "r2", monitoring=True)))["monitoring.alert-routing"]
    assert routed.status is Status.PASS
    assert "Slack" in routed.title and "PagerDuty" in routed.title and "#ops-alerts" in routed.title
    assert "#ops-alerts" in routed.data["handover"]["alert_channel"]


def test_uptime_monitor_says_whether_it_checks_the_audited_address(tmp_path):
    repo = LAYOUTS["flask"]().make(tmp_path / "r", monitoring=True)
    [aimed] = by_rule(audit_of(tmp_path / "a", repo, url="https://admin.flask-ops.example"))["monitoring.uptime-monitor"]
    assert aimed.status is Status.PASS and aimed.data["checks_audited_host"]
    [other] = by_rule(audit_of(tmp_path / "b", repo, url="https://elsewhere.example"))["monitoring.uptime-monitor"]
    assert not other.data["checks_audited_host"] and "admin.flask-ops.example" in other.detail


def test_deploy_without_rollback_warns_and_with_rollback_passes(tmp_path):
    layout = LAYOUTS["fastapi"]()
    [warn] = by_rule(audit_of(tmp_path / "a", layout.make(tmp_path / "r1")))["deploy.rollback"]
    assert warn.status is Status.WARN and "no way to roll back" in warn.title
    files = {**layout.files, "docs/RUNBOOK.md": "## Rollback\n\n`fly releases rollback` returns to the previous release.\n"}
    [ok] = by_rule(audit_of(tmp_path / "b", git_repo(tmp_path / "r2", files)))["deploy.rollback"]
    assert ok.status is Status.PASS and "docs/RUNBOOK.md" in ok.data["handover"]["rollback_steps"]


def test_missing_repo_folder_is_skipped_with_the_reason(tmp_path):
    audit = audit_of(tmp_path, tmp_path / "gone")
    skipped = [f for f in audit.session.findings if f.probe.startswith("repo-")]
    assert skipped and all(f.status is Status.SKIPPED and "repository folder not found" in f.title for f in skipped)
    json.loads((tmp_path / "session.json").read_text())
