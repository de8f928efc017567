"""Repository intelligence on generated repos (real git repos) of six stacks: what a user relies on.

For each stack: the framework is recognised (and picks the right fix snippets), the environment
variable names are exactly the ones the app reads (tests' own reads are not counted), and monitoring
and audit signals are found where a pack planted them and nowhere in the bare repo.
"""

from __future__ import annotations

import pytest

from wizard.repointel import analyse, cached_analysis
from wizard.repointel.files import RepoUnreadable

from repo_fixtures import LAYOUTS, git_repo

STACKS = sorted(LAYOUTS)


@pytest.mark.parametrize("name", STACKS)
def test_stack_is_detected_with_the_snippet_stack_it_maps_to(tmp_path, name):
    layout = LAYOUTS[name]()
    intel = analyse(layout.make(tmp_path / name))
    assert intel.stack.primary is not None, intel.stack
    assert intel.stack.primary.id == layout.stack
    assert intel.stack.snippet_stack == layout.snippet_stack
    assert intel.is_git and intel.head


@pytest.mark.parametrize("name", STACKS)
def test_env_var_names_are_listed_exactly(tmp_path, name):
    layout = LAYOUTS[name]()
    bare = analyse(layout.make(tmp_path / "bare"))
    assert set(bare.env_var_names) == layout.env_vars
    planted = analyse(layout.make(tmp_path / "monitored", monitoring=True))
    assert set(planted.env_var_names) == layout.env_vars | layout.monitoring_env
    for var in bare.env_vars:  # every name says where it was read
        assert var.sources and all(":" in s or "(" in s for s in var.sources), var


@pytest.mark.parametrize("name", STACKS)
def test_no_monitoring_or_audit_signal_in_the_bare_repo(tmp_path, name):
    intel = analyse(LAYOUTS[name]().make(tmp_path / name))
    for kind in ("error-tracking", "uptime-monitor", "alert-rule", "alert-route", "failed-login-logging", "audit-trail"):
        assert not intel.of(kind), (kind, intel.of(kind))
    assert not intel.error_tracking_installed
    assert intel.of("login-handler"), "each layout has its own login"


@pytest.mark.parametrize("name", STACKS)
def test_monitoring_signals_are_found_where_planted(tmp_path, name):
    layout = LAYOUTS[name]()
    intel = analyse(layout.make(tmp_path / name, monitoring=True))
    tracking = intel.of("error-tracking")
    assert tracking and all(s.hit.path in layout.monitoring for s in tracking), tracking
    logged = intel.of("failed-login-logging")
    assert logged and all(s.hit.path in layout.monitoring for s in logged), logged
    for kind in ("uptime-monitor", "alert-rule", "alert-route"):
        assert all(s.hit.path in layout.monitoring for s in intel.of(kind)), kind
    assert not intel.of("audit-trail")


@pytest.mark.parametrize("name", STACKS)
def test_admin_actions_and_audit_coverage(tmp_path, name):
    layout = LAYOUTS[name]()
    bare = analyse(layout.make(tmp_path / "bare"))
    assert {a.name for a in bare.admin_actions} == layout.admin_actions
    assert not any(a.audited for a in bare.admin_actions)
    audited = analyse(layout.make(tmp_path / "audited", audit=True))
    trail = audited.of("audit-trail")
    assert trail and all(s.hit.path in layout.audit for s in trail), trail
    assert {a.name for a in audited.admin_actions if a.audited} == layout.audited
    assert {a.name for a in audited.admin_actions if not a.audited} == layout.admin_actions - layout.audited


def test_alert_routes_name_the_channel(tmp_path):
    intel = analyse(LAYOUTS["django"]().make(tmp_path / "d", monitoring=True))
    assert {"slack_configs", "pagerduty_configs", "#ops-alerts"} <= set(intel.details("alert-route"))
    assert intel.details("alert-rule") == ["OpsConsoleHigh5xx"]
    rails = analyse(LAYOUTS["rails"]().make(tmp_path / "r", monitoring=True))
    assert {"slack-ops-alerts", "pagerduty-ops"} <= set(rails.details("alert-route"))


def test_hosting_and_ci(tmp_path):
    fastapi = analyse(LAYOUTS["fastapi"]().make(tmp_path / "f"))
    assert {h.id for h in fastapi.stack.hosting} >= {"fly", "docker"}
    assert [c.id for c in fastapi.stack.ci] == ["github-actions"]
    assert fastapi.of("deploy") and not fastapi.of("rollback")
    rails = analyse(LAYOUTS["rails"]().make(tmp_path / "r"))
    assert "kamal" in {h.id for h in rails.stack.hosting}
    assert rails.labels("migrations") == ["Rails migrations"]
    flask = analyse(LAYOUTS["flask"]().make(tmp_path / "fl"))
    assert "heroku" in {h.id for h in flask.stack.hosting}


