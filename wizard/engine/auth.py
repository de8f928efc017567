"""Logging in as a named test account, and the cookie parsing every session check shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from wizard.redact import redact, register_secret


@dataclass
class SetCookie:
    name: str
    value: str
    attrs: dict[str, str] = field(default_factory=dict)  # lower-cased names; flags map to ""
    raw: str = ""

    @property
    def secure(self) -> bool:
        return "secure" in self.attrs

    @property
    def httponly(self) -> bool:
        return "httponly" in self.attrs

    @property
    def samesite(self) -> str | None:
        v = self.attrs.get("samesite")
        return v.capitalize() if v else None

    def lifetime_seconds(self, now: datetime | None = None) -> float | None:
        """Max-Age wins over Expires (RFC 6265); None means a browser-session cookie."""
        if "max-age" in self.attrs:
            try:
                return float(self.attrs["max-age"])
            except ValueError:
                return None
        if "expires" in self.attrs:
            try:
                exp = parsedate_to_datetime(self.attrs["expires"])
            except (TypeError, ValueError):
                return None
            if exp.tzinfo is None:
                exp = exp.replace(tzinfo=timezone.utc)
            return (exp - (now or datetime.now(timezone.utc))).total_seconds()
        return None

    @property
    def is_csrf(self) -> bool:
        n = self.name.lower()
        return "csrf" in n or "xsrf" in n

    @property
    def looks_like_session(self) -> bool:
        n = self.name.lower()
        return not self.is_csrf and any(w in n for w in ("sess", "sid", "auth", "token", "login", "jwt", "remember"))

    def redacted(self) -> str:
        """The Set-Cookie line with its value masked."""
        attrs = "; ".join(f"{k}={v}" if v else k for k, v in self.attrs.items())
        value = redact(self.value, "cookie") if self.value else ""
        return f"{self.name}={value}" + (f"; {attrs}" if attrs else "")


def parse_set_cookie(line: str) -> SetCookie | None:
    """Lenient: a malformed attribute is skipped, a line without name=value gives None."""
    parts = line.split(";")
    name, sep, value = parts[0].partition("=")
    name = name.strip()
    if not sep or not name:
        return None
    value = value.strip().strip('"')
    register_secret(value, "cookie")
    attrs: dict[str, str] = {}
    for part in parts[1:]:
        k, _, v = part.partition("=")
        k = k.strip().lower()
        if k:
            attrs[k] = v.strip()
    return SetCookie(name, value, attrs, line)


@dataclass
class AuthState:
    """What a logged-in role sends: a cookie header and/or a bearer token (in memory only)."""

    role: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[SetCookie] = field(default_factory=list)
    status: int = 0
    ok: bool = False
    reason: str = ""
    token: str | None = None  # the bearer token, when the role uses one (already registered for redaction)
    answer: object = None  # the login answer's JSON (who logged in), for telling a user's own data apart


_TOKEN_KEYS = ("token", "access_token", "accessToken", "jwt", "id_token", "auth_token")


def find_token(doc, dotted: str | None = None) -> str | None:
    """The token in a login answer: at `dotted` (e.g. 'data.access_token'), else at a usual key,
    at the top level or one level down (`data`, `result`, `session`)."""
    if dotted:
        node = doc
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, str) and node else None
    if not isinstance(doc, dict):
        return None
    for holder in (doc, *(v for v in doc.values() if isinstance(v, dict))):
        token = next((holder[k] for k in _TOKEN_KEYS if isinstance(holder.get(k), str) and holder[k]), None)
        if token:
            return token
    return None


def token_headers(role, token: str) -> dict[str, str]:
    return {role.token_header: f"{role.token_prefix}{token}"}


def looks_like_jwt(token: str) -> bool:
    parts = token.split(".")
    return len(parts) == 3 and all(parts[:2]) and parts[0].startswith("eyJ")


@dataclass
class LoginAnswer:
    """One submitted login form: what came back, and whether it opened a session (a token or cookie)."""

    resp: object  # wizard.engine.http.Response
    cookies: list[SetCookie]
    token: str | None
    answer: object = None

    @property
    def ok(self) -> bool:
        # Success is a token or a cookie, not the status code: some apps answer 302 to both outcomes.
        return bool(self.token or self.cookies) and self.resp.status < 400


async def submit_login(ctx, recipe, username: str, password: str, probe: str,
                       headers: dict[str, str] | None = None) -> LoginAnswer:
    """POST one login as a recipe describes it (through the audit's client, marked as a login)."""
    method, _, path = recipe.route.partition(" ")
    fields = {recipe.username_field: username, recipe.password_field: password}
    body = {"json": fields} if recipe.format == "json" else {"data": fields}
    resp = await ctx.http.request(method, ctx.base_url + path, probe=probe, login=True, follow_redirects=False,
                                  headers=headers, **body)
    cookies = [c for c in (parse_set_cookie(h) for h in resp.set_cookies) if c]
    token, answer = None, None
    if recipe.token_response_header:
        token = resp.headers.get(recipe.token_response_header) or None
        if token and token.lower().startswith("bearer "):
            token = token[7:]
    else:
        try:
            answer = resp.json()
            token = find_token(answer, recipe.token_json)
        except ValueError:
            pass
    if token:
        register_secret(token, "token")
        if resp.status < 400:
            ctx.http.note_issued(token, probe)
    return LoginAnswer(resp, cookies, token, answer)


async def login(ctx, role_name: str, probe: str) -> AuthState:
    """Log in with a role's recipe, or use its token/cookie from the environment."""
    role = ctx.config.roles[role_name]
    creds = ctx.credentials.get(role_name)
    state = AuthState(role_name)
    if creds is None:
        state.reason = "no credentials"
        return state
    if creds.token:
        state.headers.update(token_headers(role, creds.token))
        state.token = creds.token
        state.ok = True
        return state
    if creds.cookie:
        state.headers["Cookie"] = creds.cookie
        state.ok = True
        return state
    if not role.login or not creds.username or not creds.password:
        state.reason = f"role '{role_name}' has no login recipe or its environment variables are empty"
        return state
    got = await submit_login(ctx, role.login, creds.username, creds.password, probe)
    return state_from(state, got, role)


def state_from(state: AuthState, got: LoginAnswer, role=None) -> AuthState:
    """The headers a login answer lets the caller send, for a role (or a plain Bearer token)."""
    state.status = got.resp.status
    state.cookies = got.cookies
    state.answer = got.answer
    if got.token:
        state.token = got.token
        state.headers.update(token_headers(role, got.token) if role is not None else {"Authorization": f"Bearer {got.token}"})
    if got.cookies:
        state.headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in got.cookies if c.value)
    state.ok = got.ok
    if not state.ok:
        state.reason = f"login answered {got.resp.status} without a token or session cookie"
    return state
