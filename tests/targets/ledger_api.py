"""A second audit target: "Ledger API", a JSON API with bearer JWTs on the standard library's HTTP server.

The demo app is Starlette with a cookie session; this one differs in framework (http.server), auth
style (HS256 JWT in `Authorization: Bearer`, token nested in the login answer under
`data.access_token`, login by email), id shape (`inv-1001`) and response shape (`{"data": {...}}`).
It publishes its OpenAPI spec at /openapi.json (found by the inventory's discovery) and keeps an
access log of every request it served, with no credential value in it.

Planted in the flawed build (`fixed=False`), none in the fixed one:
  L1 GET /v1/invoices/{invoice_id}: any logged-in user reads any invoice (object level)
  L2 PATCH /v1/invoices/{invoice_id}: any logged-in user changes any invoice's memo (cross-user write)
  L3 GET /v1/admin/tenants: any valid token, not only finance (function level)
  L4 GET /v1/reports/summary: the JWT is decoded without checking its signature (invalid token accepted)
  L5 GET /v1/invoices/{invoice_id}/void: voids the invoice on a GET (state-changing GET; fixed: POST)
  L6 GET /v1/internal/debug: open without a token, in no spec (found only through a plain list)
  L7 tokens are signed with the well-known secret "secret" (fixed: 32 random bytes)
  L8 tokens live 30 days (fixed: 1 hour)
  L9 POST /v1/auth/logout answers 204 and the token keeps working (fixed: its id is revoked)
  L10 no limit on wrong passwords at /v1/auth/token (fixed: 5 per e-mail per 10 s, then 429 with RateLimit headers)
  L11 POST /v1/invoices crashes on a wrong type: 500 with a Python stack trace (fixed: 400)
  L12 POST /v1/invoices copies every property sent onto the new invoice (role, owner...) (fixed: 400)
  L13 a disabled user's tokens keep working until they expire (fixed: refused at once)

`extra_resources=N` adds N REST resources (list, create, read, update, delete) and `extra_admin=M`
finance-only report routes, for the matrix benchmark.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

USERS = {  # email -> (password, role, name); throwaway test values for a loopback server
    "carol@ledger.test": ("ledger-finance-pass-5521", "finance", "Carol Finance"),
    "erin@ledger.test": ("ledger-auditor-pass-8830", "auditor", "Erin Auditor"),
    "alice@ledger.test": ("ledger-alice-pass-1194", "member", "Alice Member"),
    "bob@ledger.test": ("ledger-bob-pass-6627", "member", "Bob Member"),
    "dave@ledger.test": ("ledger-dave-pass-3074", "member", "Dave Lockout"),  # the rate-limit test account
}
RATELIMIT_ENV = ("LEDGER_LOCKOUT_USER", "LEDGER_LOCKOUT_PASS", "dave@ledger.test")
FAILURE_LIMIT, FAILURE_WINDOW = 5, 10.0  # fixed build: wrong passwords per e-mail per window
ROLE_ENV = {  # config role -> (user env, password env, email)
    "finance": ("LEDGER_FINANCE_USER", "LEDGER_FINANCE_PASS", "carol@ledger.test"),
    "auditor": ("LEDGER_AUDITOR_USER", "LEDGER_AUDITOR_PASS", "erin@ledger.test"),
    "alice": ("LEDGER_ALICE_USER", "LEDGER_ALICE_PASS", "alice@ledger.test"),
    "bob": ("LEDGER_BOB_USER", "LEDGER_BOB_PASS", "bob@ledger.test"),
}
LEVELS = {"finance": 10, "auditor": 5, "alice": 1, "bob": 1}
MEMBERS = ("alice@ledger.test", "bob@ledger.test")


def ledger_env() -> dict[str, str]:
    env = {}
    for user_env, pass_env, email in (*ROLE_ENV.values(), RATELIMIT_ENV):
        env[user_env] = email
        env[pass_env] = USERS[email][0]
    return env


def config_toml(base_url: str, *, write: bool = False, endpoints_list: str | None = None, extra: str = "") -> str:
    roles = "\n".join(
        f'[roles.{name}]\nlevel = {LEVELS[name]}\n'
        f'login = {{ route = "POST /v1/auth/token", username_env = "{u}", password_env = "{p}", '
        f'username_field = "email", token_json = "data.access_token" }}\n'
        f'whoami = "GET /v1/me"\nlogout = "POST /v1/auth/logout"\n'
        for name, (u, p, _) in ROLE_ENV.items())
    return f"""[target]
url = "{base_url}"
scope = ["127.0.0.1"]
environment = "staging"

[endpoints]
from_source = false
{f'list = "{endpoints_list}"' if endpoints_list else ''}

{roles}
# invoices are members' own records: every logged-in role may use the routes, only on its own invoices
[[access]]
route = "* /v1/invoices*"
allow = ["authenticated"]
owner_only = true

