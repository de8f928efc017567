"""The demo repository's last commit: operations, in both builds, with the flawed build's gaps.

Both builds: error tracking (Sentry) started at boot, an audit helper and an audit table, Prometheus
alert rules, a deploy workflow, a Dockerfile, per-environment config files, release tags.
Fixed only: alert routing (Alertmanager to Slack and PagerDuty), an uptime monitor as code, failed
logins logged, every admin action audited, a rollback workflow and runbook, every env var documented.
Flawed only: the same session secret in config/staging.env and config/production.env (FLAWS.md F18/F19).
"""

from __future__ import annotations

MESSAGE = "Ops: error tracking, audit log, alert rules, deploy workflow, per-environment config"
TAGS = {-2: "v1.4.1", -1: "v1.4.2"}  # commit index -> release tag

MONITORING_PY = '''\
"""Error tracking (Sentry, tagged with environment and release) and the security log."""
import logging
import os

import sentry_sdk

security_log = logging.getLogger("security")


def init_error_tracking() -> None:
    sentry_sdk.init(
        dsn=os.environ.get("SENTRY_DSN"),
        environment=os.environ.get("APP_ENV", "development"),
        release=os.environ.get("GIT_SHA"),
        send_default_pii=False,
    )
'''

AUDIT_PY = '''\
"""Audit trail: one JSON line per admin action to the "audit" logger, shipped to the audit_log table."""
import json
import logging
import uuid
from datetime import datetime, timezone

audit_log = logging.getLogger("audit")


def audit(request, action: str, target_id, outcome: str) -> None:
    user = getattr(request.state, "user", None) or {}
    audit_log.info(json.dumps({
        "ts": datetime.now(timezone.utc).isoformat(),
        "actor_id": user.get("user"),
        "action": action,
        "target_id": str(target_id),
        "request_id": request.headers.get("x-request-id") or uuid.uuid4().hex,
        "outcome": outcome,
    }))
'''

MIGRATION_INIT = '''\
CREATE TABLE users (username text PRIMARY KEY, role text NOT NULL, salt bytea NOT NULL, password_hash bytea NOT NULL);
CREATE TABLE customers (id serial PRIMARY KEY, name text, company text, email text, plan text, owner text);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers(id), amount_cents int);
'''

MIGRATION_AUDIT = '''\
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    ts timestamptz NOT NULL DEFAULT now(),
    actor_id text NOT NULL,
    action text NOT NULL,
    target_id text,
    request_id text,
    outcome text NOT NULL
);
'''

ALERTS_YML = '''\
groups:
  - name: acme-ops-console
    rules:
      - alert: OpsConsoleHigh5xxRate
        expr: sum(rate(http_requests_total{job="acme-ops",status=~"5.."}[5m])) / sum(rate(http_requests_total{job="acme-ops"}[5m])) > 0.02
        for: 5m
        labels: {severity: page}
      - alert: OpsConsoleFailedLoginSpike
        expr: sum(increase(login_failures_total{job="acme-ops"}[10m])) > 20
        labels: {severity: warn}
'''

ALERTMANAGER_YML = '''\
route:
  receiver: ops-slack
  routes:
    - matchers: ['severity="page"']
      receiver: ops-pager
receivers:
  - name: ops-slack
    slack_configs:
      - channel: '#ops-alerts'
        api_url_file: /etc/alertmanager/slack-webhook
  - name: ops-pager
    pagerduty_configs:
      - routing_key_file: /etc/alertmanager/pagerduty-key
'''

UPTIME_TF = '''\
resource "betteruptime_monitor" "ops_console" {
  url             = "https://ops.acme-ops.example/health"
  monitor_type    = "status"
  check_frequency = 60
}
'''

DEPLOY_WORKFLOW = '''\
name: Deploy
on:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt && python -m pytest -q
  deploy:
    needs: test
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - run: deploy/deploy.sh
'''

ROLLBACK_WORKFLOW = '''\
name: Roll back
on:
  workflow_dispatch:
    inputs:
      release:
        description: "Release tag to put back, e.g. v1.4.1"
        required: true
jobs:
  rollback:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ inputs.release }}
      - run: deploy/deploy.sh
'''

RUNBOOK_MD = '''\
# Runbook

## Roll back a bad release
1. GitHub > Actions > "Roll back" > Run workflow, with the previous release tag (e.g. v1.4.1).
2. Migrations stay backward-compatible for one release, so no database step is needed.
3. Post the rollback in #ops-alerts.
'''

