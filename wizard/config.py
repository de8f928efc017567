"""`launch-ready.toml`: what to audit, within which scope, and how roles log in.

Credentials are never in this file: a role names the environment variables that hold them, and
their values live in memory only (see `resolve_credentials`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Literal  # List: `list` is a field name in Endpoints
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wizard.redact import register_secret

_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{url}' is not an http(s) URL with a host, e.g. https://admin.example.com")
    return url.rstrip("/") or url


class Target(Strict):
    url: str | None = Field(None, description="The app's base URL.")
    http_url: str | None = Field(None, description="Where plain HTTP answers, for the redirect check; default http://HOST/.")
    scope: list[str] = Field(default_factory=list, description="Hosts the person confirmed; nothing else is requested.")
    environment: Literal["staging", "production"] = "staging"
    repo: str | None = Field(None, description="Path to the app's git repository.")
    domain: str | None = None
    email_domain: str | None = None
    dkim_selectors: list[str] = Field(default_factory=list)
    ca_bundle: str | None = Field(None, description="Extra CA bundle (PEM) trusted for TLS checks.")
    dns_server: str | None = Field(None, description="host:port of the resolver to use; default: the system's.")
    stack: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9+._-]*$",
        description="The app's stack as the checklist's snippets name it (express, django, flask, fastapi, ...): "
        "the PDF shows the fix snippet for it.",
    )

    @field_validator("url", "http_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return check_url(v) if v else v

    @field_validator("dns_server")
    @classmethod
    def _dns_server(cls, v: str | None) -> str | None:
        if v:
            from wizard.netcheck.targets import parse_server

            parse_server(v)  # raises ValueError with an example of what is expected
        return v

    @model_validator(mode="after")
    def _scope(self) -> "Target":
        if self.url:
            host = urlsplit(self.url).hostname or ""
            if not self.scope:
                self.scope = [host]
            elif host not in self.scope:
                raise ValueError(f"the target host '{host}' is not in scope {self.scope}")
        return self

    @property
    def host(self) -> str | None:
        return urlsplit(self.url).hostname if self.url else None


class Endpoints(Strict):
    openapi: str | None = Field(None, description="OpenAPI 3 / Swagger 2 spec: a file, or an http(s) URL inside the scope.")
    postman: str | None = Field(None, description="A Postman v2.1 collection (JSON export).")
    har: str | None = Field(None, description="A HAR file from the browser's network tab; credentials are stripped on import.")
    list: str | None = Field(None, description="A plain list: one 'METHOD /path [tags]' a line.")
    from_source: bool = Field(True, description="Read routes from the repo's source (Flask, FastAPI, Starlette, Django, Express, Next.js, Rails).")
    discover: bool = Field(True, description="Look for a spec at the usual paths of the live app (/openapi.json, /swagger.json, ...).")
    tags: dict[str, List[str]] = Field(
        default_factory=dict,
        description="Tags the person set: 'METHOD /path' (globs allowed) -> tags; '-tag' removes a default tag.",
    )
    exclude: List[str] = Field(default_factory=lambda: [], description="Routes to leave out ('METHOD /path', globs allowed).")


class LoginRecipe(Strict):
    route: str = Field("POST /login", description="Method and path of the login route.")
    username_env: str = Field(pattern=_ENV_NAME)
    password_env: str = Field(pattern=_ENV_NAME)
    username_field: str = "username"
    password_field: str = "password"
    format: Literal["json", "form"] = "json"
    token_json: str | None = Field(
        None, description="Dotted path of the token in the JSON answer (e.g. 'data.access_token'); default: "
        "token, access_token, jwt or id_token at the top level or under 'data'.")
    token_response_header: str | None = Field(None, description="A response header carrying the token instead.")

    @field_validator("route")
    @classmethod
    def _route(cls, v: str) -> str:
        if not re.match(r"^(GET|POST|PUT|PATCH) /\S*$", v):
            raise ValueError("route must look like 'POST /login'")
        return v


def check_route(v: str, methods: str = "GET|POST|PUT|PATCH|DELETE") -> str:
    if not re.match(rf"^({methods}) /\S*$", v.strip()):
        raise ValueError(f"route must look like 'METHOD /path' with METHOD one of {methods.replace('|', ', ')}")
    return v.strip()


class Role(Strict):
    login: LoginRecipe | None = None
    token_env: str | None = Field(None, pattern=_ENV_NAME, description="Env var holding a bearer token.")
    cookie_env: str | None = Field(None, pattern=_ENV_NAME, description="Env var holding a Cookie header value.")
    level: int = Field(0, description="Privilege rank: higher can do more (admin > support).")
    token_header: str = Field("Authorization", pattern=r"^[A-Za-z0-9-]+$", description="Header a token is sent in.")
    token_prefix: str = Field("Bearer ", description="Text before the token in that header ('' for a raw API key).")
    whoami: str | None = Field(None, description="A read-only route that shows who is logged in, e.g. 'GET /api/me'; "
                               "forged tokens are sent only here. Default: a GET /me-like route from the inventory.")
    logout: str | None = Field(None, description="The logout route, e.g. 'POST /logout'. Only the session check calls it, "
                               "and only for its own fresh test session; unset: the logout check is skipped.")

    @field_validator("whoami")
    @classmethod
    def _whoami(cls, v: str | None) -> str | None:
        return check_route(v, "GET") if v else v

    @field_validator("logout")
    @classmethod
    def _logout(cls, v: str | None) -> str | None:
        return check_route(v) if v else v


ANONYMOUS = "anonymous"  # the implicit role: no cookie, no token
AUTHENTICATED = "authenticated"  # in an access rule: every configured role


class AccessRule(Strict):
    """Who may call a route: one row of the expected-access matrix (the TUI edits these)."""

    route: str = Field(description="'METHOD /path' ('*' for any method; the path may use {param} and * globs).")
    allow: list[str] = Field(description="Role names that may call it; 'anonymous' = anyone without login; "
                             "'authenticated' = every configured role.")
    owner_only: bool | None = Field(None, description="Records belong to one user: another user, even of an allowed "
                                    "role, must not open or change them. Unset: decided from the list responses.")

    @field_validator("route")
    @classmethod
    def _route(cls, v: str) -> str:
        if not re.match(r"^(\*|GET|HEAD|OPTIONS|POST|PUT|PATCH|DELETE) /\S*$", v.strip(), re.I) and not v.startswith("/"):
            raise ValueError("route must look like 'GET /admin/users', '* /api/customers/{id}' or '/health'")
        return v.strip()


class Matrix(Strict):
    """Defaults of the expected-access matrix, before any `[[access]]` rule."""

    privileged_tags: list[str] = Field(
        default_factory=lambda: ["admin", "export", "roles", "billing", "debug", "internal", "settings", "audit", "users"],
        description="A route with one of these tags (from its path words or its sources) is for the privileged roles only.")
    privileged_roles: list[str] = Field(
        default_factory=list, description="Roles that may call privileged routes; empty: the roles with the highest level.")
    object_checks: bool = Field(True, description="Try other users' record ids on routes with an id (object-level checks).")


# Extra routes a rate-limit burst may use must be about signing in: resets, one-time codes, PINs.
_RATELIMIT_ROUTE_WORDS = re.compile(r"reset|forgot|recover|otp|one-time|pin|passcode|code|mfa|2fa|totp|verify|"
                                    r"magic|password|login|signin|sign-in", re.I)


class LimitedRoute(Strict):
    """Another sign-in route to burst with wrong values (a reset, one-time code or PIN route)."""

    route: str = Field(description="'POST /password/forgot', 'POST /auth/otp', ...")
    fields: dict[str, str] = Field(default_factory=dict, description="Body fields; '{username}' is the test account's "
                                   "username, '{wrong_code}' a fresh wrong 6-digit code.")
    format: Literal["json", "form"] = "json"

    @field_validator("route")
    @classmethod
    def _route(cls, v: str) -> str:
        v = check_route(v, "POST|PUT")
        if not _RATELIMIT_ROUTE_WORDS.search(v.split(" ", 1)[1]):
            raise ValueError("only sign-in routes (reset, forgot, otp, code, pin, mfa, verify, password, login) "
                             "may be used for the rate-limit burst")
        return v


class RateLimit(Strict):
    """The rate-limit check: a dedicated test account that may be locked for a while."""

    account: LoginRecipe | None = Field(None, description="A test account used for nothing else: the burst sends it "
                                        "wrong passwords and may lock it for a while.")
    routes: List[LimitedRoute] = Field(default_factory=lambda: [], description="Reset, one-time code or PIN routes to burst as well.")
    max_wait_seconds: float = Field(120, ge=0, le=900, description="Longest the check waits for the account to unlock "
                                    "itself before it reports that it is still locked.")


class Revocation(Strict):
    """The revocation drill: the person disables a test account while the tool watches its open session."""

    role: str | None = Field(None, description="The test role whose account the person will disable.")
    poll_seconds: float = Field(10, gt=0, le=300, description="How often the open session is tried.")


class InputChecks(Strict):
    examples: dict[str, dict] = Field(
        default_factory=dict, description="A valid JSON body per write route ('POST /api/notes' -> {...}), as the "
        "starting point that the input checks change one field at a time. Default: from the OpenAPI spec.")


class Consent(Strict):
    login: bool = False
    write: bool = False
    delete: bool = False


class Limits(Strict):
    request_budget: int = Field(1500, gt=0, description="Most requests one run may send in total.")
    rate_per_host: float = Field(20.0, gt=0, le=50, description="Requests per second per host, at most.")
    request_timeout: float = Field(10.0, gt=0, description="Seconds one request may take, body included.")
    probe_timeout: float = Field(90.0, gt=0, description="Seconds one probe may take.")
    max_body_bytes: int = Field(2_000_000, gt=0)


class Latency(Strict):
    """The latency sample: what to time, how fast, how many requests at most (see wizard/latency/plan.py)."""

    endpoints: list[str] = Field(
        default_factory=list,
        description="'METHOD /path [group]' to time (group: login, search, list, detail, create-update); "
                    "empty: picked from the endpoint inventory. Only GET and HEAD are ever sent.")
    rate: float = Field(5.0, gt=0, le=20, description="Requests per second per endpoint (hard cap 20).")
    max_samples: int = Field(400, ge=50, le=5000,
                             description="Most timed requests per endpoint; it stops sooner once the p95 is clearly under or over the bar.")
    max_endpoints: int = Field(4, ge=1, le=20, description="How many endpoints to pick when `endpoints` is empty.")

    @field_validator("endpoints")
    @classmethod
    def _entries(cls, v: list[str]) -> list[str]:
        from wizard.latency.plan import parse_entry

        for entry in v:
            parse_entry(entry)  # ValueError names the entry
        return v


class Branding(Strict):
    assessor: str = ""
    organisation: str = ""
    client: str = ""
    contact: str = ""
    accent: str = "#1f4e79"
    footer: str = ""
    logo: str | None = None


class Secrets(Strict):
    """`[secrets]`: how the secret scan reads the repository (see wizard/secretscan)."""

    rules: str | None = Field(None, description="A gitleaks-style rules file; `[extend] useDefault = true` keeps ours.")
    baseline: str | None = Field(None, description="Baseline file; default: .launch-ready-baseline.yaml in the repo.")
    since: str | None = Field(None, description="Only history not reachable from this revision (the last audited commit).")
    staged: bool = Field(False, description="Only the staged changes (a pre-commit hook); no history, no tree.")
    paths: list[str] = Field(default_factory=list, description="Log files or folders to scan as well.")


class Config(Strict):
    target: Target = Field(default_factory=Target)
    endpoints: Endpoints = Field(default_factory=Endpoints)
    roles: dict[str, Role] = Field(default_factory=dict)
    matrix: Matrix = Field(default_factory=Matrix)
    access: list[AccessRule] = Field(default_factory=list, description="Expected access per route; first match wins.")
    consent: Consent = Field(default_factory=Consent)
    ratelimit: RateLimit = Field(default_factory=RateLimit)
    revocation: Revocation = Field(default_factory=Revocation)
    input: InputChecks = Field(default_factory=InputChecks)
    limits: Limits = Field(default_factory=Limits)
    latency: Latency = Field(default_factory=Latency)
    branding: Branding = Field(default_factory=Branding)
    secrets: Secrets = Field(default_factory=Secrets)

    base_dir: str = Field(".", exclude=True)

    @model_validator(mode="after")
    def _known_roles(self) -> "Config":
        known = set(self.roles) | {ANONYMOUS, AUTHENTICATED}
        if ANONYMOUS in self.roles or AUTHENTICATED in self.roles:
            raise ValueError(f"'{ANONYMOUS}' and '{AUTHENTICATED}' are built in; name the role differently")
        for i, rule in enumerate(self.access):
            for name in rule.allow:
                if name not in known:
                    raise ValueError(f"access[{i}] ({rule.route}): unknown role '{name}' in allow; "
                                     f"roles are {', '.join(sorted(known))}")
        if self.revocation.role and self.revocation.role not in self.roles:
            raise ValueError(f"revocation.role: unknown role '{self.revocation.role}'")
        for name in self.matrix.privileged_roles:
            if name not in self.roles:
                raise ValueError(f"matrix.privileged_roles: unknown role '{name}'")
        return self

    def resolve(self, path: str | None) -> Path | None:
        if not path:
            return None
        p = Path(path).expanduser()
        return p if p.is_absolute() else Path(self.base_dir) / p

    def public_dict(self) -> dict:
        """What may be saved and reported: env var names, never their values.

        Paths are made absolute so a session resumed from anywhere still finds the repo and files.
        """
        doc = self.model_dump(mode="json")
        for section, key in (("target", "repo"), ("target", "ca_bundle"), ("endpoints", "openapi"),
                             ("endpoints", "postman"), ("endpoints", "har"), ("endpoints", "list"),
                             ("branding", "logo")):
            value = doc.get(section, {}).get(key)
            if value:
                doc[section][key] = str(self.resolve(value).resolve())
        return doc

    @classmethod
    def from_public_dict(cls, doc: dict) -> "Config":
        """Rebuild the config a session was made with (its paths are absolute)."""
        return cls.model_validate(doc)


def load_config(path: Path | str) -> Config:
    from wizard.yamlsource import load_toml, validate_toml

    path = Path(path)
    data, text = load_toml(path, "config")
    config: Config = validate_toml(Config, data, text, path)
    config.base_dir = str(path.resolve().parent)
    return config


@dataclass
class Credentials:
    """A role's secrets, read from the environment into memory only."""

    role: str
    username: str | None = None
    password: str | None = None
    token: str | None = None
    cookie: str | None = None


