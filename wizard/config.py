"""`launch-ready.toml`: what to audit, within which scope, and how roles log in.

Credentials are never in this file: a role names the environment variables that hold them, and
their values live in memory only (see `resolve_credentials`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wizard.errors import UserError
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

    @field_validator("url", "http_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return check_url(v) if v else v

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
    openapi: str | None = None
    postman: str | None = None
    har: str | None = None
    list: str | None = Field(None, description="A plain list: one 'METHOD /path [tags]' a line.")
    from_source: bool = True


class LoginRecipe(Strict):
    route: str = Field("POST /login", description="Method and path of the login route.")
    username_env: str = Field(pattern=_ENV_NAME)
    password_env: str = Field(pattern=_ENV_NAME)
    username_field: str = "username"
    password_field: str = "password"
    format: Literal["json", "form"] = "json"

    @field_validator("route")
    @classmethod
    def _route(cls, v: str) -> str:
        if not re.match(r"^(GET|POST|PUT|PATCH) /\S*$", v):
            raise ValueError("route must look like 'POST /login'")
        return v


class Role(Strict):
    login: LoginRecipe | None = None
    token_env: str | None = Field(None, pattern=_ENV_NAME, description="Env var holding a bearer token.")
    cookie_env: str | None = Field(None, pattern=_ENV_NAME, description="Env var holding a Cookie header value.")
    level: int = Field(0, description="Privilege rank: higher can do more (admin > support).")


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


class Branding(Strict):
    assessor: str = ""
    organisation: str = ""
    client: str = ""
    contact: str = ""
    accent: str = "#1f4e79"
    footer: str = ""
    logo: str | None = None


class Config(Strict):
    target: Target = Field(default_factory=Target)
    endpoints: Endpoints = Field(default_factory=Endpoints)
    roles: dict[str, Role] = Field(default_factory=dict)
    consent: Consent = Field(default_factory=Consent)
    limits: Limits = Field(default_factory=Limits)
    branding: Branding = Field(default_factory=Branding)

    base_dir: str = Field(".", exclude=True)

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


def resolve_credentials(config: Config, environ: dict[str, str] | None = None) -> dict[str, Credentials]:
    env = os.environ if environ is None else environ
    out: dict[str, Credentials] = {}
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
    for role in config.roles.values():
        names = [role.token_env, role.cookie_env]
        if role.login:
            names += [role.login.username_env, role.login.password_env]
        missing += [n for n in names if n and not env.get(n)]
    return missing