def test_rollback_signals(tmp_path):
    files = dict(LAYOUTS["fastapi"]().files)
    files[".github/workflows/rollback.yml"] = (
        "name: Roll back\non:\n  workflow_dispatch:\n    inputs:\n      version:\n        required: true\n"
        "jobs:\n  rollback:\n    runs-on: ubuntu-latest\n    steps:\n      - run: flyctl deploy --image registry.fly.io/ops:${{ inputs.version }}\n")
    intel = analyse(git_repo(tmp_path / "r", files, tags=("v1.0.0", "v1.1.0")))
    assert {s.rule for s in intel.of("rollback")} >= {"deploy-chosen-version"}
    assert intel.release_tags == ["v1.0.0", "v1.1.0"]


def test_untracked_files_are_never_read(tmp_path):
    repo = LAYOUTS["flask"]().make(tmp_path / "f")
    (repo / ".env").write_text("FLASK_SECRET_KEY=s3cr3t-value-on-my-laptop-only\nLOCAL_ONLY=1\n")
    (repo / "local.py").write_text('import os\nos.environ["UNTRACKED_VAR"]\n')
    intel = analyse(repo)
    assert "LOCAL_ONLY" not in intel.env_var_names and "UNTRACKED_VAR" not in intel.env_var_names
    assert not intel.env_files


def test_a_plain_folder_is_walked_and_a_missing_one_is_a_clear_error(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "app.py").write_text('from flask import Flask\nimport os\nKEY = os.getenv("PLAIN_KEY")\n')
    (folder / "node_modules" / "x").mkdir(parents=True)
    (folder / "node_modules" / "x" / "i.js").write_text("process.env.FROM_A_DEPENDENCY\n")
    intel = analyse(folder)
    assert not intel.is_git and intel.stack.primary.id == "flask"
    assert intel.env_var_names == ["PLAIN_KEY"]
    with pytest.raises(RepoUnreadable, match="does not exist"):
        analyse(tmp_path / "nope")


def test_kubernetes_and_compose_declare_names_and_helm_templates_are_skipped(tmp_path):
    files = dict(LAYOUTS["express"]().files)
    files["k8s/deployment.yaml"] = (
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
        "        - name: web\n          image: ops:1\n          env:\n            - name: FEATURE_FLAGS_URL\n"
        "              value: https://flags.internal\n            - name: SESSION_SECRET\n"
        "              valueFrom: {secretKeyRef: {name: ops, key: session}}\n")
    files["chart/templates/deploy.yaml"] = "containers:\n{{- range .Values.env }}\n  - name: {{ .name }}\n{{- end }}\n"
    intel = analyse(git_repo(tmp_path / "k", files))
    names = {v.name: v for v in intel.env_vars}
    assert "FEATURE_FLAGS_URL" in names and names["FEATURE_FLAGS_URL"].documented
    assert names["SESSION_SECRET"].documented  # read in code, declared in the manifest
    assert names["NODE_ENV"].documented and not names["STRIPE_API_KEY"].documented
    assert "kubernetes" in {h.id for h in intel.stack.hosting}


def test_a_git_folder_git_cannot_read_is_refused_not_walked(tmp_path):
    folder = tmp_path / "broken"
    (folder / ".git").mkdir(parents=True)
    (folder / ".env").write_text("SECRET_KEY=local-only-value-123456\n")
    with pytest.raises(RepoUnreadable, match="git cannot read"):
        analyse(folder)


def test_analysis_is_cached_per_repository_state(tmp_path):
    repo = LAYOUTS["express"]().make(tmp_path / "e")
    first = cached_analysis(repo)
    assert cached_analysis(repo) is first
    (repo / "src" / "more.js").write_text("const x = process.env.ADDED_LATER;\n")
    git_add = __import__("subprocess").run(["git", "add", "-A"], cwd=repo, capture_output=True)
    assert git_add.returncode == 0
    second = cached_analysis(repo)
    assert second is not first and "ADDED_LATER" in second.env_var_names


def test_bad_rules_file_names_the_rule(tmp_path):
    from wizard.errors import UserError
    from wizard.repointel.rules import DEFAULT_RULES, load_rules

    bad = tmp_path / "signals.toml"
    bad.write_text(DEFAULT_RULES.read_text().replace('kind = "audit-trail"', 'kind = "audit-trial"', 1))
    with pytest.raises(UserError) as info:
        load_rules(bad)
    assert "audit-trial" in str(info.value) and str(bad) in str(info.value)


def test_the_run_keeps_the_stack_so_the_report_shows_its_snippets(tmp_path):
    """The wizard and the PDF agree on the fix snippets: the run records the stack the repo showed."""
    from wizard.audit import Audit
    from wizard.config import Config, Target
    from wizard.report.data import report_stack

    repo = LAYOUTS["django"]().make(tmp_path / "app")
    audit = Audit.start(Config(target=Target(repo=str(repo))), tmp_path / "s.json")
    assert report_stack(audit.session) == ""  # nothing read yet: the generic snippets
    audit.run_probes(only=["repo-deploy"])
    assert audit.session.data.runs[-1].stack == "django"
    assert report_stack(audit.session) == "django"
    audit.config.target.stack = "flask"  # the config's word wins
    audit.session.data.target = audit.config.public_dict()
    assert report_stack(audit.session) == "flask"
