"""Generated application repositories (real git repos in temp dirs) for repository-intelligence tests.

Each layout is a small but realistic app of one stack: a login, admin actions, env var reads, tests that
read env vars of their own (which must not count). "Packs" plant monitoring and audit-logging signals;
a bare repo carries none of them, so a signal found there is a false positive.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C",
           "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.test", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "t@example.test", "GIT_AUTHOR_DATE": "2024-05-01T10:00:00Z",
           "GIT_COMMITTER_DATE": "2024-05-01T10:00:00Z"}


def git_repo(path: Path, files: dict[str, str], tags: tuple[str, ...] = ()) -> Path:
    """A real git repository at `path` with `files` committed in one commit (and optional tags)."""
    path.mkdir(parents=True, exist_ok=True)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, **GIT_ENV}

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args], cwd=path, env=env,
                       check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    for rel, text in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git("add", "-A")
    git("commit", "-q", "-m", "app")
    for tag in tags:
        git("tag", tag)
    return path


@dataclass
class Layout:
    stack: str  # framework id expected first
    snippet_stack: str | None
    files: dict[str, str]
    env_vars: set[str]  # exactly the names expected (tests' own reads excluded)
    admin_actions: set[str]
    monitoring: dict[str, str] = field(default_factory=dict)  # pack: error tracking, failed logins, alerts
    monitoring_env: set[str] = field(default_factory=set)  # names the monitoring pack adds
    audit: dict[str, str] = field(default_factory=dict)  # pack: an audit trail, used by SOME admin actions
    audited: set[str] = field(default_factory=set)  # admin actions the audit pack covers

    def make(self, path: Path, *, monitoring: bool = False, audit: bool = False) -> Path:
        files = dict(self.files)
        if monitoring:
            files.update(self.monitoring)
        if audit:
            files.update(self.audit)
        return git_repo(path, files)


def django() -> Layout:
    views = '''\
from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse
from django.contrib.auth import authenticate, login
@@IMPORT@@

def login_view(request):
    user = authenticate(request, username=request.POST["username"], password=request.POST["password"])
    if user is None:
        return JsonResponse({"error": "invalid"}, status=401)
    login(request, user)
    return JsonResponse({"ok": True})


@staff_member_required
def admin_change_role(request, pk):
    user = User.objects.get(pk=pk)
    user.role = request.POST["role"]
    user.save()
@@AUDIT@@    return JsonResponse({"ok": True})


@staff_member_required
def admin_export_tickets(request):
    rows = list(Ticket.objects.values())
    return JsonResponse({"rows": rows})


def ticket_list(request):
    return JsonResponse({"tickets": list(Ticket.objects.values("id", "title"))})
'''
    base = {
        "manage.py": 'import os\nimport sys\n\nif __name__ == "__main__":\n    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsconsole.settings")\n',
        "requirements.txt": "Django==5.0.3\npsycopg==3.1.18\ndjango-environ==0.11.2\ngunicorn==21.2.0\n",
        "opsconsole/__init__.py": "",
        "opsconsole/settings.py": '''\
import os
import environ

env = environ.Env()
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = env.bool("DJANGO_DEBUG", default=False)
DATABASES = {"default": env.db("DATABASE_URL")}
ALLOWED_HOSTS = os.getenv("ALLOWED_HOSTS", "").split(",")
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "tickets"]
''',
        "opsconsole/urls.py": '''\
from django.urls import path
from tickets import views

urlpatterns = [
    path("login/", views.login_view),
    path("admin-tools/users/<int:pk>/role/", views.admin_change_role),
    path("admin-tools/export/", views.admin_export_tickets),
    path("tickets/", views.ticket_list),
]
''',
        "tickets/__init__.py": "",
        "tickets/models.py": "from django.db import models\n\n\nclass Ticket(models.Model):\n    title = models.CharField(max_length=200)\n",
        "tickets/views.py": views.replace("@@IMPORT@@", "").replace("@@AUDIT@@", ""),
        "tickets/migrations/__init__.py": "",
        "tickets/migrations/0001_initial.py": "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = []\n",
        ".env.example": "DJANGO_SECRET_KEY=\nDATABASE_URL=postgres://user:password@localhost/ops\n",
        "tests/test_views.py": 'import os\nos.environ["TEST_ONLY_FLAG"] = "1"\nTOKEN = os.environ.get("TEST_ONLY_TOKEN")\n',
    }
    return Layout(
        "django", "django", base,
        {"DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL", "ALLOWED_HOSTS"},
        {"admin_change_role", "admin_export_tickets"},
        monitoring={
            "opsconsole/settings.py": base["opsconsole/settings.py"]
            + 'import sentry_sdk\nsentry_sdk.init(dsn=os.environ.get("SENTRY_DSN"), environment=env("APP_ENV"))\n',
            "tickets/signals.py": '''\
import logging
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request, **kwargs):
    logging.getLogger("security").warning("login_failed")
''',
            "ops/alerts.yml": '''\
groups:
  - name: ops-console
    rules:
      - alert: OpsConsoleHigh5xx
        expr: sum(rate(http_requests_total{status=~"5.."}[5m])) > 1
        for: 5m
''',
            "ops/alertmanager.yml": '''\
route:
  receiver: ops
receivers:
  - name: ops
    slack_configs:
      - channel: '#ops-alerts'
    pagerduty_configs:
      - routing_key_file: /etc/alertmanager/pd
''',
        },
        monitoring_env={"SENTRY_DSN", "APP_ENV"},
        audit={
            "tickets/models.py": base["tickets/models.py"]
            + "\n\nclass AuditLog(models.Model):\n    actor_id = models.IntegerField()\n    action = models.CharField(max_length=80)\n",
            "tickets/views.py": views.replace("@@IMPORT@@", "from tickets.models import AuditLog").replace(
                "@@AUDIT@@", '    AuditLog.objects.create(actor_id=request.user.pk, action="user.role_changed")\n'),
        },
        audited={"admin_change_role"},
    )


def flask() -> Layout:
    app = '''\
import os
from functools import wraps

from flask import Flask, abort, jsonify, request, session
@@IMPORT@@
app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
DB_URL = os.environ.get("DATABASE_URL")


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if session.get("role") != "admin":
            abort(403)
        return view(*args, **kwargs)
    return wrapper


@app.post("/login")
def login():
    user = check_password(request.form["username"], request.form["password"])
    if user is None:
@@LOGFAIL@@        return jsonify(error="invalid credentials"), 401
    session["uid"] = user.id
    return jsonify(ok=True)


@app.post("/admin/users/<int:uid>/delete")
@admin_required
def admin_delete_user(uid):
    db.delete_user(uid)
@@AUDIT@@    return jsonify(ok=True)


@app.route("/admin/export")
@admin_required
def admin_export():
    return jsonify(rows=db.all_customers())


@app.get("/customers")
def customers():
    return jsonify(rows=db.customers_for(session["uid"]))
'''
    base = {
        "requirements.txt": "Flask==3.0.2\nSQLAlchemy==2.0.28\ngunicorn==21.2.0\n",
        "app.py": app.replace("@@IMPORT@@", "").replace("@@LOGFAIL@@", "").replace("@@AUDIT@@", ""),
        "Procfile": "web: gunicorn app:app\n",
        "README.md": "# Ops\n\nSet FLASK_SECRET_KEY and DATABASE_URL.\n",
        "tests/test_app.py": 'import os\nos.environ.setdefault("FLASK_TESTING_ONLY", "1")\n',
    }
    return Layout(
        "flask", "flask", base, {"FLASK_SECRET_KEY", "DATABASE_URL"}, {"admin_delete_user", "admin_export"},
        monitoring={
            "app.py": app.replace("@@IMPORT@@", "import sentry_sdk\nsentry_sdk.init(dsn=os.environ[\"SENTRY_DSN\"])\n")
            .replace("@@LOGFAIL@@", '        app.logger.warning("login failed for %s", request.form["username"])\n')
            .replace("@@AUDIT@@", ""),
            "monitoring/uptime.tf": '''\
resource "betteruptime_monitor" "admin" {
  url          = "https://admin.flask-ops.example/healthz"
  monitor_type = "status"
}
''',
        },
        monitoring_env={"SENTRY_DSN"},
        audit={
            "app.py": app.replace("@@IMPORT@@", "import logging\naudit_log = logging.getLogger(\"audit\")\n")
            .replace("@@LOGFAIL@@", "")
            .replace("@@AUDIT@@", '    audit_log.info("user.deleted", extra={"target_id": uid})\n'),
        },
        audited={"admin_delete_user"},
    )


def fastapi() -> Layout:
    main = '''\
import os

from fastapi import Depends, FastAPI
@@IMPORT@@
from app.config import Settings

app = FastAPI()
settings = Settings()
REDIS_URL = os.getenv("REDIS_URL")


@app.post("/api/auth/login")
async def login(form: LoginForm):
    return await auth.login(form)


@app.post("/admin/users/{user_id}/role", dependencies=[Depends(require_admin)])
async def set_user_role(user_id: int, body: RoleChange):
    await users.set_role(user_id, body.role)
@@AUDIT@@    return {"ok": True}


@app.delete("/admin/customers/{cid}", dependencies=[Depends(require_admin)])
async def remove_customer(cid: int):
    await customers.delete(cid)
    return {"ok": True}


@app.get("/api/customers")
async def list_customers():
    return await customers.all()
'''
    base = {
        "requirements.txt": "fastapi==0.110.0\nuvicorn[standard]==0.29.0\npydantic-settings==2.2.1\n",
        "app/__init__.py": "",
        "app/config.py": '''\
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPS_")

    database_url: str
    jwt_secret: str
    debug: bool = False
''',
        "app/main.py": main.replace("@@IMPORT@@", "").replace("@@AUDIT@@", ""),
        "Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nCMD [\"uvicorn\", \"app.main:app\"]\n",
        "fly.toml": 'app = "ops-console"\n[http_service]\ninternal_port = 8000\n',
        ".github/workflows/deploy.yml": '''\
name: Deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: flyctl deploy --remote-only
''',
    }
    return Layout(
        "fastapi", "fastapi", base, {"OPS_DATABASE_URL", "OPS_JWT_SECRET", "OPS_DEBUG", "REDIS_URL"},
        {"set_user_role", "remove_customer"},
        monitoring={
            "app/main.py": main.replace("@@IMPORT@@", "import sentry_sdk\n\nsentry_sdk.init(dsn=os.getenv(\"SENTRY_DSN\"))\n")
            .replace("@@AUDIT@@", ""),
            "app/auth.py": '''\
import logging

log = logging.getLogger("security")


async def login(form):
    user = await check(form)
    if user is None:
        log.warning("failed login for %s", form.username)
        raise Unauthorized()
    return user
''',
        },
        monitoring_env={"SENTRY_DSN"},
        audit={
            "app/main.py": main.replace("@@IMPORT@@", "from app.audit import audit_event\n")
            .replace("@@AUDIT@@", '    await audit_event("user.role_changed", target_id=user_id)\n'),
            "migrations/0002_audit.sql": "CREATE TABLE audit_events (id bigserial primary key, actor_id bigint, action text);\n",
        },
        audited={"set_user_role"},
    )


def express() -> Layout:
    server = '''\
const express = require("express");
@@IMPORT@@
const { DATABASE_URL, SESSION_SECRET } = process.env;
const port = process.env.PORT || 3000;
const stripeKey = process.env["STRIPE_API_KEY"];
const app = express();

app.post("/login", async (req, res) => {
  const user = await checkPassword(req.body.username, req.body.password);
  if (!user) {
@@LOGFAIL@@    return res.status(401).json({ error: "invalid credentials" });
  }
  res.json({ ok: true });
});

app.post("/admin/users/:id/role", requireAdmin, async (req, res) => {
  await users.setRole(req.params.id, req.body.role);
@@AUDIT@@  res.json({ ok: true });
});

app.delete("/admin/users/:id", requireAdmin, async (req, res) => {
  await users.remove(req.params.id);
  res.json({ ok: true });
});

app.get("/admin/users", requireAdmin, async (req, res) => res.json(await users.all()));

app.listen(port);
'''
    base = {
        "package.json": '{\n  "name": "ops-console",\n  "dependencies": {"express": "^4.19.2", "pg": "^8.11.3"}\n}\n',
        "src/server.js": server.replace("@@IMPORT@@", "").replace("@@LOGFAIL@@", "").replace("@@AUDIT@@", ""),
        "docker-compose.yml": '''\
services:
  web:
    build: .
    environment:
      - NODE_ENV=production
      - DATABASE_URL=${DATABASE_URL}
''',
        "src/server.test.js": 'process.env.JEST_ONLY_SECRET = "x";\nconst t = process.env.JEST_ONLY_TOKEN;\n',
    }
    return Layout(
        "express", "express", base, {"DATABASE_URL", "SESSION_SECRET", "PORT", "STRIPE_API_KEY", "NODE_ENV"},
        {"POST /admin/users/:id/role", "DELETE /admin/users/:id"},
        monitoring={
            "package.json": '{\n  "name": "ops-console",\n  "dependencies": {"express": "^4.19.2", "pg": "^8.11.3", "@sentry/node": "^8.0.0"}\n}\n',
            "src/instrument.js": 'const Sentry = require("@sentry/node");\nSentry.init({ dsn: process.env.SENTRY_DSN });\n',
            "src/server.js": server.replace("@@IMPORT@@", 'require("./instrument");')
            .replace("@@LOGFAIL@@", '    logger.warn({ ip: req.ip }, "login failed");\n').replace("@@AUDIT@@", ""),
        },
        monitoring_env={"SENTRY_DSN"},
        audit={
            "src/audit.js": '''\
const pino = require("pino");
const audit = pino({ base: { stream: "audit" } });
module.exports.auditEvent = (req, action, targetId, outcome) => audit.info({ action, targetId, outcome });
''',
            "src/server.js": server.replace("@@IMPORT@@", 'const { auditEvent } = require("./audit");')
            .replace("@@LOGFAIL@@", "").replace("@@AUDIT@@", '  auditEvent(req, "user.role_changed", req.params.id, "success");\n'),
        },
        audited={"POST /admin/users/:id/role"},
    )


def nextjs() -> Layout:
    route = '''\
import { prisma } from "@/lib/db";
@@IMPORT@@
export async function GET(req, { params }) {
  return Response.json(await prisma.user.findUnique({ where: { id: params.id } }));
}

export async function DELETE(req, { params }) {
  await prisma.user.delete({ where: { id: params.id } });
@@AUDIT@@  return Response.json({ ok: true });
}

export async function PATCH(req, { params }) {
  const body = await req.json();
  await prisma.user.update({ where: { id: params.id }, data: { role: body.role } });
  return Response.json({ ok: true });
}
'''
    base = {
        "package.json": '{\n  "name": "ops-admin",\n  "dependencies": {"next": "14.1.0", "react": "18.2.0", "@prisma/client": "5.10.0"}\n}\n',
        "next.config.js": "module.exports = { reactStrictMode: true };\n",
        "app/api/admin/users/[id]/route.ts": route.replace("@@IMPORT@@", "").replace("@@AUDIT@@", ""),
        "app/api/auth/login/route.ts": "export async function POST(req) {\n  return Response.json(await signIn(await req.json()));\n}\n",
        "lib/db.ts": 'import { PrismaClient } from "@prisma/client";\nexport const prisma = new PrismaClient({ datasourceUrl: process.env.DATABASE_URL });\n',
        "lib/auth.ts": "export const secret = process.env.NEXTAUTH_SECRET;\nexport const appUrl = process.env.NEXT_PUBLIC_APP_URL;\n",
        "prisma/schema.prisma": "model User {\n  id   String @id\n  role String\n}\n",
        "vercel.json": '{ "framework": "nextjs" }\n',
    }
    return Layout(
        "nextjs", "express", base, {"DATABASE_URL", "NEXTAUTH_SECRET", "NEXT_PUBLIC_APP_URL"},
        {"DELETE /api/admin/users/[id]", "PATCH /api/admin/users/[id]"},
        monitoring={
            "sentry.server.config.ts": 'import * as Sentry from "@sentry/nextjs";\nSentry.init({ dsn: process.env.SENTRY_DSN });\n',
            "checkly.config.ts": '''\
import { defineConfig } from "checkly";
import { SlackAlertChannel } from "checkly/constructs";

export const slack = new SlackAlertChannel("slack", { channel: "#ops-alerts" });
export default defineConfig({ projectName: "ops-admin", checks: { checkMatch: "**/__checks__/*.check.ts" } });
''',
            "__checks__/home.check.ts": 'new ApiCheck("home", { request: { url: "https://admin.next-ops.example/api/health", method: "GET" } });\n',
            "app/api/auth/login/route.ts": (
                "export async function POST(req) {\n  const user = await signIn(await req.json());\n"
                '  if (!user) {\n    console.warn("login failed", { ip: req.headers.get("x-forwarded-for") });\n'
                '    return Response.json({ error: "invalid" }, { status: 401 });\n  }\n  return Response.json(user);\n}\n'),
        },
        monitoring_env={"SENTRY_DSN"},
        audit={
            "prisma/schema.prisma": "model User {\n  id   String @id\n  role String\n}\n\nmodel AuditLog {\n  id     Int    @id\n  action String\n}\n",
            "app/api/admin/users/[id]/route.ts": route.replace("@@IMPORT@@", 'import { audit } from "@/lib/audit";')
            .replace("@@AUDIT@@", '  await audit({ action: "user.deleted", targetId: params.id });\n'),
        },
        audited={"DELETE /api/admin/users/[id]"},
    )


def rails() -> Layout:
    controller = '''\
class Admin::UsersController < ApplicationController
  before_action :require_admin

  def index
    @users = User.all
  end

  def update
    user = User.find(params[:id])
    user.update!(role: params[:role])
@@AUDIT@@  end

  def destroy
    User.find(params[:id]).destroy!
  end

  private

  def require_admin
    head :forbidden unless current_user&.admin?
  end
end
'''
    base = {
        "Gemfile": 'source "https://rubygems.org"\ngem "rails", "~> 7.1"\ngem "pg"\ngem "devise"\n',
        "config/application.rb": "module OpsConsole\n  class Application < Rails::Application\n  end\nend\n",
        "config/database.yml": "production:\n  url: <%= ENV[\"DATABASE_URL\"] %>\n",
        "config/routes.rb": "Rails.application.routes.draw do\n  devise_for :users\n  namespace :admin do\n    resources :users\n  end\nend\n",
        "config/initializers/stripe.rb": 'Stripe.api_key = ENV.fetch("STRIPE_SECRET_KEY")\n',
        "config/environments/production.rb": 'Rails.application.configure do\n  config.x.redis = ENV["REDIS_URL"]\nend\n',
        "app/controllers/admin/users_controller.rb": controller.replace("@@AUDIT@@", ""),
        "app/models/user.rb": "class User < ApplicationRecord\n  devise :database_authenticatable\nend\n",
        "db/migrate/20240101000000_create_users.rb": "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users\n  end\nend\n",
        "config/deploy.yml": "service: ops-console\nimage: acme/ops-console\n",
        "spec/models/user_spec.rb": 'ENV["SPEC_ONLY_VAR"] = "1"\nx = ENV.fetch("SPEC_ONLY_TOKEN")\n',
    }
    return Layout(
        "rails", "rails", base, {"DATABASE_URL", "STRIPE_SECRET_KEY", "REDIS_URL"}, {"update", "destroy"},
        monitoring={
            "Gemfile": base["Gemfile"] + 'gem "sentry-ruby"\ngem "sentry-rails"\ngem "rack-attack"\n',
            "config/initializers/sentry.rb": 'Sentry.init do |config|\n  config.dsn = ENV["SENTRY_DSN"]\nend\n',
            "config/initializers/rack_attack.rb": 'Rack::Attack.throttle("logins/ip", limit: 10, period: 60) { |req| req.ip if req.path == "/users/sign_in" }\n',
            "monitoring/alerts.tf": '''\
resource "datadog_monitor" "errors" {
  name    = "Ops console 5xx"
  type    = "metric alert"
  message = "5xx spike @slack-ops-alerts @pagerduty-ops"
  query   = "sum(last_5m):sum:trace.rack.request.errors{service:ops-console} > 10"
}
''',
        },
        monitoring_env={"SENTRY_DSN"},
        audit={
            "Gemfile": base["Gemfile"] + 'gem "paper_trail"\n',
            "app/models/user.rb": "class User < ApplicationRecord\n  devise :database_authenticatable\n  has_paper_trail\nend\n",
            "app/controllers/admin/users_controller.rb": controller.replace(
                "@@AUDIT@@", '    AuditEvent.create!(actor: current_user, action: "user.role_changed", target: user)\n'),
        },
        audited={"update"},
    )


LAYOUTS = {"django": django, "flask": flask, "fastapi": fastapi, "express": express, "nextjs": nextjs, "rails": rails}
