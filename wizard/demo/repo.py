"""A real git repository that looks like the source of the demo app.

``make_demo_repo(path, fixed=False)`` plants FAKE secrets in the shapes of real provider
formats (so secret-scanning rules fire) next to realistic decoys that must not be reported;
``fixed=True`` makes the same layout and history shape with every value read from the
environment. Every planted value is generated at runtime from a seeded ``random.Random``
and assembled from pieces, so no secret-shaped literal sits in this source file. The values
are random: they are not, and never were, valid credentials anywhere.

History is deterministic (fixed author/committer dates, no signing, no user or system git
config), so the same seed gives the same commit ids.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import random
import shutil
import string
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from wizard.demo import repo_ops

__all__ = ["DEFAULT_SEED", "DemoRepo", "PlantedSecret", "make_demo_repo"]

DEFAULT_SEED = 20240304

# Kinds of planted secrets (also the suffix of the audit's `secrets.<kind>` rule ids in FLAWS.md).
KIND_AWS_KEY_ID = "aws-access-key-id"
KIND_AWS_SECRET = "aws-secret-access-key"
KIND_STRIPE = "stripe-live-secret-key"
KIND_GITHUB = "github-pat"
KIND_SLACK = "slack-webhook-url"
KIND_RSA = "rsa-private-key"
KIND_POSTGRES = "postgres-url-password"


@dataclass(frozen=True)
class PlantedSecret:
    """One fake secret planted in the flawed demo repo.

    ``value`` is exactly the planted text a scanner's rule matches (for the Postgres URL:
    the whole URL; for the RSA key: the whole PEM block). ``leak_markers`` are the
    sensitive substrings that must never appear in any output of the tool.
    """

    kind: str
    value: str
    path: str
    in_head: bool
    secret: str = ""  # the sensitive part (password, token); defaults to value
    line: int = 0  # 1-based line where it was added in `path`
    added_commit: str = ""
    removed_commit: str | None = None

    @property
    def leak_markers(self) -> tuple[str, ...]:
        if self.kind == KIND_RSA:
            body = [ln for ln in self.value.splitlines() if ln and not ln.startswith("-----")]
            return tuple(body)
        markers = [self.value]
        if self.secret and self.secret != self.value:
            markers.append(self.secret)
        return tuple(markers)


@dataclass
class DemoRepo:
    path: Path
    planted: list[PlantedSecret] = field(default_factory=list)
    fixed: bool = False
    commits: list[str] = field(default_factory=list)  # oldest first
    env_secret: str = ""  # flawed only: the session secret shared by config/staging.env and production.env

    def planted_of(self, kind: str) -> list[PlantedSecret]:
        return [p for p in self.planted if p.kind == kind]


# --------------------------------------------------------------------------- value makers

_B32 = string.ascii_uppercase + "234567"
_UPPER_ALNUM = string.ascii_uppercase + string.digits
_ALNUM = string.ascii_letters + string.digits
_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


class _Values:
    """The fake secrets and the decoys, all assembled at runtime."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        while True:
            key_id = "".join(["AK", "IA", _pick(rng, _B32, 16)])
            if "EXAMPLE" not in key_id:
                break
        self.aws_key_id = key_id
        self.aws_secret = _pick(rng, _ALNUM + "/+", 40)
        self.stripe = "_".join(["sk", "live", _pick(rng, _ALNUM, 24)])
        body = _pick(rng, _ALNUM, 30)  # GitHub format: 30 random + 6 base62 CRC32 of them
        self.github = "gh" + "p_" + body + _base62(binascii.crc32(body.encode()), 6)
        self.slack_token = _pick(rng, _ALNUM, 24)
        self.slack = "".join(
            [
                "https://", "hooks.", "slack.com", "/services/",
                "T", _pick(rng, _UPPER_ALNUM, 8), "/", "B", _pick(rng, _UPPER_ALNUM, 8), "/",
                self.slack_token,
            ]
        )
        der = bytes.fromhex("308204a40201000282010100") + rng.randbytes(1180)
        b64 = base64.b64encode(der).decode()
        label = " ".join(["RSA", "PRIVATE", "KEY"])
        self.rsa = "\n".join(
            ["-----BEGIN " + label + "-----"]
            + [b64[i : i + 64] for i in range(0, len(b64), 64)]
            + ["-----END " + label + "-----"]
        ) + "\n"
        self.pg_password = _pick(rng, _ALNUM, 20)
        self.postgres = "postgres" + "://ops:" + self.pg_password + "@db.internal:5432/ops"

        # decoys: must NOT be reported
        self.tenant_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.stripe_placeholder = "sk_" + "live_" + "x" * 16
        self.pg_placeholder = "postgres" + "://user:password@localhost/db"
        self.aws_doc_key_id = "AKIA" + "IOSFODNN7" + "EXAMPLE"
        self.aws_doc_secret = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCY" + "EXAMPLEKEY"
        self.release_sha256 = hashlib.sha256(b"acme-ops-console-1.4.2.tar.gz").hexdigest()
        # drawn last, so every value above stays what it was before the ops commit existed
        self.session_secret = _pick(rng, _ALNUM, 48)

    def pin_hash(self, requirement: str) -> str:
        return hashlib.sha256(requirement.encode()).hexdigest()