DOCKERFILE = '''\
FROM python:3.12-slim
WORKDIR /srv/acme-ops
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
'''

ENV_EXAMPLE_MORE = '''\
APP_ENV=
EXPORT_BUCKET=
SENTRY_DSN=
GIT_SHA=
DEPLOY_KEY_PATH=
'''

ADMIN_SET_ROLE = '''\


@auth.login_required(role="admin")
async def admin_set_role(request):
    data = await request.json()
    username = request.path_params["username"]
    db.set_role(username, data.get("role", ""))
    audit(request, "user.role_changed", username, "success")
    return JSONResponse({"ok": True})
'''


def _sub(text: str, old: str, new: str) -> str:
    if old not in text:
        raise AssertionError(f"demo repo template changed: {old[:50]!r} not found")
    return text.replace(old, new, 1)


def main_with_ops(main: str, fixed: bool) -> str:
    """app/main.py after the ops commit: Sentry at boot, audited admin actions, failed logins logged (fixed)."""
    main = _sub(main, "from app import auth, db, settings\n",
                "from app import auth, db, settings\nfrom app.audit import audit\n"
                "from app.monitoring import init_error_tracking, security_log\n")
    if fixed:
        main = _sub(main, '    if user is None:\n        return JSONResponse({"error": "invalid credentials"}, status_code=401)',
                    '    if user is None:\n        security_log.warning("login_failed", extra={"username": data.get("username", "")[:80]})\n'
                    '        return JSONResponse({"error": "invalid credentials"}, status_code=401)')
        main = _sub(main, '    return Response(buf.getvalue(), media_type="text/csv")',
                    '    audit(request, "customers.exported", "all", "success")\n    return Response(buf.getvalue(), media_type="text/csv")')
        main = _sub(main, '    db.issue_temporary_password(request.path_params["username"])\n',
                    '    db.issue_temporary_password(request.path_params["username"])\n'
                    '    audit(request, "user.password_reset", request.path_params["username"], "success")\n')
    main = _sub(main, "\n\nroutes = [", ADMIN_SET_ROLE + "\n\nroutes = [")
    main = _sub(main, '    Route("/admin/export", admin_export, methods=["GET"]),\n',
                '    Route("/admin/export", admin_export, methods=["GET"]),\n'
                '    Route("/admin/users/{username}/role", admin_set_role, methods=["POST"]),\n')
    return _sub(main, "app = Starlette(debug=settings.DEBUG, routes=routes)\n",
                "app = Starlette(debug=settings.DEBUG, routes=routes)\ninit_error_tracking()\n")


def env_files(fixed: bool, shared_secret: str) -> dict[str, str]:
    if fixed:
        return {
            "config/staging.env": "APP_ENV=staging\nLOG_LEVEL=debug\nEXPORT_BUCKET=acme-ops-exports-staging\n",
            "config/production.env": "APP_ENV=production\nLOG_LEVEL=info\nEXPORT_BUCKET=acme-ops-exports\n",
        }
    return {
        "config/staging.env": f"APP_ENV=staging\nLOG_LEVEL=debug\nSESSION_SECRET={shared_secret}\nEXPORT_BUCKET=acme-ops-exports-staging\n",
        "config/production.env": f"APP_ENV=production\nLOG_LEVEL=info\nSESSION_SECRET={shared_secret}\nEXPORT_BUCKET=acme-ops-exports\n",
    }


def ops_files(fixed: bool, main: str, env_example: str, requirements: str, shared_secret: str) -> dict[str, str]:
    files = {
        "app/monitoring.py": MONITORING_PY,
        "app/audit.py": AUDIT_PY,
        "app/main.py": main_with_ops(main, fixed),
        "migrations/0001_init.sql": MIGRATION_INIT,
        "migrations/0002_audit_log.sql": MIGRATION_AUDIT,
        "ops/alerts.yml": ALERTS_YML,
        ".github/workflows/deploy.yml": DEPLOY_WORKFLOW,
        "Dockerfile": DOCKERFILE,
        "requirements.txt": requirements,
        **env_files(fixed, shared_secret),
    }
    if fixed:
        files.update({
            "ops/alertmanager.yml": ALERTMANAGER_YML,
            "ops/uptime.tf": UPTIME_TF,
            ".github/workflows/rollback.yml": ROLLBACK_WORKFLOW,
            "docs/RUNBOOK.md": RUNBOOK_MD,
            ".env.example": env_example + ENV_EXAMPLE_MORE,
        })
    return files
