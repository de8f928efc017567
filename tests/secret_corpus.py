"""A generated, labelled corpus for the secret scanner: a real git repo with planted fake secrets
and realistic decoys, across file types and history-only positions.

Every value is random (seeded) and assembled from pieces at run time, so this file holds no
secret-shaped literal. `make_corpus(path)` returns the labels: `planted` (kind, value, path,
history_only) and `decoys` (path, line text) that must not be reported.
"""

from __future__ import annotations

import base64
import json
import os
import random
import string
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
UPPER = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B32 = string.ascii_uppercase + "234567"
B64 = ALNUM + "+/"
B64URL = ALNUM + "_-"


@dataclass
class Planted:
    kind: str
    value: str
    path: str
    history_only: bool = False


@dataclass
class Corpus:
    path: Path
    planted: list[Planted] = field(default_factory=list)
    decoys: list[tuple[str, str]] = field(default_factory=list)  # (path, the decoy text)


class _Maker:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def r(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def password(self) -> str:
        return self.r(ALNUM, 10) + self.rng.choice("!#%^*") + self.r(ALNUM, 7)

    def pem(self, label: str, nbytes: int = 1190) -> str:
        body = base64.b64encode(bytes(self.rng.getrandbits(8) for _ in range(nbytes))).decode()
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        head = "-----" + "BEGIN " + label + "-----"
        return "\n".join([head, *lines, "-----" + "END " + label + "-----"])

    def jwt(self, claims: dict) -> str:
        def seg(obj: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
        return ".".join([seg({"alg": "HS256", "typ": "JWT"}), seg(claims), self.r(B64URL, 43)])


def _kinds(m: _Maker) -> list[tuple[str, str]]:
    """(kind, value) for every planted secret; kinds are the labels counted for the >= 30 kinds."""
    r = m.r
    return [
        ("aws-access-key-id", "AK" + "IA" + r(B32, 16)),
        ("aws-secret-access-key", r(B64, 40)),
        ("github-pat", "gh" + "p_" + r(ALNUM, 36)),
        ("github-oauth", "gh" + "o_" + r(ALNUM, 36)),
        ("github-fine-grained", "github" + "_pat_" + r(ALNUM + "_", 82)),
        ("gitlab-pat", "gl" + "pat-" + r(ALNUM, 20)),
        ("slack-bot-token", "xo" + "xb-" + r("0123456789", 12) + "-" + r("0123456789", 13) + "-" + r(ALNUM, 24)),
        ("slack-webhook", "https://hooks." + "slack.com/services/T" + r(UPPER, 10) + "/B" + r(UPPER, 10) + "/" + r(ALNUM, 24)),
        ("stripe-live", "sk_" + "live_" + r(ALNUM, 24)),
        ("stripe-restricted", "rk_" + "live_" + r(ALNUM, 40)),
        ("stripe-webhook", "wh" + "sec_" + r(ALNUM, 32)),
        ("twilio-api-key", "S" + "K" + r(HEX, 32)),
        ("sendgrid", "S" + "G." + r(B64URL, 22) + "." + r(B64URL, 43)),
        ("mailgun", "ke" + "y-" + r(HEX, 32)),
        ("npm-token", "np" + "m_" + r(ALNUM, 36)),
        ("pypi-token", "py" + "pi-AgEIcHlwaS5vcmc" + r(B64URL, 70)),
        ("openai", "sk-" + "proj-" + r(B64URL, 40) + "T3Blbk" + "FJ" + r(B64URL, 40)),
        ("anthropic", "sk-" + "ant-api03-" + r(B64URL, 93) + "AA"),
        ("gcp-api-key", "AI" + "za" + r(B64URL, 35)),
        ("azure-storage", r(B64, 86) + "=="),
        ("jwt", m.jwt({"sub": r(HEX, 8), "role": "service_role", "iat": 1700000000})),
        ("heroku", "HR" + "KU-" + r(B64URL, 60)),
        ("digitalocean", "do" + "p_v1_" + r(HEX, 64)),
        ("vault-token", "hv" + "s." + r(B64URL, 92)),
        ("shopify", "shp" + "at_" + r(HEX, 32)),
        ("huggingface", "h" + "f_" + r(string.ascii_letters, 34)),
        ("discord-webhook", "https://discord" + ".com/api/webhooks/" + r("0123456789", 18) + "/" + r(B64URL, 68)),
        ("telegram-bot", r("0123456789", 10) + ":A" + "A" + r(B64URL, 33)),
        ("newrelic", "NR" + "AK-" + r(UPPER, 27)),
        ("sentry-token", "sntr" + "ys_" + r(ALNUM, 80)),
        ("notion", "nt" + "n_" + r("0123456789", 11) + r(ALNUM, 35)),
        ("linear", "lin" + "_api_" + r(ALNUM, 40)),
        ("databricks", "da" + "pi" + r(HEX, 32)),
        ("age-key", "AGE-" + "SECRET-KEY-1" + r("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)),
        ("doppler", "dp" + ".pt." + r(ALNUM, 43)),
        ("grafana-sa", "gl" + "sa_" + r(ALNUM, 32) + "_" + r(HEX, 8)),
        ("azure-ad-secret", r(ALNUM, 3) + "8" + "Q~" + r(ALNUM + "_~.-", 34)),
        ("square", "sq0" + "atp-" + r(B64URL, 22)),
        ("mailchimp", r(HEX, 32) + "-us" + "12"),
        ("datadog", r(HEX, 32)),
        ("npmrc-token", r(HEX, 40)),
        ("db-password-url", m.password().replace("#", "Z").replace("%", "Q").replace("^", "Y")),
        ("generic-password", m.password()),
        ("generic-secret", r(ALNUM, 32)),
        ("generic-api-key", r(ALNUM, 32)),
        ("generic-token", r(ALNUM, 40)),
        ("django-secret-key", r(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50).replace("'", "x")),
        ("flask-secret-key", r(HEX, 32)),
        ("rails-secret-key-base", r(HEX, 128)),
        ("laravel-app-key", "base64:" + base64.b64encode(bytes(m.rng.getrandbits(8) for _ in range(32))).decode()),
        ("netrc-password", r(ALNUM, 24)),
        ("pgpass-password", m.password().replace(":", "x")),
        ("basic-auth", base64.b64encode(f"deploy:{m.password()}".encode()).decode()),
        ("docker-auth", base64.b64encode(f"ci-bot:{r(ALNUM, 20)}".encode()).decode()),
        ("bcrypt-hash", "$2b$12$" + r(ALNUM + "./", 53)),
        ("sha512crypt", "$6$" + r(ALNUM, 16) + "$" + r(ALNUM + "./", 86)),
        ("htpasswd-apr1", "$apr1$" + r(ALNUM, 8) + "$" + r(ALNUM + "./", 22)),
        ("rsa-private-key", m.pem("RSA " + "PRIVATE KEY")),
        ("openssh-private-key", m.pem("OPENSSH " + "PRIVATE KEY", 400)),
        ("pkcs8-encrypted-key", m.pem("ENCRYPTED " + "PRIVATE KEY", 700)),
        ("ec-private-key", m.pem("EC " + "PRIVATE KEY", 120)),
        ("gcp-service-account", m.pem("PRIVATE " + "KEY").replace("\n", "\\n") + "\\n"),
        ("putty-key", r(B64, 64)),
        ("aws-key-history", "AK" + "IA" + r(B32, 16)),
        ("github-pat-history", "gh" + "p_" + r(ALNUM, 36)),
        ("stripe-history", "sk_" + "live_" + r(ALNUM, 30)),
        ("slack-token-history", "xo" + "xp-" + r("0123456789", 12) + "-" + r("0123456789", 12) + "-" + r(ALNUM, 32)),
        ("openai-minified", "sk-" + "proj-" + r(B64URL, 40) + "T3Blbk" + "FJ" + r(B64URL, 40)),
        ("stripe-sourcemap", "sk_" + "live_" + r(ALNUM, 28)),
        ("gitlab-notebook", "gl" + "pat-" + r(ALNUM, 20)),
        ("sendgrid-build", "S" + "G." + r(B64URL, 22) + "." + r(B64URL, 43)),
    ]


def _files(m: _Maker, v: dict[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """HEAD files (path -> text) and where each kind sits."""
    r = m.r
    putty = ("PuTTY-User-Key-" + "File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n"
             + r(B64, 64) + "\n" + r(B64, 20) + "\nPrivate-Lines: 1\n" + v["putty-key"] + "\nPrivate-MAC: " + r(HEX, 64) + "\n")
    notebook = json.dumps({"cells": [{"cell_type": "code", "source": [
        "import gitlab\n", f"gl = gitlab.Gitlab('https://gitlab.com', private_token='{v['gitlab-notebook']}')\n"],
        "outputs": [], "metadata": {}, "execution_count": 1}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    minified = ("!function(){" + "var a=1,b=2;" * 5000 + f'window.cfg={{ai:"{v["openai-minified"]}"}};' + "var c=3;" * 5000 + "}();")
    sourcemap = json.dumps({"version": 3, "file": "app.js", "sources": ["src/billing.ts", "src/util.ts"],
                            "sourcesContent": [f'export const stripe = new Stripe("{v["stripe-sourcemap"]}");\n',
                                               "export const add = (a: number, b: number) => a + b;\n"],
                            "names": [], "mappings": "AAAA"})
    files = {
        "app/settings.py": (
            '"""Settings."""\nimport os\n\n'
            f"SECRET_KEY = '{v['django-secret-key']}'\n"
            f'DB_PASSWORD = "{v["generic-password"]}"\n'
            f'STRIPE_KEY = "{v["stripe-live"]}"\n'
            f'AWS_ACCESS_KEY_ID = "{v["aws-access-key-id"]}"\n'
            f'aws_secret_access_key = "{v["aws-secret-access-key"]}"\n'
            f'DATABASE_URL = "postgres://app:{v["db-password-url"]}@db.prod.internal:5432/app"\n'
        ),
        "app/web.py": (
            "from flask import Flask\napp = Flask(__name__)\n"
            f'app.secret_key = "{v["flask-secret-key"]}"\n'
            f'OPENAI_KEY = "{v["openai"]}"\n'
            f'ANTHROPIC = "{v["anthropic"]}"\n'
            f'HEADERS = {{"Authorization": "Basic {v["basic-auth"]}"}}\n'
        ),
        "services/notify.go": (
            "package notify\n\n"
            f'const slackToken = "{v["slack-bot-token"]}"\n'
            f'const slackHook = "{v["slack-webhook"]}"\n'
            f'const discordHook = "{v["discord-webhook"]}"\n'
            f'const telegram = "{v["telegram-bot"]}"\n'
            f'var twilioKey = "{v["twilio-api-key"]}"\n'
        ),
        "src/config.ts": (
            f'export const githubToken = "{v["github-pat"]}";\n'
            f'export const oauth = "{v["github-oauth"]}";\n'
            f'export const sendgrid = "{v["sendgrid"]}";\n'
            f'export const mapsKey = "{v["gcp-api-key"]}";\n'
            f'export const hf = "{v["huggingface"]}";\n'
        ),
        ".env": "\n".join([
            f"GITHUB_PAT={v['github-fine-grained']}", f"GITLAB_TOKEN={v['gitlab-pat']}", f"MAILGUN_KEY={v['mailgun']}",
            f"NPM_TOKEN={v['npm-token']}", f"DD_API_KEY={v['datadog']}", f"HEROKU_API_KEY={v['heroku']}",
            f"DIGITALOCEAN_TOKEN={v['digitalocean']}", f"VAULT_TOKEN={v['vault-token']}",
            f"INTERNAL_API_TOKEN={v['generic-token']}", f"APP_KEY={v['laravel-app-key']}", ""]),
        "deploy/values.yaml": (
            "billing:\n"
            f"  restrictedKey: {v['stripe-restricted']}\n"
            f"  webhookSecret: {v['stripe-webhook']}\n"
            "oauth:\n"
            f"  client_secret: {v['generic-secret']}\n"
            f"  azure: \"{v['azure-ad-secret']}\"\n"
            "storage:\n"
            f"  connection: DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={v['azure-storage']};EndpointSuffix=core.windows.net\n"
            f"newrelic: {v['newrelic']}\n"
        ),
        "config/services.json": json.dumps({
            "apiKey": v["generic-api-key"], "shopify": v["shopify"], "sentry": v["sentry-token"], "notion": v["notion"],
            "linear": v["linear"], "databricks": v["databricks"], "doppler": v["doppler"], "grafana": v["grafana-sa"],
            "square": v["square"], "mailchimp": v["mailchimp"], "pypi": v["pypi-token"], "session": v["jwt"],
        }, indent=2) + "\n",
        "config/secrets.toml": f'age_identity = "{v["age-key"]}"\n',
        "config/rails.yml": f"production:\n  secret_key_base: {v['rails-secret-key-base']}\n",
        ".npmrc": f"//registry.npmjs.org/:_authToken={v['npmrc-token']}\n",
        ".docker/config.json": json.dumps({"auths": {"registry.acme.io": {"auth": v["docker-auth"]}}}) + "\n",
        "ops/netrc": f"machine api.acme.io login ci@acme.io password {v['netrc-password']}\n",
        "ops/.pgpass": f"db.prod.internal:5432:app:app:{v['pgpass-password']}\n",
        "db/seed.sql": f"INSERT INTO users (name, password_hash) VALUES ('admin', '{v['bcrypt-hash']}');\n",
        "ops/shadow": f"deploy:{v['sha512crypt']}:19500:0:99999:7:::\n",
        "ops/.htpasswd": f"admin:{v['htpasswd-apr1']}\n",
        "keys/server.key": v["rsa-private-key"] + "\n",
        "keys/id_ed25519": v["openssh-private-key"] + "\n",
        "keys/legacy.pem": v["pkcs8-encrypted-key"] + "\n",
        "keys/ec.pem": v["ec-private-key"] + "\n",
        "keys/deploy.ppk": putty,
        "gcp/sa.json": json.dumps({"type": "service_account", "project_id": "acme-prod", "private_key_id": r(HEX, 40)})[:-1]
        + ', "private_key": "' + v["gcp-service-account"] + '", "client_email": "ci@acme-prod.iam.gserviceaccount.com"}\n',
        "notebooks/explore.ipynb": notebook + "\n",
        "web/static/vendor.min.js": minified + "\n",
        "web/static/app.js.map": sourcemap + "\n",
    }
    where = {
        "putty-key": "keys/deploy.ppk", "gitlab-notebook": "notebooks/explore.ipynb",
        "openai-minified": "web/static/vendor.min.js", "stripe-sourcemap": "web/static/app.js.map",
    }
    for path, text in files.items():
        for kind, value in v.items():
            if kind not in where and value in text:
                where.setdefault(kind, path)
    return files, list(where.items())


def _decoys(m: _Maker) -> dict[str, list[str]]:
    """Files of decoys: every non-empty line is one decoy that must not be reported."""
    r = m.r
    sha256 = [r(HEX, 64) for _ in range(6)]
    return {
        ".env.example": [
            "SECRET_KEY=changeme", "DATABASE_URL=postgres://user:password@localhost/db",
            "STRIPE_KEY=sk_" + "live_" + "x" * 24, "GITHUB_TOKEN=<your-github-token>", "OPENAI_API_KEY=your-api-key-here",
            "SLACK_WEBHOOK_URL=https://hooks." + "slack.com/services/T00000000/B00000000/" + "X" * 24,
            "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}", "SENDGRID_API_KEY=", "API_TOKEN=replace-me",
            "REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379/0", "JWT_SECRET={{ jwt_secret }}",
            "ADMIN_PASSWORD=********", "SMTP_PASSWORD=%(smtp_password)s",
        ],
        "docs/SETUP.md": [
            "AWS_ACCESS_KEY_ID=AK" + "IAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "Set `password = \"<choose a strong password>\"` in your local config.",
            "-----" + "BEGIN RSA PRIVATE KEY-----", "...", "-----" + "END RSA PRIVATE KEY-----",
            "curl -u admin:$ADMIN_PASSWORD https://api.acme.io/health",
            "Tokens look like `gh" + "p_` followed by 36 characters.",
            "export STRIPE_SECRET_KEY=sk_" + "live_...",
        ],
        "app/env.py": [
            "import os", 'API_KEY = os.environ["API_KEY"]', 'DB_PASSWORD = os.getenv("DB_PASSWORD")',
            'SECRET_KEY = os.environ.get("SECRET_KEY")', "token = settings.API_TOKEN", "password = request.form['password']",
            'client_secret = config.get("oauth", "client_secret")', "auth_token = get_token()",
            'password_reset_url = "/accounts/password/reset/"', "TOKEN_EXPIRY_SECONDS = 3600",
            'api_key_header = "X-API-Key"', 'PASSWORD_FIELD = "password"', "secret = self.secret_value",
            f'TENANT_ID = "{uuid.UUID(int=m.rng.getrandbits(128), version=4)}"',
            f'api_key_id = "{uuid.UUID(int=m.rng.getrandbits(128), version=4)}"',
            'STRIPE_PUBLISHABLE_KEY = "pk_' + "live_" + r(ALNUM, 24) + '"',
            f'SENTRY_DSN = "https://{r(HEX, 32)}@o12345.ingest.sentry.io/678"',
        ],
        "web/src/api.js": [
            "const token = process.env.API_TOKEN;", "const apiKey = import.meta.env.VITE_MAPS_KEY;",
            "headers: { Authorization: `Bearer ${token}` },", 'const password = "";',
            "const secret = await vault.read('billing/stripe');", "const access_token = response.data.access_token;",
        ],
        "tests/test_login.py": [
            'PASSWORD = "correct-horse-battery-staple"', 'token = "test-token-1234567890"',
            f'API_KEY = "unit-test-{r(ALNUM, 12)}"', 'os.environ.setdefault("SECRET_KEY", "test-only")',
            f'ANON_JWT = "{m.jwt({"role": "anon", "iss": "supabase"})}"',
            f'password = "{r(ALNUM, 14)}"  # fixture user',
        ],
        "requirements.txt": [f"requests==2.31.0 --hash=sha256:{h}" for h in sha256[:3]],
        "package-lock.json": [
            f'"integrity": "sha512-{base64.b64encode(bytes(m.rng.getrandbits(8) for _ in range(64))).decode()}",'
            for _ in range(3)
        ] + [f'"resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz#{r(HEX, 40)}",'],
        "CHECKSUMS": [f"SHA256 (acme-{i}.tar.gz) = {h}" for i, h in enumerate(sha256[3:])],
        "docs/CHANGELOG.md": [f"- fix token refresh (commit {r(HEX, 40)})", f"- rotate secret handling, see {r(HEX, 40)}"],
        "keys/server.pub": ["ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + r(B64, 300) + " deploy@acme"],
        "keys/public.pem": (m.pem("PUBLIC " + "KEY", 270).splitlines()),
        "keys/cert.pem": (m.pem("CERT" + "IFICATE", 600).splitlines())[:4],
        "web/static/theme.min.js": ['!function(){var e={apiKey:t.apiKey,password:"",token:n.token};'
                                    'window.theme=e;var img="data:image/png;base64,' + r(B64, 200) + '"}();'],
        "config/app.yaml": [
            "database:", "  password: ${DB_PASSWORD}", "  secret: !vault secret/data/app#key", "oauth:",
            "  client_secret: '{{ .Values.oauthSecret }}'", "  token_url: https://auth.acme.io/oauth/token",
            "  secret_ref: app-oauth-secret", f"  etag: {r(HEX, 32)}",
        ],
        "scripts/low_entropy.py": ['secret = "aaaaaaaaaaaaaaaa"', 'password = "password123"', 'api_key = "1234567890abcdef"',
                                   'token = "abcdefghijklmnop"'],
    }


def _git(repo: Path, *args: str, env: dict | None = None) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    base.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_AUTHOR_NAME="Corpus",
                GIT_AUTHOR_EMAIL="corpus@example.invalid", GIT_COMMITTER_NAME="Corpus",
                GIT_COMMITTER_EMAIL="corpus@example.invalid", **(env or {}))
    return subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=repo, env=base, check=True,
                          capture_output=True, text=True).stdout


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def make_corpus(path: Path, seed: int = 4) -> Corpus:
    m = _Maker(seed)
    values = dict(_kinds(m))
    history_kinds = ["aws-key-history", "github-pat-history", "stripe-history", "slack-token-history"]
    build_kind = "sendgrid-build"
    files, where = _files(m, {k: v for k, v in values.items() if k not in history_kinds and k != build_kind})
    decoy_files = _decoys(m)
    corpus = Corpus(path)
    path.mkdir(parents=True)
    _git(path, "init", "-q", "-b", "main")
    n = 0

    def commit(message: str) -> None:
        nonlocal n
        n += 1
        date = f"2024-05-{n:02d}T10:00:00+00:00"
        _git(path, "add", "-A")
        _git(path, "commit", "-q", "-m", message, env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})

    _write(path, {".gitignore": "dist/\n.cache/\n", "README.md": "# Acme\n"})
    commit("initial")
    # history-only: added, then deleted in a later commit
    _write(path, {
        "old/aws.cfg": f"[default]\naws_access_key_id = {values['aws-key-history']}\n",
        "old/ci.sh": f"#!/bin/sh\nexport GITHUB_TOKEN={values['github-pat-history']}\n",
        "old/billing.rb": f"Stripe.api_key = '{values['stripe-history']}'\n",
        "old/slack.yml": f"slack:\n  token: {values['slack-token-history']}\n",
    })
    commit("add old tooling")
    for rel in ("old/aws.cfg", "old/ci.sh", "old/billing.rb", "old/slack.yml"):
        (path / rel).unlink()
    commit("remove old tooling")
    for kind, rel in zip(history_kinds, ("old/aws.cfg", "old/ci.sh", "old/billing.rb", "old/slack.yml"), strict=True):
        corpus.planted.append(Planted(kind, values[kind], rel, history_only=True))
    # the app, in two commits so history and tree agree
    half = dict(list(files.items())[: len(files) // 2])
    _write(path, half)
    commit("app, part one")
    _write(path, {k: v for k, v in files.items() if k not in half})
    _write(path, {rel: "\n".join(lines) + "\n" for rel, lines in decoy_files.items()})
    commit("app, part two, docs and tests")
    for kind, rel in where:
        corpus.planted.append(Planted(kind, values[kind], rel))
    # built output: ignored by git but shipped to browsers
    _write(path, {"dist/assets/index-4f2a.js": f'const m={{k:"{values[build_kind]}"}};export default m;\n'})
    corpus.planted.append(Planted(build_kind, values[build_kind], "dist/assets/index-4f2a.js"))
    for rel, lines in decoy_files.items():
        corpus.decoys += [(rel, line) for line in lines if line.strip()]
    return corpus