# --------------------------------------------------------------------------- file contents
# Placeholders are @@NAME@@ and replaced with str.replace (the files are full of braces).

README = """\
# Acme Ops Console

Internal operations console for the Acme support team: customers, orders, revenue
reports and an admin export.

## Run locally

    python -m venv .venv && . .venv/bin/activate
    pip install -r requirements.txt
    cp .env.example .env      # then fill in real values from the team vault
    uvicorn app.main:app --reload

The front end lives in `frontend/` (`npm install && npm run build`).
See `docs/SETUP.md` for the full setup.
"""

GITIGNORE_V1 = """\
__pycache__/
*.pyc
.venv/
node_modules/
frontend/dist/
"""

GITIGNORE_ENV = """\

# local configuration
.env
"""

GITIGNORE_KEYS = """\

# keys never go in the repo
deploy/id_*
*.pem
"""

ENV_EXAMPLE = """\
# Copy to .env and fill in real values. Never commit .env.
DEBUG=0
SECRET_KEY=changeme
DATABASE_URL=@@PG_PLACEHOLDER@@
STRIPE_KEY=@@STRIPE_PLACEHOLDER@@
STRIPE_SECRET_KEY=
AWS_ACCESS_KEY_ID=
AWS_SECRET_ACCESS_KEY=
SLACK_WEBHOOK_URL=
"""

ENV_FILE = """\
DEBUG=0
AWS_ACCESS_KEY_ID=@@AWS_KEY_ID@@
AWS_SECRET_ACCESS_KEY=@@AWS_SECRET@@
AWS_DEFAULT_REGION=eu-west-1
EXPORT_BUCKET=acme-ops-exports-staging
"""

REQUIREMENTS_V1 = """\
starlette==0.37.2
uvicorn==0.30.1
itsdangerous==2.2.0
"""

REQUIREMENTS_PINS = ["starlette==0.37.2", "uvicorn==0.30.1", "itsdangerous==2.2.0", "psycopg==3.1.18", "stripe==8.8.0"]

SETTINGS_V1 = """\
\"\"\"Application settings.\"\"\"
import os

DEBUG = os.environ.get("DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY")

# Acme workspace id shown in the footer; an identifier, not a credential.
TENANT_ID = "@@TENANT_UUID@@"

EXPORT_BUCKET = os.environ.get("EXPORT_BUCKET", "acme-ops-exports")
"""

SETTINGS_BILLING_FLAWED = """\

# Billing and reporting.
# TODO(dana): move these to the vault before launch, the env var is not set on staging yet.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "@@STRIPE@@")
DATABASE_URL = "@@POSTGRES@@"
"""

SETTINGS_BILLING_FIXED = """\

# Billing and reporting: values come from the environment (see .env.example).
STRIPE_SECRET_KEY = os.environ["STRIPE_SECRET_KEY"]
DATABASE_URL = os.environ["DATABASE_URL"]
"""

SETTINGS_SLACK_FIXED = """\
SLACK_WEBHOOK_URL = os.environ.get("SLACK_WEBHOOK_URL", "")
"""

AUTH_FLAWED_COOKIE = """\
SESSION_COOKIE = "session"
SESSION_MAX_AGE = 7 * 24 * 3600  # a week, so support staff are not logged out mid-shift
COOKIE_FLAGS = {"path": "/", "secure": False, "httponly": False, "samesite": None}
"""

