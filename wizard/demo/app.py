"""The bundled demo target: "Acme Ops Console", a small internal admin app.

Two builds come out of one factory, :func:`build_app`:

* ``fixed=False`` (the *flawed* build) carries the planted flaws listed in
  ``wizard/demo/FLAWS.md`` (open admin export, weak session cookie, no security
  headers, a version banner, a slow search endpoint, ...).
* ``fixed=True`` is the same app done right; ``launch-ready demo --fixed`` must
  come out READY against it.

Everything is in memory; the app makes no outbound call. The credentials below
are demo-only values for a throwaway loopback server and protect nothing.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import json
import random
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wizard.demo import surface

__all__ = [
    "APP_NAME",
    "APP_VERSION",
    "DEMO_PASSWORDS",
    "DEMO_ROLE_ENV",
    "DEMO_USERS",
    "FIXED_COOKIE_NAME",
    "FIXED_SESSION_MAX_AGE",
    "FLAWED_COOKIE_NAME",
    "FLAWED_SESSION_MAX_AGE",
    "FIXED_SECURITY_HEADERS",
    "FLAWED_BANNER",
    "LOGIN_FAILURE_LIMIT",
    "SEARCH_DELAY_SECONDS",
    "access_log_entry",
    "build_app",
    "demo_env",
]

APP_NAME = "Acme Ops Console"
APP_VERSION = "1.4.2"

# Demo-only credentials for the throwaway loopback demo. The audit reads them from the
# environment variables in DEMO_ROLE_ENV (see demo_env()), like it would for a real target.
DEMO_PASSWORDS: dict[str, str] = {
    "admin": "demo-admin-pass-7731",
    "support": "demo-support-pass-4410",
    "support2": "demo-support2-pass-9052",
    "lockout": "demo-lockout-pass-3318",
}
DEMO_USERS: dict[str, dict[str, str]] = {
    "admin": {"role": "admin", "name": "Avery Admin"},
    "support": {"role": "support", "name": "Sam Support"},
    "support2": {"role": "support", "name": "Sasha Support"},
    # the dedicated account of the rate-limit check: wrong passwords lock it for a few seconds
    "lockout": {"role": "support", "name": "Lee Lockout"},
}
# role name in a launch-ready.toml -> (username env var, password env var)
DEMO_ROLE_ENV: dict[str, tuple[str, str]] = {
    "admin": ("LR_ADMIN_USER", "LR_ADMIN_PASS"),
    "support": ("LR_SUPPORT_USER", "LR_SUPPORT_PASS"),
    "support2": ("LR_SUPPORT2_USER", "LR_SUPPORT2_PASS"),
    "lockout": ("LR_LOCKOUT_USER", "LR_LOCKOUT_PASS"),  # [ratelimit] account, not a role
}

FLAWED_COOKIE_NAME = "session"
FIXED_COOKIE_NAME = "__Host-session"
FLAWED_SESSION_MAX_AGE = 7 * 24 * 3600  # 604800: a week-long admin session
FIXED_SESSION_MAX_AGE = 8 * 3600  # 28800: one working day

FLAWED_BANNER = f"Starlette/0.37 (Acme Ops {APP_VERSION})"
FIXED_SECURITY_HEADERS: dict[str, str] = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    **surface.ISOLATION_HEADERS,
}

SEARCH_DELAY_SECONDS = 0.7  # flawed build only; +/- 0.05 s jitter
LOGIN_FAILURE_LIMIT = 10  # fixed build: failed logins per username per window before 429
LOGIN_FAILURE_WINDOW = 60.0
# then the username is locked for a short cool-off (as django-axes or a gateway limiter would), so the
# rate-limit check, which waits for its account to be free again, costs the demo seconds, not a minute
LOGIN_LOCK_SECONDS = 12
MAX_BODY_BYTES = 64 * 1024
MAX_QUERY_CHARS = 200


def demo_env() -> dict[str, str]:
    """Environment variables carrying the demo credentials (as the audit config expects them)."""
    env: dict[str, str] = {}
    for user, (user_env, pass_env) in DEMO_ROLE_ENV.items():
        env[user_env] = user
        env[pass_env] = DEMO_PASSWORDS[user]
    return env


# --------------------------------------------------------------------------- data

_FIRST = ["Ada", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ivo", "Jun", "Kemi", "Luca"]
_LAST = ["Lovelace", "Costa", "Wei", "Haddad", "Obi", "Rahman", "Petrov", "Sato", "Novak", "Park", "Adeyemi", "Rossi"]
_PLANS = ["starter", "team", "business", "enterprise"]
_OWNERS = ["support", "support2", "admin"]


def _make_customers() -> list[dict[str, Any]]:
    customers = []
    for i in range(12):
        first, last = _FIRST[i], _LAST[i]
        customers.append(
            {
                "id": 101 + i,
                "name": f"{first} {last}",
                "company": f"{last} & Co",
                "email": f"{first.lower()}.{last.lower()}@example.com",
                "plan": _PLANS[i % len(_PLANS)],
                "owner": _OWNERS[i % len(_OWNERS)],
                "note": f"Renewal call with {first} in Q{1 + i % 4}",
            }
        )
    return customers


_SEED_AUDIT = [
    {"actor": "admin", "action": "role.grant", "target": "support2", "detail": "granted role support"},
    {"actor": "admin", "action": "export.download", "target": "customers.csv", "detail": "12 rows"},
    {"actor": "support", "action": "customer.note", "target": "customer 101", "detail": "updated the renewal note"},
    {"actor": "admin", "action": "user.password_reset", "target": "support", "detail": "temporary password issued"},
]


def _make_orders(customers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    orders = []
    n = 5001
    for c in customers:
        for k in range(1 + c["id"] % 3):
            orders.append(
                {
                    "id": n,
                    "customer_id": c["id"],
                    "amount_cents": 1900 + 1000 * ((c["id"] + k) % 7),
                    "status": ["paid", "paid", "refunded", "pending"][(c["id"] + k) % 4],
                }
            )
            n += 1
    return orders


@dataclass
class _Session:
    user: str
    created: float
    csrf: str = ""  # fixed build: the token its forms carry


class _State:
    """Mutable per-app state (sessions, rate-limit counters)."""

    def __init__(self, fixed: bool) -> None:
        self.fixed = fixed
        self.cookie_name = FIXED_COOKIE_NAME if fixed else FLAWED_COOKIE_NAME
        self.max_age = FIXED_SESSION_MAX_AGE if fixed else FLAWED_SESSION_MAX_AGE
        self.sessions: dict[str, _Session] = {}
        self.failures: dict[str, list[float]] = {}
        self.locked_until: dict[str, float] = {}
        self.customers = _make_customers()
        self.orders = _make_orders(self.customers)
        self.rng = random.Random()
        self.password_overrides: dict[str, str] = {}  # set by an admin password reset
        self.audit: list[dict[str, Any]] = [dict(e) for e in _SEED_AUDIT]
        self.profiles: dict[str, dict[str, Any]] = {u: dict(info) for u, info in DEMO_USERS.items()}
        self.preferences: dict[str, dict[str, str]] = {u: {"display_name": info["name"], "digest": "weekly"}
                                                       for u, info in DEMO_USERS.items()}
        self.disabled: set[str] = set()

    # sessions -------------------------------------------------------------
    def session_for(self, request: Request) -> _Session | None:
        sid = request.cookies.get(self.cookie_name)
        sess = self.sessions.get(sid) if sid else None
        if sess is None:
            return None
        if time.time() - sess.created > self.max_age:
            self.sessions.pop(sid, None)
            return None
        if self.fixed and sess.user in self.disabled:
            return None  # fixed: a disabled account's sessions end at once
        return sess

    def user_for(self, request: Request) -> dict[str, str] | None:
        sess = self.session_for(request)
        return None if sess is None else {"username": sess.user, **self.profiles[sess.user]}

    def disable(self, username: str) -> None:
        """The admin's "deactivate user": the flawed build only blocks new logins."""
        self.disabled.add(username)
        if self.fixed:
            for sid in [k for k, v in self.sessions.items() if v.user == username]:
                del self.sessions[sid]

    def visible_customers(self, user: dict[str, str]) -> list[dict[str, Any]]:
        if user["role"] == "admin":
            return list(self.customers)
        return [c for c in self.customers if c["owner"] == user["username"]]