[[access]]
route = "GET /v1/reports/summary"
allow = ["authenticated"]

[ratelimit]
account = {{ route = "POST /v1/auth/token", username_env = "{RATELIMIT_ENV[0]}", password_env = "{RATELIMIT_ENV[1]}", username_field = "email", token_json = "data.access_token" }}
max_wait_seconds = 30

[revocation]
role = "bob"

[consent]
login = true
write = {str(write).lower()}
{extra}"""


def _utf8(text) -> bool:
    try:
        str(text).encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LedgerApi:
    """`with LedgerApi(fixed=False) as api: api.base_url, api.access_log`"""

    def __init__(self, fixed: bool, *, extra_resources: int = 0, extra_admin: int = 0):
        self.fixed = fixed
        self.secret = secrets.token_bytes(32) if fixed else b"secret"
        self.lifetime = 3600 if fixed else 30 * 86400
        self.revoked: set[str] = set()
        self.disabled: set[str] = set()
        self.failures: dict[str, list[float]] = {}
        self.access_log: list[dict[str, Any]] = []
        self.extra_resources = extra_resources
        self.extra_admin = extra_admin
        self.lock = threading.Lock()
        owners = ["alice@ledger.test", "bob@ledger.test", "alice@ledger.test", "bob@ledger.test", "carol@ledger.test"]
        self.invoices = {
            f"inv-{1001 + i}": {"id": f"inv-{1001 + i}", "owner": owner, "customer": f"Customer {chr(65 + i)} GmbH",
                                "amount_cents": 12000 + 1500 * i, "currency": "EUR", "memo": f"Order {4400 + i}",
                                "status": "open"}
            for i, owner in enumerate(owners)
        }
        self.records = {
            k: {f"r{k}-{n}": {"id": f"r{k}-{n}", "owner": MEMBERS[n % 2], "title": f"Item {k}.{n} of {MEMBERS[n % 2]}"}
                for n in range(4)}
            for k in range(extra_resources)
        }
        self.voided: list[str] = []
        self.deleted: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    # -- tokens ------------------------------------------------------------------------------
    def issue(self, email: str) -> str:
        now = int(time.time())
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps({"sub": email, "role": USERS[email][1], "iat": now, "exp": now + self.lifetime,
                                "jti": secrets.token_hex(8)}).encode())
        sig = _b64(hmac.new(self.secret, f"{head}.{body}".encode(), hashlib.sha256).digest())
        return f"{head}.{body}.{sig}"

    def verify(self, token: str, *, check_signature: bool = True) -> dict | None:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        if check_signature:
            want = _b64(hmac.new(self.secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(want, parts[2]):
                return None
        if not isinstance(claims, dict) or claims.get("sub") not in USERS or claims.get("exp", 0) < time.time():
            return None
        if self.fixed and (claims.get("jti") in self.revoked or claims["sub"] in self.disabled):
            return None
        return claims

    def disable(self, email: str) -> None:
        """An admin deactivates the account (the revocation drill): new logins are refused."""
        with self.lock:
            self.disabled.add(email)

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> "LedgerApi":
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                entry = {"method": self.command, "path": self.path.split("?")[0], "status": None,
                         "authorization": "authorization" in {k.lower() for k in self.headers}}
                with api.lock:
                    api.access_log.append(entry)
                    status, payload, extra = api.route(self.command, self.path.split("?")[0], self.headers, body)
                entry["status"] = status
                raw = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- the API -----------------------------------------------------------------------------
    def route(self, method: str, path: str, headers, body: bytes) -> tuple[int, Any, dict]:
        deny = (401, {"error": {"code": "unauthorized", "message": "a valid bearer token is required"}},
                {"WWW-Authenticate": "Bearer"})
        forbidden = (403, {"error": {"code": "forbidden"}}, {})
        missing = (404, {"error": {"code": "not_found"}}, {})
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""

        def user(check_signature: bool = True) -> dict | None:
            claims = self.verify(token, check_signature=check_signature) if token else None
            return {"email": claims["sub"], "role": claims["role"]} if claims else None

        def json_body() -> dict | None:
            try:
                doc = json.loads(body or b"null")
            except ValueError:
                return None
            return doc if isinstance(doc, dict) else None

        if path == "/healthz" and method == "GET":
            return 200, {"ok": True}, {}
        if path == "/openapi.json" and method == "GET":
            return 200, self.spec(), {}
        if path == "/v1/auth/token" and method == "POST":
            doc = json_body() or {}
            email = str(doc.get("email"))
            now = time.time()
            recent = [t for t in self.failures.get(email, []) if now - t < FAILURE_WINDOW]
            if self.fixed and len(recent) >= FAILURE_LIMIT:
                reset = int(FAILURE_WINDOW - (now - recent[0])) + 1
                return 429, {"error": {"code": "rate_limited"}}, {
                    "RateLimit-Limit": str(FAILURE_LIMIT), "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)}
            known = USERS.get(email)
            if not known or not hmac.compare_digest(known[0], str(doc.get("password", ""))):
                self.failures[email] = recent + [now]
                return 401, {"error": {"code": "invalid_credentials"}}, {}
            if email in self.disabled:
                return 403, {"error": {"code": "account_disabled"}}, {}
            self.failures.pop(email, None)
            return 200, {"data": {"access_token": self.issue(email), "token_type": "bearer",
                                  "expires_in": self.lifetime}}, {}
        if path == "/v1/internal/debug" and method == "GET":
            u = user()
            if self.fixed and (u is None or u["role"] != "finance"):
                return deny if u is None else forbidden
            return 200, {"build": "flawed" if not self.fixed else "fixed", "jwt_alg": "HS256",
                         "invoices_loaded": len(self.invoices), "workers": 4}, {}
        if path == "/v1/reports/summary" and method == "GET":
            u = user(check_signature=self.fixed)  # flawed: decodes the token without verifying it
            if u is None:
                return deny
            mine = [i for i in self.invoices.values() if i["owner"] == u["email"]]
            return 200, {"data": {"owner": u["email"], "invoices": len(mine),
                                  "total_cents": sum(i["amount_cents"] for i in mine)}}, {}

        u = user()
        if u is None:
            return deny
        finance = u["role"] == "finance"
        if path == "/v1/auth/logout" and method == "POST":
            claims = self.verify(token)
            if self.fixed and claims:
                self.revoked.add(claims.get("jti", ""))  # fixed: the token stops working; flawed: nothing happens
            return 204, None, {}
        if path == "/v1/me" and method == "GET":
            return 200, {"data": {"email": u["email"], "role": u["role"], "name": USERS[u["email"]][2]}}, {}
        if path == "/v1/admin/tenants" and method == "GET":
            if self.fixed and not finance:
                return forbidden
            return 200, {"data": [{"tenant": "acme-eu", "plan": "enterprise", "seats": 140},
                                  {"tenant": "globex-us", "plan": "business", "seats": 38}]}, {}
        if path == "/v1/admin/metrics" and method == "GET":
            if not finance:
                return forbidden
            return 200, {"data": {"mrr_cents": 4812000, "churn_bp": 214, "open_invoices": len(self.invoices)}}, {}
        m = re.fullmatch(r"/v1/admin/report(\d+)", path)
        if m and method == "GET" and int(m.group(1)) < self.extra_admin:
            if not finance:
                return forbidden
            return 200, {"data": {"report": f"report{m.group(1)}", "rows": [f"row {m.group(1)}-{n}" for n in range(5)]}}, {}
        if path == "/v1/invoices":
            if method == "GET":
                rows = [i for i in self.invoices.values() if finance or i["owner"] == u["email"]]
                return 200, {"data": {"items": rows, "total": len(rows)}}, {}
            if method == "POST":
                return self.create_invoice(json_body(), u)
        m = re.fullmatch(r"/v1/invoices/([\w-]+)(/void)?", path)
        if m:
            inv = self.invoices.get(m.group(1))
            if inv is None:
                return missing
            mine = finance or inv["owner"] == u["email"]
            if m.group(2):
                if method != ("POST" if self.fixed else "GET"):
                    return 405, {"error": {"code": "method_not_allowed"}}, {}
                if not mine:
                    return forbidden
                inv["status"] = "void"
                self.voided.append(inv["id"])
                return 200, {"data": inv}, {}
            if method == "GET":
                if self.fixed and not mine:
                    return forbidden
                return 200, {"data": inv}, {}
            if method == "PATCH":
                doc = json_body()
                if (doc is None or set(doc) - {"memo"} or not isinstance(doc.get("memo"), str)
                        or len(doc["memo"]) > 200 or not _utf8(doc["memo"])):
                    return 400, {"error": {"code": "invalid", "message": 'send {"memo": "..."}'}}, {}
                if self.fixed and not mine:
                    return forbidden
                inv["memo"] = doc["memo"]  # flawed: whoever asks
                return 204, None, {}
            if method == "DELETE":
                if not mine:
                    return forbidden
                self.deleted.append(inv["id"])
                del self.invoices[inv["id"]]
                return 204, None, {}
        m = re.fullmatch(r"/v1/res(\d+)(?:/([\w-]+))?", path)
        if m and int(m.group(1)) < self.extra_resources:
            records = self.records[int(m.group(1))]
            if m.group(2) is None:
                if method == "GET":
                    return 200, {"data": {"items": [r for r in records.values() if finance or r["owner"] == u["email"]]}}, {}
                return 201, {"data": {"id": "new"}}, {}
            rec = records.get(m.group(2))
            if rec is None:
                return missing
            if not (finance or rec["owner"] == u["email"]):
                return forbidden
            if method == "DELETE":
                self.deleted.append(rec["id"])
            return (200, {"data": rec}, {}) if method == "GET" else (204, None, {})
        return missing

    def create_invoice(self, doc: dict | None, u: dict) -> tuple[int, Any, dict]:
        """Fixed: exactly customer (text), amount_cents (a positive integer), optional currency and memo.
        Flawed: no type checks (a wrong type crashes with the stack trace in the answer) and every property
        sent lands on the invoice."""
        invalid = (400, {"error": {"code": "invalid", "message": "customer (text) and amount_cents (integer) are required"}}, {})
        if doc is None:
            return invalid
        new_id = f"inv-{2001 + len(self.invoices) + len(self.deleted)}"
        if self.fixed:
            allowed = {"customer", "amount_cents", "currency", "memo"}
            customer, amount = doc.get("customer"), doc.get("amount_cents")
            if (set(doc) - allowed or not isinstance(customer, str) or not 1 <= len(customer) <= 120
                    or not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount < 10**9
                    or doc.get("currency", "EUR") not in ("EUR", "USD")
                    or not isinstance(doc.get("memo", ""), str) or len(doc.get("memo", "")) > 200
                    or not all(_utf8(v) for v in (customer, doc.get("memo", "")))):
                return invalid
            inv = {"id": new_id, "owner": u["email"], "customer": customer, "amount_cents": amount,
                   "currency": doc.get("currency", "EUR"), "memo": doc.get("memo", ""), "status": "open"}
        else:
            import traceback

            try:
                if len(doc["customer"]) > 120 or not _utf8(doc["customer"]) or doc["amount_cents"] + 0 <= 0:
                    return invalid
                inv = {"id": new_id, "owner": u["email"], "currency": "EUR", "memo": "", "status": "open", **doc}
            except Exception:
                return 500, {"error": "internal", "trace": traceback.format_exc()}, {}
        self.invoices[new_id] = inv
        return 201, {"data": inv}, {}

    def spec(self) -> dict:
        bearer = [{"bearerAuth": []}]
        op = lambda summary, tags, **kw: {"summary": summary, "tags": tags, "responses": {"200": {"description": "ok"}}, **kw}
        idp = [{"name": "invoice_id", "in": "path", "required": True, "schema": {"type": "string", "example": "inv-1001"}}]
        memo = {"content": {"application/json": {"schema": {"type": "object", "properties": {"memo": {"type": "string"}}}}}}
        paths: dict[str, Any] = {
            "/healthz": {"get": op("Health", ["ops"], security=[])},
            "/v1/auth/token": {"post": op("Log in", ["auth"], security=[])},
            "/v1/me": {"get": op("Who am I", ["account"])},
            "/v1/invoices": {"get": op("My invoices", ["invoices"]), "post": op("Create an invoice", ["invoices"], requestBody={
                "content": {"application/json": {"schema": {"type": "object", "required": ["customer", "amount_cents"],
                                                            "properties": {"customer": {"type": "string"},
                                                                           "amount_cents": {"type": "integer", "minimum": 1},
                                                                           "currency": {"type": "string", "enum": ["EUR", "USD"]},
                                                                           "memo": {"type": "string"}}}}}})},
            "/v1/invoices/{invoice_id}": {
                "get": op("One invoice", ["invoices"], parameters=idp),
                "patch": op("Change the memo", ["invoices"], parameters=idp, requestBody=memo),
                "delete": op("Delete an invoice", ["invoices"], parameters=idp),
            },
            "/v1/invoices/{invoice_id}/void": {("post" if self.fixed else "get"): op("Void an invoice", ["invoices"], parameters=idp)},
            "/v1/admin/tenants": {"get": op("All tenants", ["admin"])},
            "/v1/admin/metrics": {"get": op("Business metrics", ["admin"])},
            "/v1/reports/summary": {"get": op("My summary", ["reports"])},
        }
        for k in range(self.extra_resources):
            rid = [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}}]
            paths[f"/v1/res{k}"] = {"get": op("List", ["res"]), "post": op("Create", ["res"])}
            paths[f"/v1/res{k}/{{item_id}}"] = {"get": op("Read", ["res"], parameters=rid),
                                                "patch": op("Update", ["res"], parameters=rid),
                                                "delete": op("Delete", ["res"], parameters=rid)}
        for k in range(self.extra_admin):
            paths[f"/v1/admin/report{k}"] = {"get": op("Report", ["admin"])}
        return {"openapi": "3.0.3", "info": {"title": "Ledger API", "version": "2.1.0"},
                "servers": [{"url": "/"}], "security": bearer,
                "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
                "paths": paths}
