"""The demo app's browser-facing flaws (flawed build) and what the fixed build does instead.

Flawed: a CORS layer that reflects any Origin with credentials, a `.env` and a `.git/config` left in
the web root, debug mode on with a strict path-decoding middleware (a malformed URL shows a stack
trace), a public source map, a Slack token in the JavaScript bundle, an `/api/health` page that shows the
version, environment variables and internal hosts, and an image loaded over plain HTTP.
Fixed: none of that, plus an error tracker (a Sentry DSN) in the bundle.

Every fake secret is generated at run time from a seeded `random.Random`: no literal in this file
looks like one, and none is valid anywhere.
"""

from __future__ import annotations

import hashlib
import json
import platform
import random
from functools import lru_cache
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SEED = 20240521
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_DIGITS = "0123456789"

# What the fixed build adds to FIXED_SECURITY_HEADERS: browser isolation headers (optional hardening).
ISOLATION_HEADERS = {
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
MIXED_CONTENT_IMG = '<img src="http://static.acme-ops.example/logo.png" alt="Acme">'  # flawed home page only


class _Values:
    def __init__(self, seed: int = SEED) -> None:
        rng = random.Random(seed)
        pick = lambda alphabet, n: "".join(rng.choice(alphabet) for _ in range(n))  # noqa: E731
        self.slack_bot_token = "-".join(["xox" + "b", pick(_DIGITS, 11), pick(_DIGITS, 13), pick(_ALNUM, 24)])
        self.db_password = pick(_ALNUM, 20)
        self.secret_key = pick(_ALNUM, 48)
        self.sentry_key = hashlib.md5(b"acme-ops-demo-sentry").hexdigest()  # a DSN key is public by design


@lru_cache(maxsize=1)
def values() -> _Values:
    return _Values()


def leak_markers() -> list[str]:
    """Values that must never reach any output of an audit of the flawed build."""
    v = values()
    return [v.slack_bot_token, v.db_password, v.secret_key]


def env_file() -> str:
    v = values()
    return (
        "# Acme Ops Console, staging\n"
        "APP_ENV=staging\n"
        "DEBUG=true\n"
        f"DATABASE_URL=postgres://ops:{v.db_password}@db.internal:5432/ops\n"
        f"SECRET_KEY={v.secret_key}\n"
        "REDIS_URL=redis://cache.internal:6379/0\n"
    )


GIT_CONFIG = """\
[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = false
[remote "origin"]
\turl = git@github.com:acme/ops-console.git
\tfetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
\tremote = origin
\tmerge = refs/heads/main
"""


def bundle(base_js: str, fixed: bool) -> str:
    """The served app.js: the fixed one reports errors to Sentry; the flawed one ships a Slack token
    (to post alerts straight from the browser) and points at its source map."""
    v = values()
    if fixed:
        return base_js + (
            "if (window.Sentry) {\n"
            f'  window.Sentry.init({{ dsn: "https://{v.sentry_key}@o450123.ingest.sentry.io/4501234", environment: "production" }});\n'
            "}\n"
        )
    return base_js + (
        "window.AcmeOps.notify = {\n"
        '  channel: "#ops-alerts",\n'
        f'  slackToken: "{v.slack_bot_token}"\n'
        "};\n"
        "//# sourceMappingURL=app.js.map\n"
    )


def source_map(base_js: str) -> str:
    return json.dumps({
        "version": 3,
        "file": "app.js",
        "sources": ["webpack:///src/app.js", "webpack:///src/notify.js"],
        "sourcesContent": [base_js, "// posts ops alerts to Slack from the browser\nexport const notify = window.AcmeOps.notify;\n"],
        "names": [],
        "mappings": "AAAA;AACA",
    })


async def env_route(request: Request) -> Response:
    return PlainTextResponse(env_file())


async def git_config_route(request: Request) -> Response:
    return PlainTextResponse(GIT_CONFIG)


def status_route(app_version: str):
    async def status(request: Request) -> Response:
        return JSONResponse({
            "status": "ok",
            "version": app_version,
            "python": platform.python_version(),
            "environment": {"APP_ENV": "staging", "DATABASE_HOST": "db.internal:5432",
                            "REDIS_URL": "redis://cache.internal:6379/0", "LOG_LEVEL": "debug"},
            "uptime_seconds": 1234,
        })
    return status


def flawed_routes(base_js: str, app_version: str) -> list[Route]:
    async def source_map_route(request: Request) -> Response:
        return Response(source_map(base_js), media_type="application/json")

    return [
        Route("/.env", env_route, methods=["GET"]),
        Route("/.git/config", git_config_route, methods=["GET"]),
        Route("/static/app.js.map", source_map_route, methods=["GET"]),
        Route("/api/health", status_route(app_version), methods=["GET"]),
    ]


class ReflectingCorsMiddleware:
    """Flawed build: "allow the front end to call us" done wrong, echoing any Origin with credentials."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin1").lower(): v.decode("latin1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if not origin:
            await self.app(scope, receive, send)
            return
        cors = [(b"access-control-allow-origin", origin.encode("latin1")), (b"access-control-allow-credentials", b"true"),
                (b"vary", b"Origin")]
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await send({"type": "http.response.start", "status": 204, "headers": cors + [
                (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE"),
                (b"access-control-allow-headers", headers.get("access-control-request-headers", "*").encode("latin1")),
            ]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + cors}
            await send(message)

        await self.app(scope, receive, send_wrapper)


class StrictPathMiddleware:
    """Flawed build: decodes the raw URL strictly, and a malformed one gets debug mode's traceback page.

    The page is rendered by Starlette's own debug handler, here rather than by letting the error
    escape, so the demo's console is not flooded with server error logs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope["path"].encode("utf-8")
            try:
                scope["lr_decoded_path"] = unquote_to_bytes(raw.decode("latin1")).decode("utf-8")
            except UnicodeDecodeError as exc:
                from starlette.middleware.errors import ServerErrorMiddleware

                page = ServerErrorMiddleware(self.app, debug=True).debug_response(Request(scope), exc)
                await page(scope, receive, send)
                return
        await self.app(scope, receive, send)