AUTH_FIXED_COOKIE = """\
SESSION_COOKIE = "__Host-session"
SESSION_MAX_AGE = 8 * 3600  # one working day; re-authenticate after that
COOKIE_FLAGS = {"path": "/", "secure": True, "httponly": True, "samesite": "lax"}
"""

AUTH = """\
\"\"\"Login, logout and server-side sessions.\"\"\"
import hashlib
import hmac
import secrets
import time
from functools import wraps

from starlette.responses import JSONResponse

from app import db

@@COOKIE@@
SESSIONS: dict[str, dict] = {}


def check_password(username: str, password: str) -> dict | None:
    user = db.get_user(username)
    if user is None:
        return None
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), user["salt"], 310_000)
    return user if hmac.compare_digest(digest, user["password_hash"]) else None


def start_session(response, user: dict, old_sid: str | None = None) -> str:
@@START_SESSION@@
    SESSIONS[sid] = {"user": user["username"], "role": user["role"], "created": time.time()}
    response.set_cookie(SESSION_COOKIE, sid, max_age=SESSION_MAX_AGE, **COOKIE_FLAGS)
    return sid


def end_session(request, response) -> None:
    sid = request.cookies.get(SESSION_COOKIE)
@@END_SESSION@@
    response.delete_cookie(SESSION_COOKIE, path="/")


def current_user(request) -> dict | None:
    sess = SESSIONS.get(request.cookies.get(SESSION_COOKIE, ""))
    if sess is None or time.time() - sess["created"] > SESSION_MAX_AGE:
        return None
    return sess


def login_required(role: str | None = None):
    def decorate(handler):
        @wraps(handler)
        async def wrapper(request):
            user = current_user(request)
            if user is None:
                return JSONResponse({"error": "authentication required"}, status_code=401)
            if role is not None and user["role"] != role:
                return JSONResponse({"error": "forbidden"}, status_code=403)
            request.state.user = user
            return await handler(request)

        return wrapper

    return decorate
"""

START_SESSION_FLAWED = """\
    sid = old_sid or secrets.token_urlsafe(32)"""
START_SESSION_FIXED = """\
    if old_sid:
        SESSIONS.pop(old_sid, None)
    sid = secrets.token_urlsafe(32)  # always a new id at login"""
END_SESSION_FLAWED = """\
    # the browser forgets the cookie; nothing to do server-side"""
END_SESSION_FIXED = """\
    SESSIONS.pop(sid or "", None)  # invalidate server-side"""

MAIN_V1 = """\
\"\"\"Acme Ops Console: Starlette application.\"\"\"
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app import settings


async def home(request):
    return HTMLResponse(open("templates/index.html").read())


async def health(request):
    return JSONResponse({"status": "ok"})


routes = [
    Route("/", home, methods=["GET"]),
    Route("/health", health, methods=["GET"]),
    Mount("/static", StaticFiles(directory="static"), name="static"),
]

app = Starlette(debug=settings.DEBUG, routes=routes)
"""

MAIN_HEADER = """\
\"\"\"Acme Ops Console: Starlette application.\"\"\"
import csv
import io
@@EXTRA_IMPORTS@@
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app import auth, db, settings
@@SLACK_CONST@@

async def home(request):
    return HTMLResponse(open("templates/index.html").read())


async def health(request):
    return JSONResponse({"status": "ok"})


async def login_page(request):
    return HTMLResponse(open("templates/login.html").read())


async def login(request):
    data = await request.json()
    user = auth.check_password(data.get("username", ""), data.get("password", ""))
    if user is None:
        return JSONResponse({"error": "invalid credentials"}, status_code=401)
    response = JSONResponse({"ok": True, "user": {"username": user["username"], "role": user["role"]}})
    auth.start_session(response, user, request.cookies.get(auth.SESSION_COOKIE))
    return response


async def logout(request):
    response = JSONResponse({"ok": True})
    auth.end_session(request, response)
    return response


@auth.login_required()
async def me(request):
    return JSONResponse(request.state.user)
"""