# --------------------------------------------------------------------------- helpers


def _json_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _state(request: Request) -> _State:
    return request.app.state.demo


def _require(request: Request, role: str | None = None) -> tuple[dict[str, str] | None, Response | None]:
    """(user, None) when allowed, else (None, the refusal response)."""
    st = _state(request)
    user = st.user_for(request)
    if user is None:
        if _wants_html(request) and not request.url.path.startswith("/api/"):
            return None, RedirectResponse("/login?next=" + quote(request.url.path, safe="/"), status_code=302)
        return None, _json_error(401, "authentication required")
    if role is not None and user["role"] != role:
        return None, _json_error(403, "forbidden")
    return user, None


def _page(title: str, body: str) -> HTMLResponse:
    doc = (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n"
        "<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
        "<script src=\"/static/app.js\" defer></script>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
    return HTMLResponse(doc)


_APP_JS = """\
// Acme Ops Console front end (demo bundle)
(function () {
  "use strict";
  var API = {
    me: "/api/me",
    customers: "/api/customers",
    search: "/api/reports/search",
    adminUsers: "/admin/users",
    adminExport: "/admin/export"
  };
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }
  function render(el, rows) {
    el.textContent = "";
    rows.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = c.name + " (" + c.plan + ")";
      el.appendChild(li);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("status");
    var list = document.getElementById("customers");
    if (!status || !list) { return; }
    getJSON(API.me).then(function (me) {
      status.textContent = "Signed in as " + me.username;
      return getJSON(API.customers);
    }).then(function (data) {
      render(list, data.customers);
    }).catch(function () {
      status.textContent = "Not signed in.";
    });
  });
  window.AcmeOps = { api: API, getJSON: getJSON };
})();
"""

_APP_CSS = """\
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d2733; }
h1 { font-size: 1.5rem; }
form label { display: block; margin: .5rem 0; }
"""


# --------------------------------------------------------------------------- routes


async def home(request: Request) -> Response:
    return _page(
        APP_NAME,
        f"<h1>{html.escape(APP_NAME)}</h1>\n"
        "<p>Internal operations console for the Acme support team.</p>\n"
        "<p><a href=\"/login\">Sign in</a></p>\n"
        "<p id=\"status\"></p>\n<ul id=\"customers\"></ul>"
        + ("" if _state(request).fixed else "\n" + surface.MIXED_CONTENT_IMG),
    )


def bundle_keys(fixed: bool) -> dict[str, str]:
    """Keys inlined into the demo bundle, made at run time (no secret-shaped literal in this file).

    Both builds carry a Stripe *publishable* key: public by design, a decoy no scanner may report.
    The flawed build also inlines a fake SendGrid API key, the kind a build step copies from a
    `VITE_*` / `NEXT_PUBLIC_*` variable into the JavaScript everyone downloads (FLAWS.md, G1).
    """
    rng = random.Random(20240304)
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    b64url = alnum + "_-"
    keys = {"stripePublishableKey": "pk_" + "live_" + "".join(rng.choice(alnum) for _ in range(24))}
    if not fixed:
        keys["mailApiKey"] = ".".join(["S" + "G", "".join(rng.choice(b64url) for _ in range(22)),
                                       "".join(rng.choice(b64url) for _ in range(43))])
    return keys


def app_js(fixed: bool) -> str:
    config = ", ".join(f'{name}: "{value}"' for name, value in bundle_keys(fixed).items())
    return _APP_JS + f"window.AcmeConfig = {{ {config} }};\n"


async def static_js(request: Request) -> Response:
    # issue 4's inlined config (a SendGrid key in the flawed build) and issue 5's bundle flaws/Sentry
    return Response(surface.bundle(app_js(_state(request).fixed), _state(request).fixed), media_type="application/javascript")


async def static_css(request: Request) -> Response:
    return Response(_APP_CSS, media_type="text/css")


async def login_form(request: Request) -> Response:
    return _page(
        f"Sign in - {APP_NAME}",
        "<h1>Sign in</h1>\n"
        "<form method=\"post\" action=\"/login\">\n"
        "<label>Username <input name=\"username\" autocomplete=\"username\"></label>\n"
        "<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label>\n"
        "<button type=\"submit\">Sign in</button>\n</form>",
    )


async def _read_credentials(request: Request) -> tuple[str, str] | Response:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return _json_error(413, "request body too large")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if ctype == "application/json" or ctype.endswith("+json"):
            data = json.loads(body.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not an object")
            username, password = data.get("username"), data.get("password")
        elif ctype == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            username = form.get("username", [None])[0]
            password = form.get("password", [None])[0]
        else:
            return _json_error(415, "send application/json or a form")
    except (ValueError, UnicodeDecodeError):
        return _json_error(400, "malformed request body")
    if not isinstance(username, str) or not isinstance(password, str):
        return _json_error(400, "username and password are required")
    return username, password


async def login(request: Request) -> Response:
    st = _state(request)
    creds = await _read_credentials(request)
    if isinstance(creds, Response):
        return creds
    username, password = creds
    now = time.time()

    if st.fixed:
        locked_until = st.locked_until.get(username, 0.0)
        if now < locked_until:
            retry = max(1, int(locked_until - now) + 1)
            return _json_error(429, "too many failed sign-in attempts; try again later", {"Retry-After": str(retry)})
        recent = [t for t in st.failures.get(username, []) if now - t < LOGIN_FAILURE_WINDOW]
        st.failures[username] = recent
        if len(recent) >= LOGIN_FAILURE_LIMIT:
            st.locked_until[username] = now + LOGIN_LOCK_SECONDS
            st.failures.pop(username, None)
            return _json_error(429, "too many failed sign-in attempts; try again later",
                               {"Retry-After": str(LOGIN_LOCK_SECONDS)})

    expected = st.password_overrides.get(username, DEMO_PASSWORDS.get(username))
    if expected is None or not secrets.compare_digest(expected.encode(), password.encode()):
        if st.fixed:
            st.failures.setdefault(username, []).append(now)
            return _json_error(401, "invalid credentials")
        # flawed: tells an unknown user from a wrong password (user enumeration)
        return _json_error(401, "no such user" if expected is None else "wrong password")
    if username in st.disabled:
        return _json_error(403, "this account is disabled")

    old_sid = request.cookies.get(st.cookie_name)
    if st.fixed:
        st.failures.pop(username, None)
        if old_sid:
            st.sessions.pop(old_sid, None)
        sid = secrets.token_urlsafe(32)
    else:
        # flawed: keeps whatever session id the browser already had (session fixation)
        sid = old_sid if old_sid and 16 <= len(old_sid) <= 128 else secrets.token_urlsafe(32)
    st.sessions[sid] = _Session(user=username, created=now, csrf=secrets.token_urlsafe(24))

    resp = JSONResponse({"ok": True, "user": {"username": username, **st.profiles[username]}})
    resp.headers.append("set-cookie", _session_cookie(st, sid, st.max_age))
    return resp


def _session_cookie(st: _State, value: str, max_age: int) -> str:
    """The Set-Cookie value, written out by hand so the attributes are exactly as documented."""
    if st.fixed:
        return f"{st.cookie_name}={value}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite=Lax"
    # flawed: no Secure, no HttpOnly, no SameSite, a week-long lifetime
    return f"{st.cookie_name}={value}; Path=/; Max-Age={max_age}"


async def logout(request: Request) -> Response:
    st = _state(request)
    sid = request.cookies.get(st.cookie_name)
    resp = JSONResponse({"ok": True})
    if st.fixed and sid:
        st.sessions.pop(sid, None)  # server-side invalidation
    # flawed: only asks the browser to forget the cookie; the session id stays valid server-side
    resp.headers.append("set-cookie", _session_cookie(st, "", 0))
    return resp


async def me(request: Request) -> Response:
    user, refusal = _require(request)
    if refusal is not None:
        return refusal
    return JSONResponse(user)


async def customers_list(request: Request) -> Response:
    user, refusal = _require(request)
    if refusal is not None:
        return refusal
    assert user is not None
    rows = _state(request).visible_customers(user)
    return JSONResponse({"customers": rows, "count": len(rows)})


async def customer_detail(request: Request) -> Response:
    user, refusal = _require(request)
    if refusal is not None:
        return refusal
    assert user is not None
    st = _state(request)
    raw = request.path_params["customer_id"]
    if not raw.isdigit() or len(raw) > 9:
        return _json_error(404, "not found")
    cid = int(raw)
    # Fixed: support staff open only the customers they own; admins open all.
    # Flawed: the list is scoped, but the detail route looks the id up among all customers (IDOR).
    pool = st.visible_customers(user) if st.fixed else st.customers
    match = next((c for c in pool if c["id"] == cid), None)
    if match is None:
        return _json_error(404, "not found")
    orders = [o for o in st.orders if o["customer_id"] == cid]
    return JSONResponse({**match, "orders": orders})


async def customer_update(request: Request) -> Response:
    """PATCH {"note": "..."}: the owner (or an admin) changes the customer's note.

    Another user's customer: the fixed build answers 404; the flawed build answers 204 and changes
    nothing (a silent no-op, not a security hole: an audit that calls every 2xx a bypass gets this wrong).
    """
    user, refusal = _require(request)
    if refusal is not None:
        return refusal
    assert user is not None
    st = _state(request)
    raw = request.path_params["customer_id"]
    match = next((c for c in st.customers if str(c["id"]) == raw), None)
    if match is None:
        return _json_error(404, "not found")
    body = await request.body()
    try:
        data = json.loads(body.decode("utf-8")) if len(body) <= MAX_BODY_BYTES else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if (not isinstance(data, dict) or set(data) - {"note"} or not isinstance(data.get("note"), str)
            or len(data["note"]) > 500 or not _valid_text(data["note"])):
        return _json_error(400, 'send {"note": "<text of at most 500 characters>"}')
    mine = user["role"] == "admin" or match["owner"] == user["username"]
    if not mine:
        return _json_error(404, "not found") if st.fixed else Response(status_code=204)
    match["note"] = data["note"]
    return Response(status_code=204)


def _valid_text(text: str) -> bool:
    """Text that can be stored and shown again: no lone surrogates (they break every JSON answer later)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def me_update(request: Request) -> Response:
    """PATCH {"name": "..."}: change your own display name.

    Fixed: exactly {"name": <text of 1-80 characters>}, anything else is a 400. Flawed: no type check
    (a number crashes it: a 500 with the stack trace in the body) and every property sent is copied onto
    the profile, "role" included (mass assignment: a support user can make themselves admin).
    """
    user, refusal = _require(request)
    if refusal is not None:
        return refusal
    assert user is not None
    st = _state(request)
    body = await request.body()
    try:
        data = json.loads(body.decode("utf-8")) if len(body) <= MAX_BODY_BYTES else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return _json_error(400, 'send {"name": "<your display name>"}')
    profile = st.profiles[user["username"]]
    if st.fixed:
        name = data.get("name")
        if set(data) != {"name"} or not isinstance(name, str) or not 1 <= len(name.strip()) <= 80 or not _valid_text(name):
            return _json_error(400, 'send {"name": "<1 to 80 characters>"}')
        profile["name"] = name.strip()
        return Response(status_code=204)
    try:
        if "name" in data and not (1 <= len(data["name"].strip()) <= 80 and _valid_text(data["name"])):
            return _json_error(400, 'send {"name": "<1 to 80 characters>"}')
        profile.update({k: v for k, v in data.items() if k != "username"})  # flawed: whatever was sent
    except Exception:  # flawed: debug-style error page with the stack trace
        import traceback

        return Response(traceback.format_exc(), status_code=500, media_type="text/plain")
    return Response(status_code=204)


_PREFS_FORM = """<h1>Preferences</h1>
<form method="post" action="/preferences">
{token}<label>Display name <input name="display_name" value="{display_name}"></label>
<label>Digest e-mails <select name="digest"><option value="daily"{daily}>daily</option><option value="weekly"{weekly}>weekly</option></select></label>
<button type="submit">Save</button>
</form>"""


async def preferences_page(request: Request) -> Response:
    user, refusal = _require(request)
    if refusal is not None:
        return refusal
    assert user is not None
    st = _state(request)
    sess = st.session_for(request)
    token = (f'<input type="hidden" name="csrf_token" value="{html.escape(sess.csrf)}">\n' if st.fixed and sess else "")
    prefs = st.preferences[user["username"]]
    digest = prefs["digest"]
    return _page(f"Preferences - {APP_NAME}", _PREFS_FORM.format(
        token=token, display_name=html.escape(prefs["display_name"]),
        daily=" selected" if digest == "daily" else "", weekly=" selected" if digest == "weekly" else ""))


async def preferences_save(request: Request) -> Response:
    """The preferences form. Fixed: the session's CSRF token must come with it and a foreign Origin is
    refused. Flawed: neither (with a cookie without SameSite, any site can submit it for a logged-in user)."""
    user, refusal = _require(request)
    if refusal is not None:
        return refusal
    assert user is not None
    st = _state(request)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return _json_error(415, "send the form")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _json_error(413, "request body too large")
    try:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
    except UnicodeDecodeError:
        return _json_error(400, "malformed form")
    if st.fixed:
        sess = st.session_for(request)
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        if (sess is None or not secrets.compare_digest(form.get("csrf_token", ""), sess.csrf)
                or (origin is not None and origin != own)):
            return _json_error(403, "cross-site request refused")
    name = form.get("display_name", "")
    if not 1 <= len(name.strip()) <= 80 or form.get("digest", "weekly") not in ("daily", "weekly"):
        return _json_error(400, "display name: 1 to 80 characters; digest: daily or weekly")
    st.preferences[user["username"]].update(display_name=name.strip(), digest=form.get("digest", "weekly"))
    return RedirectResponse("/preferences", status_code=303)


def _admin_and_account(request: Request):
    """(admin user, state, the account named in the path), or the refusal / 404 to answer."""
    user, refusal = _require(request, role="admin")
    if refusal is not None:
        return refusal
    st = _state(request)
    username = request.path_params["username"]
    if username not in st.profiles:
        return _json_error(404, "not found")
    return user, st, username


async def admin_disable_user(request: Request) -> Response:
    """An admin deactivates an account (the revocation drill). Fixed: its open sessions end too."""
    found = _admin_and_account(request)
    if isinstance(found, Response):
        return found
    user, st, username = found
    st.disable(username)
    st.audit.append({"actor": user["username"], "action": "user.disable", "target": username, "detail": "account disabled"})
    return JSONResponse({"ok": True, "username": username, "disabled": True})


async def reports_search(request: Request) -> Response:
    user, refusal = _require(request)
    if refusal is not None:
        return refusal
    assert user is not None
    st = _state(request)
    q = request.query_params.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        return _json_error(400, f"q is longer than {MAX_QUERY_CHARS} characters")
    if not st.fixed:
        # flawed: an unindexed full scan of the reporting tables
        await asyncio.sleep(SEARCH_DELAY_SECONDS + st.rng.uniform(-0.05, 0.05))
    needle = q.strip().lower()
    results = []
    for c in st.visible_customers(user):
        if needle in c["name"].lower() or needle in c["email"].lower() or needle in c["company"].lower():
            total = sum(o["amount_cents"] for o in st.orders if o["customer_id"] == c["id"])
            results.append({"customer_id": c["id"], "name": c["name"], "plan": c["plan"], "revenue_cents": total})
    return JSONResponse({"q": q, "results": results, "count": len(results)})


async def admin_users(request: Request) -> Response:
    user, refusal = _require(request, role="admin")
    if refusal is not None:
        return refusal
    users = [{"username": u, **info, "disabled": u in _state(request).disabled} for u, info in _state(request).profiles.items()]
    return JSONResponse({"users": users})


async def admin_set_role(request: Request) -> Response:
    """POST /admin/users/{username}/role: declared in the demo repo's source, so the app serves it too.

    Admin only in both builds. It validates its input and never changes a demo account's real role
    (the audit must be able to run twice against one server), answering 204 as if it had.
    """
    user, refusal = _require(request, role="admin")
    if refusal is not None:
        return refusal
    if request.path_params["username"] not in DEMO_USERS:
        return _json_error(404, "not found")
    try:
        data = await request.json()
    except ValueError:
        return _json_error(400, "expected JSON")
    if not isinstance(data, dict) or data.get("role") not in ("admin", "support"):
        return _json_error(400, "role must be admin or support")
    return Response(status_code=204)


async def admin_audit_log(request: Request) -> Response:
    st = _state(request)
    # flawed: checks the login but not the role
    user, refusal = _require(request, role="admin" if st.fixed else None)
    if refusal is not None:
        return refusal
    return JSONResponse({"events": st.audit})


async def admin_reset_password(request: Request) -> Response:
    """Issue a temporary password. Flawed build: a GET (a link or an image tag can trigger it)."""
    found = _admin_and_account(request)
    if isinstance(found, Response):
        return found
    user, st, username = found
    st.password_overrides[username] = secrets.token_urlsafe(12)  # the old password stops working
    st.audit.append({"actor": user["username"], "action": "user.password_reset", "target": username,
                     "detail": "temporary password issued"})
    return JSONResponse({"ok": True, "username": username, "temporary_password_sent": True})


async def debug_vars(request: Request) -> Response:
    """Flawed build only: a leftover debug page, in no documentation, with no login."""
    st = _state(request)
    return JSONResponse({
        "app": APP_NAME, "version": APP_VERSION, "debug": True, "build": "flawed",
        "sessions_active": len(st.sessions), "customers_loaded": len(st.customers),
        "database_host": "db.internal:5432", "feature_flags": ["new-search", "bulk-export"],
    })


async def admin_export(request: Request) -> Response:
    st = _state(request)
    if st.fixed:
        user, refusal = _require(request, role="admin")
        if refusal is not None:
            return refusal
    # flawed: no authentication at all on the full customer export
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "name", "company", "email", "plan", "owner"])
    for c in st.customers:
        writer.writerow([c["id"], c["name"], c["company"], c["email"], c["plan"], c["owner"]])
    return Response(
        buf.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="customers.csv"'},
    )


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def status_page(request: Request) -> Response:
    """A public status page, as an uptime tool publishes one (the guided status-page check reads it)."""
    return HTMLResponse("<!doctype html><title>Acme Ops Console status</title>"
                        "<h1>Acme Ops Console</h1><p>All systems operational</p>")


# --------------------------------------------------------------------------- middleware


class AccessLogMiddleware:
    """Appends one entry per request to ``log`` (outermost, so it sees the final status)."""

    def __init__(self, app: ASGIApp, log: list[dict[str, Any]]) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry = access_log_entry(scope)
        self.log.append(entry)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except BaseException:
            if entry["status"] is None:
                entry["status"] = 500
            raise


def access_log_entry(scope: Scope) -> dict[str, Any]:
    """One access-log entry: scheme, method, path, query, status, and whether a Cookie /
    Authorization header was sent (never their values)."""
    headers = {k.decode("latin1").lower(): v.decode("latin1") for k, v in scope.get("headers", [])}
    return {
        "time": time.time(),
        "scheme": scope.get("scheme", "http"),
        "method": scope["method"],
        "path": scope["path"],
        "query": scope.get("query_string", b"").decode("latin1"),
        "status": None,  # filled in when the response starts
        "cookie": "cookie" in headers,
        "authorization": "authorization" in headers,
        "user_agent": headers.get("user-agent", ""),
    }


class SecurityHeadersMiddleware:
    """Fixed build: the security headers; flawed build: none of them, plus a version banner."""

    def __init__(self, app: ASGIApp, fixed: bool) -> None:
        self.app = app
        self.fixed = fixed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-powered-by"]
                if self.fixed:
                    for name, value in FIXED_SECURITY_HEADERS.items():
                        headers.append((name.lower().encode(), value.encode()))
                    if not path.startswith("/static/"):
                        headers.append((b"cache-control", b"no-store"))
                else:
                    headers.append((b"x-powered-by", FLAWED_BANNER.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_wrapper)


# --------------------------------------------------------------------------- factory


def build_app(fixed: bool, *, access_log: list[dict[str, Any]] | None = None) -> Starlette:
    """Build the demo app. ``fixed=False`` is the flawed build.

    ``access_log`` (optional) is the list requests are appended to; it is also
    ``app.state.access_log``. The demo server passes one list shared with its plain
    HTTP listener so the log covers both schemes.
    """
    log: list[dict[str, Any]] = access_log if access_log is not None else []
    routes = [
        Route("/", home, methods=["GET"]),
        Route("/static/app.js", static_js, methods=["GET"]),
        Route("/static/app.css", static_css, methods=["GET"]),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/me", me, methods=["GET"]),
        Route("/api/me", me_update, methods=["PATCH"]),
        Route("/preferences", preferences_page, methods=["GET"]),
        Route("/preferences", preferences_save, methods=["POST"]),
        Route("/admin/users/{username}/disable", admin_disable_user, methods=["POST"]),
        Route("/api/customers", customers_list, methods=["GET"]),
        Route("/api/customers/{customer_id}", customer_detail, methods=["GET"]),
        Route("/api/reports/search", reports_search, methods=["GET"]),
        Route("/api/customers/{customer_id}", customer_update, methods=["PATCH"]),
        Route("/admin/users", admin_users, methods=["GET"]),
        Route("/admin/users/{username}/role", admin_set_role, methods=["POST"]),
        Route("/admin/users/{username}/reset-password", admin_reset_password, methods=["POST" if fixed else "GET"]),
        Route("/admin/audit-log", admin_audit_log, methods=["GET"]),
        Route("/admin/export", admin_export, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/status", status_page, methods=["GET"]),
    ]
    if not fixed:
        routes.append(Route("/debug/vars", debug_vars, methods=["GET"]))
        routes += surface.flawed_routes(_APP_JS, APP_VERSION)  # the HTTP-surface flaws: see wizard/demo/surface.py
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(AccessLogMiddleware, log=log),
            Middleware(SecurityHeadersMiddleware, fixed=fixed),
            *([] if fixed else [Middleware(surface.ReflectingCorsMiddleware), Middleware(surface.StrictPathMiddleware)]),
        ],
        debug=not fixed,  # flawed: tracebacks in error pages
    )
    app.state.fixed = fixed
    app.state.access_log = log
    app.state.demo = _State(fixed)
    return app