RATELIMIT_ACCOUNT = "[ratelimit]"  # the credentials key of the rate-limit account (never a role name)


def resolve_credentials(config: Config, environ: dict[str, str] | None = None) -> dict[str, Credentials]:
    env = os.environ if environ is None else environ
    out: dict[str, Credentials] = {}
    account = config.ratelimit.account
    if account:
        creds = Credentials(RATELIMIT_ACCOUNT, env.get(account.username_env), env.get(account.password_env))
        register_secret(creds.password, "ratelimit-credential")
        out[RATELIMIT_ACCOUNT] = creds
    for name, role in config.roles.items():
        creds = Credentials(role=name)
        if role.login:
            creds.username = env.get(role.login.username_env)
            creds.password = env.get(role.login.password_env)
        if role.token_env:
            creds.token = env.get(role.token_env)
        if role.cookie_env:
            creds.cookie = env.get(role.cookie_env)
        for value in (creds.password, creds.token, creds.cookie):
            register_secret(value, f"{name}-credential")
        out[name] = creds
    return out


def missing_credentials(config: Config, environ: dict[str, str] | None = None) -> list[str]:
    """Env var names a role needs that are not set, for one clear message up front."""
    env = os.environ if environ is None else environ
    missing = []
    if config.ratelimit.account:
        missing += [n for n in (config.ratelimit.account.username_env, config.ratelimit.account.password_env) if not env.get(n)]
    for role in config.roles.values():
        names = [role.token_env, role.cookie_env]
        if role.login:
            names += [role.login.username_env, role.login.password_env]
        missing += [n for n in names if n and not env.get(n)]
    return missing