MAIN_API = """\


@auth.login_required()
async def customers(request):
    return JSONResponse({"customers": db.customers_for(request.state.user)})


@auth.login_required()
async def customer_detail(request):
    row = db.customer_for(request.state.user, request.path_params["customer_id"])
    if row is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse(row)


@auth.login_required()
async def search(request):
    q = request.query_params.get("q", "")[:200]
    return JSONResponse({"results": db.search_reports(request.state.user, q)})


@auth.login_required()
async def customer_update(request):
    data = await request.json()
    db.update_customer_note(request.state.user, request.path_params["customer_id"], str(data.get("note", ""))[:500])
    return Response(status_code=204)


@auth.login_required(role="admin")
async def admin_users(request):
    return JSONResponse({"users": db.list_users()})


@auth.login_required(role="admin")
async def reset_password(request):
    db.issue_temporary_password(request.path_params["username"])
    return JSONResponse({"ok": True})


@@AUDIT_DECORATOR@@async def audit_log(request):
    return JSONResponse({"events": db.audit_events()})
@@DEBUG_VIEW@@

@@EXPORT_DECORATOR@@async def admin_export(request):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "name", "company", "email", "plan", "owner"])
    for row in db.all_customers():
        writer.writerow([row["id"], row["name"], row["company"], row["email"], row["plan"], row["owner"]])
@@NOTIFY@@    return Response(buf.getvalue(), media_type="text/csv")
"""

MAIN_ROUTES = """\


routes = [
    Route("/", home, methods=["GET"]),
    Route("/health", health, methods=["GET"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/api/me", me, methods=["GET"]),
@@API_ROUTES@@    Mount("/static", StaticFiles(directory="static"), name="static"),
]

app = Starlette(debug=settings.DEBUG, routes=routes)
"""

API_ROUTES = """\
    Route("/api/customers", customers, methods=["GET"]),
    Route("/api/customers/{customer_id}", customer_detail, methods=["GET"]),
    Route("/api/customers/{customer_id}", customer_update, methods=["PATCH"]),
    Route("/api/reports/search", search, methods=["GET"]),
    Route("/admin/users", admin_users, methods=["GET"]),
    Route("/admin/users/{username}/reset-password", reset_password, methods=["@@RESET_METHOD@@"]),
    Route("/admin/audit-log", audit_log, methods=["GET"]),
    Route("/admin/export", admin_export, methods=["GET"]),
@@DEBUG_ROUTE@@"""

DEBUG_VIEW_FLAWED = """

# TODO remove before launch: handy on staging to see what is loaded
async def debug_vars(request):
    return JSONResponse({"debug": settings.DEBUG, "sessions_active": len(auth.SESSIONS)})
"""

DEBUG_ROUTE_FLAWED = """\
    Route("/debug/vars", debug_vars),
"""

SLACK_CONST_FLAWED = """
# #ops-alerts channel
SLACK_WEBHOOK_URL = "@@SLACK@@"
"""

NOTIFY = """\
    httpx.post(@@WEBHOOK@@, json={"text": "customer export downloaded"}, timeout=2)
"""

API_JS = """\
// Thin client for the Acme Ops API, used by the console pages.
const API_BASE = "/api";
@@GH_CONST@@
export async function getJSON(path) {
  const r = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}

export const me = () => getJSON(`${API_BASE}/me`);
export const customers = () => getJSON(`${API_BASE}/customers`);
export const customer = (id) => getJSON(`${API_BASE}/customers/${encodeURIComponent(id)}`);
export const search = (q) => getJSON(`${API_BASE}/reports/search?q=${encodeURIComponent(q)}`);
export const adminUsers = () => getJSON("/admin/users");
export const exportUrl = () => "/admin/export";

// Release notes banner: latest release of the console repo.
export async function releaseNotes() {
  const r = await fetch("https://api.github.com/repos/acme/ops-console/releases/latest", {
@@GH_HEADERS@@  });
  return r.ok ? r.json() : null;
}
"""

GH_CONST_FLAWED = """\
// repo is private, so the banner needs a token (staging only!)
const GITHUB_TOKEN = "@@GITHUB@@";
"""

GH_HEADERS_FLAWED = """\
    headers: { Accept: "application/vnd.github+json", Authorization: `token ${GITHUB_TOKEN}` },
"""

GH_HEADERS_FIXED = """\
    headers: { Accept: "application/vnd.github+json" },
"""

PACKAGE_JSON = """\
{
  "name": "acme-ops-console-frontend",
  "version": "1.4.2",
  "private": true,
  "type": "module",
  "scripts": { "build": "esbuild src/main.js --bundle --minify --outfile=dist/app.js" },
  "devDependencies": { "esbuild": "0.20.2" }
}
"""

DEPLOY_SH = """\
#!/bin/sh
# Deploy the console to the staging box.
set -eu
HOST=ops-staging.internal
@@KEY_LINE@@
rsync -az --delete -e "ssh -i $KEY" ./ deploy@"$HOST":/srv/acme-ops/
ssh -i "$KEY" deploy@"$HOST" 'sudo systemctl restart acme-ops'
"""

SETUP_MD = """\
# Setup

## Prerequisites
Python 3.11, Node 20, PostgreSQL 15 (local or the shared staging instance).

## Configuration
All settings come from environment variables. Copy `.env.example` to `.env` and fill it in
from the team vault. The app refuses to start in production without `SECRET_KEY`, and reads
the Stripe key with `os.environ["STRIPE_SECRET_KEY"]`.

## AWS credentials for the export job
The nightly export uploads to S3. Configure the AWS CLI with **your own** key; the values
below are the placeholders from the AWS documentation:

    AWS_ACCESS_KEY_ID=@@AWS_DOC_KEY_ID@@
    AWS_SECRET_ACCESS_KEY=@@AWS_DOC_SECRET@@

## Workspace
The Acme workspace id (footer, support tickets) is `@@TENANT_UUID@@`.

## Verifying a release
Compare the tarball with the checksum published on the release page:

    sha256  @@RELEASE_SHA@@  acme-ops-console-1.4.2.tar.gz
"""

DB_PY = """\
\"\"\"Data access (PostgreSQL via psycopg).\"\"\"
import psycopg
from psycopg.rows import dict_row

from app import settings

CUSTOMER_COLUMNS = "id, name, company, email, plan, owner"


def _query(sql: str, *params):
    with psycopg.connect(settings.DATABASE_URL, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def get_user(username: str) -> dict | None:
    rows = _query("SELECT username, role, salt, password_hash FROM users WHERE username = %s", username)
    return rows[0] if rows else None


def list_users() -> list[dict]:
    return _query("SELECT username, role FROM users ORDER BY username")


def all_customers() -> list[dict]:
    return _query(f"SELECT {CUSTOMER_COLUMNS} FROM customers ORDER BY id")


def customers_for(user: dict) -> list[dict]:
    if user["role"] == "admin":
        return all_customers()
    return _query(f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE owner = %s ORDER BY id", user["user"])


def customer_for(user: dict, customer_id: str) -> dict | None:
    rows = [c for c in customers_for(user) if str(c["id"]) == str(customer_id)]
    return rows[0] if rows else None


def update_customer_note(user: dict, customer_id: str, note: str) -> None:
    # only the owner's (or, for admins, any) row matches; another user's id updates nothing
    owner_clause = "" if user["role"] == "admin" else " AND owner = %s"
    params = (note, customer_id) + (() if user["role"] == "admin" else (user["user"],))
    _query(f"UPDATE customers SET note = %s WHERE id = %s{owner_clause} RETURNING id", *params)


def issue_temporary_password(username: str) -> None:
    _query("UPDATE users SET must_reset = true WHERE username = %s RETURNING username", username)


def audit_events() -> list[dict]:
    return _query("SELECT actor, action, target, detail, at FROM audit ORDER BY at DESC LIMIT 200")


def search_reports(user: dict, q: str) -> list[dict]:
    needle = f"%{q.lower()}%"
    rows = _query(
        "SELECT c.id, c.name, c.plan, sum(o.amount_cents) AS revenue_cents FROM customers c "
        "JOIN orders o ON o.customer_id = c.id WHERE lower(c.name) LIKE %s GROUP BY c.id",
        needle,
    )
    return rows if user["role"] == "admin" else [r for r in rows if r["id"] in {c["id"] for c in customers_for(user)}]
"""

TEST_AUTH_V1 = """\
import os

os.environ.setdefault("SECRET_KEY", "test-only")
os.environ.setdefault("STRIPE_SECRET_KEY", "unused-in-tests")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

from starlette.testclient import TestClient  # noqa: E402

from app.main import app  # noqa: E402

client = TestClient(app)


def test_health():
    assert client.get("/health").json() == {"status": "ok"}


def test_me_requires_login():
    assert client.get("/api/me").status_code == 401


def test_bad_password():
    r = client.post("/login", json={"username": "admin", "password": "wrong"})
    assert r.status_code == 401
"""

TEST_AUTH_ADMIN = """\


def test_admin_users_requires_admin():
    assert client.get("/admin/users").status_code == 401
"""


# --------------------------------------------------------------------------- history


def _fill(text: str, **values: str) -> str:
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    if "@@" in text:
        raise AssertionError(f"unfilled placeholder in demo repo template: {text[text.index('@@'):][:40]!r}")
    return text


def _requirements_pinned(v: _Values, extra: tuple[str, ...] = ()) -> str:
    lines = []
    for req in [*REQUIREMENTS_PINS, *extra]:
        lines.append(f"{req} \\")
        lines.append(f"    --hash=sha256:{v.pin_hash(req)}")
    return "\n".join(lines) + "\n"


def _history(v: _Values, fixed: bool) -> list[tuple[str, str, dict[str, str | None]]]:
    """(date, message, {path: content or None to delete}) per commit, oldest first."""
    settings_v1 = _fill(SETTINGS_V1, TENANT_UUID=v.tenant_uuid)
    settings_v2 = settings_v1 + _fill(
        SETTINGS_BILLING_FIXED if fixed else SETTINGS_BILLING_FLAWED, STRIPE=v.stripe, POSTGRES=v.postgres
    )
    settings_v3 = settings_v2 + (SETTINGS_SLACK_FIXED if fixed else "")
    env_example = _fill(ENV_EXAMPLE, PG_PLACEHOLDER=v.pg_placeholder, STRIPE_PLACEHOLDER=v.stripe_placeholder)

    auth = _fill(
        AUTH,
        COOKIE=AUTH_FIXED_COOKIE if fixed else AUTH_FLAWED_COOKIE,
        START_SESSION=START_SESSION_FIXED if fixed else START_SESSION_FLAWED,
        END_SESSION=END_SESSION_FIXED if fixed else END_SESSION_FLAWED,
    )

    def main(api: bool, slack: bool) -> str:
        header = _fill(
            MAIN_HEADER,
            EXTRA_IMPORTS="\nimport httpx\n" if slack else "",
            SLACK_CONST=_fill(SLACK_CONST_FLAWED, SLACK=v.slack) if slack and not fixed else "",
        )
        body = ""
        if api:
            webhook = "settings.SLACK_WEBHOOK_URL" if fixed else "SLACK_WEBHOOK_URL"
            body = _fill(
                MAIN_API,
                EXPORT_DECORATOR='@auth.login_required(role="admin")\n' if fixed else "",
                AUDIT_DECORATOR='@auth.login_required(role="admin")\n' if fixed else "@auth.login_required()\n",
                DEBUG_VIEW="" if fixed else DEBUG_VIEW_FLAWED,
                NOTIFY=_fill(NOTIFY, WEBHOOK=webhook) if slack else "",
            )
        api_routes = _fill(API_ROUTES, RESET_METHOD="POST" if fixed else "GET",
                           DEBUG_ROUTE="" if fixed else DEBUG_ROUTE_FLAWED)
        return header + body + _fill(MAIN_ROUTES, API_ROUTES=api_routes if api else "")

    api_js = _fill(
        API_JS,
        GH_CONST="" if fixed else _fill(GH_CONST_FLAWED, GITHUB=v.github),
        GH_HEADERS=GH_HEADERS_FIXED if fixed else GH_HEADERS_FLAWED,
    )
    deploy_with_key = _fill(DEPLOY_SH, KEY_LINE="KEY=deploy/id_rsa")
    deploy_env_key = _fill(DEPLOY_SH, KEY_LINE='KEY="${DEPLOY_KEY_PATH:?set DEPLOY_KEY_PATH to your deploy key}"')
    gitignore_v1 = GITIGNORE_V1
    gitignore_v2 = GITIGNORE_V1 + GITIGNORE_ENV
    gitignore_v3 = gitignore_v2 + GITIGNORE_KEYS

    h: list[tuple[str, str, dict[str, str | None]]] = []
    h.append(
        (
            "2024-03-04T09:12:00+01:00",
            "Initial skeleton: Starlette app, settings, requirements",
            {
                "README.md": README,
                ".gitignore": gitignore_v1,
                ".env.example": env_example,
                "requirements.txt": REQUIREMENTS_V1,
                "app/__init__.py": "",
                "app/settings.py": settings_v1,
                "app/main.py": MAIN_V1,
            },
        )
    )
    h.append(
        (
            "2024-03-05T14:40:00+01:00",
            "Add login, logout and server-side sessions",
            {
                "app/auth.py": auth,
                "app/db.py": DB_PY,
                "app/main.py": main(api=False, slack=False),
                "tests/test_auth.py": TEST_AUTH_V1,
            },
        )
    )
    if fixed:
        h.append(("2024-03-07T10:05:00+01:00", "Keep local .env files out of git", {".gitignore": gitignore_v2}))
    else:
        env_file = _fill(ENV_FILE, AWS_KEY_ID=v.aws_key_id, AWS_SECRET=v.aws_secret)
        h.append(("2024-03-07T10:05:00+01:00", "Add staging environment file", {".env": env_file}))
    h.append(
        (
            "2024-03-11T16:22:00+01:00",
            "Customers API, report search and admin export",
            {"app/main.py": main(api=True, slack=False)},
        )
    )
    if fixed:
        h.append(("2024-03-12T11:30:00+01:00", "Add deploy script", {"deploy/deploy.sh": deploy_env_key}))
    else:
        h.append(
            (
                "2024-03-12T11:30:00+01:00",
                "Add deploy script and key for the staging box",
                {"deploy/deploy.sh": deploy_with_key, "deploy/id_rsa": v.rsa},
            )
        )
    h.append(
        (
            "2024-03-14T15:03:00+01:00",
            "Front end: API client and release-notes banner",
            {"frontend/src/api.js": api_js, "frontend/package.json": PACKAGE_JSON},
        )
    )
    h.append(
        (
            "2024-03-18T09:48:00+01:00",
            "Wire billing: Stripe key and reporting database",
            {"app/settings.py": settings_v2, "requirements.txt": REQUIREMENTS_V1 + "psycopg==3.1.18\nstripe==8.8.0\n"},
        )
    )
    if fixed:
        h.append(("2024-03-20T17:15:00+01:00", "Ignore key files", {".gitignore": gitignore_v3}))
        h.append(
            (
                "2024-03-21T08:55:00+01:00",
                "Deploy: read the key path from DEPLOY_KEY_PATH",
                {"deploy/deploy.sh": deploy_env_key.replace("# Deploy the console", "# Deploy the web console")},
            )
        )
    else:
        h.append(
            ("2024-03-20T17:15:00+01:00", "Remove .env from the repo", {".env": None, ".gitignore": gitignore_v2})
        )
        h.append(
            (
                "2024-03-21T08:55:00+01:00",
                "Remove deploy key (moved to the vault)",
                {"deploy/id_rsa": None, "deploy/deploy.sh": deploy_env_key, ".gitignore": gitignore_v3},
            )
        )
    h.append(
        (
            "2024-03-25T13:37:00+01:00",
            "Notify #ops-alerts in Slack when the customer export is downloaded",
            {"app/main.py": main(api=True, slack=True), "app/settings.py": settings_v3},
        )
    )
    h.append(
        (
            "2024-03-27T10:10:00+01:00",
            "Docs: setup guide",
            {
                "docs/SETUP.md": _fill(
                    SETUP_MD,
                    AWS_DOC_KEY_ID=v.aws_doc_key_id,
                    AWS_DOC_SECRET=v.aws_doc_secret,
                    TENANT_UUID=v.tenant_uuid,
                    RELEASE_SHA=v.release_sha256,
                )
            },
        )
    )
    h.append(
        (
            "2024-04-02T11:00:00+02:00",
            "Pin dependencies with hashes; test admin route protection",
            {"requirements.txt": _requirements_pinned(v), "tests/test_auth.py": TEST_AUTH_V1 + TEST_AUTH_ADMIN},
        )
    )
    h.append(
        (
            "2024-04-09T15:20:00+02:00",
            repo_ops.MESSAGE,
            repo_ops.ops_files(fixed, main(api=True, slack=True), env_example,
                               _requirements_pinned(v, ("sentry-sdk==2.0.1",)), v.session_secret),
        )
    )
    return h


_AUTHORS = [("Dana Okafor", "dana@acme-ops.example"), ("Lee Moreau", "lee@acme-ops.example")]


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env["LC_ALL"] = "C"
    return env


def _git(repo: Path, args: list[str], env: dict[str, str]) -> str:
    argv = ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args]
    try:
        proc = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=30)
    except FileNotFoundError as exc:
        raise RuntimeError("git is not installed (on Debian/Ubuntu: apt-get install git)") from exc
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:2])} failed in {repo}: {proc.stderr.strip()}")
    return proc.stdout


def make_demo_repo(path: Path, fixed: bool, *, seed: int = DEFAULT_SEED) -> DemoRepo:
    """Create the demo source repository at ``path`` (must not exist, or be an empty directory)."""
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise FileExistsError(f"{path} already exists and is not an empty directory")
    if shutil.which("git") is None:
        raise RuntimeError("git is not installed (on Debian/Ubuntu: apt-get install git)")
    path.mkdir(parents=True, exist_ok=True)

    values = _Values(seed)
    base_env = _git_env()
    _git(path, ["init", "-q", "-b", "main"], base_env)
    _git(path, ["config", "user.name", _AUTHORS[0][0]], base_env)
    _git(path, ["config", "user.email", _AUTHORS[0][1]], base_env)
    _git(path, ["config", "core.autocrlf", "false"], base_env)

    commits: list[str] = []
    for i, (date, message, files) in enumerate(_history(values, fixed)):
        for rel, content in files.items():
            target = path / rel
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8", newline="\n")
            if rel == "deploy/deploy.sh":
                target.chmod(0o755)
        name, email = _AUTHORS[i % len(_AUTHORS)]
        env = dict(base_env)
        env.update(
            GIT_AUTHOR_NAME=name,
            GIT_AUTHOR_EMAIL=email,
            GIT_AUTHOR_DATE=date,
            GIT_COMMITTER_NAME=name,
            GIT_COMMITTER_EMAIL=email,
            GIT_COMMITTER_DATE=date,
        )
        _git(path, ["add", "-A"], env)
        _git(path, ["commit", "-q", "--no-verify", "-m", message], env)
        sha = _git(path, ["rev-parse", "HEAD"], env).strip()
        commits.append(sha)
    for index, tag in repo_ops.TAGS.items():
        _git(path, ["tag", tag, commits[index]], base_env)

    planted: list[PlantedSecret] = []
    if not fixed:
        planted = _planted(path, values, commits)
    return DemoRepo(path=path, planted=planted, fixed=fixed, commits=commits,
                    env_secret="" if fixed else values.session_secret)


def _planted(path: Path, v: _Values, commits: list[str]) -> list[PlantedSecret]:
    """Describe the planted secrets, with the commit that added (and removed) each one."""
    env = _git_env()
    out: list[PlantedSecret] = []
    specs = [
        (KIND_AWS_KEY_ID, v.aws_key_id, v.aws_key_id, ".env", False),
        (KIND_AWS_SECRET, v.aws_secret, v.aws_secret, ".env", False),
        (KIND_STRIPE, v.stripe, v.stripe, "app/settings.py", True),
        (KIND_GITHUB, v.github, v.github, "frontend/src/api.js", True),
        (KIND_SLACK, v.slack, v.slack_token, "app/main.py", True),
        (KIND_RSA, v.rsa, v.rsa, "deploy/id_rsa", False),
        (KIND_POSTGRES, v.postgres, v.pg_password, "app/settings.py", True),
    ]
    for kind, value, secret, rel, in_head in specs:
        first_line = value.splitlines()[0]
        # oldest commit whose version of the file contains the value
        added, line_no = "", 0
        for sha in commits:
            try:
                text = _git(path, ["show", f"{sha}:{rel}"], env)
            except RuntimeError:
                continue
            if first_line in text:
                added = sha
                line_no = next(n for n, ln in enumerate(text.splitlines(), 1) if first_line in ln)
                break
        removed_commit = None
        if not in_head:
            after = commits[commits.index(added) + 1 :]
            for sha in after:
                try:
                    text = _git(path, ["show", f"{sha}:{rel}"], env)
                except RuntimeError:
                    removed_commit = sha
                    break
                if first_line not in text:
                    removed_commit = sha
                    break
        out.append(
            PlantedSecret(
                kind=kind,
                value=value,
                path=rel,
                in_head=in_head,
                secret=secret,
                line=line_no,
                added_commit=added,
                removed_commit=removed_commit,
            )
        )
    return out
