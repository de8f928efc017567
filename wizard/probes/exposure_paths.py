"""The well-known paths that should never be served, each with the content signature that proves it is.

Data first: a status code proves nothing (plenty of sites answer 200 to everything), so a path
counts as exposed only when its body looks like what the name promises. A signature returns a short
description for the evidence (key names, never values) or None.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

from wizard.model import Severity, Status

Signature = Callable[[bytes], "str | None"]


def _text(body: bytes) -> str:
    return body[:200_000].decode("utf-8", errors="replace")


def _looks_html(text: str) -> bool:
    return bool(re.match(r"\s*(?:<!doctype html|<html|<head|<body)", text, re.I))


def _json(body: bytes):
    if not body.lstrip()[:1] in (b"{", b"["):
        return None
    try:
        return json.loads(body[:2_000_000])
    except (ValueError, RecursionError):
        return None


_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]{1,63})\s*=", re.M)


def env_file(body: bytes) -> str | None:
    text = _text(body)
    if _looks_html(text):
        return None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    keys = _ENV_LINE.findall(text)
    if len(keys) >= 2 and len(keys) * 2 >= len(lines):
        return f"{len(keys)} KEY=value lines ({', '.join(keys[:6])}{', ...' if len(keys) > 6 else ''})"
    return None


def git_head(body: bytes) -> str | None:
    m = re.fullmatch(r"\s*(ref: refs/[\w./-]+|[0-9a-f]{40})\s*", _text(body)[:300])
    return f"git HEAD ({m.group(1)[:60]})" if m else None


def git_config(body: bytes) -> str | None:
    text = _text(body)
    if "[core]" in text and ("repositoryformatversion" in text or "[remote " in text):
        return "git config with a [core] section" + (" and a remote" if "[remote " in text else "")
    return None


_SECRETISH_KEY = re.compile(r"secret|passw|token|api[_-]?key|private|credential|dsn|database_?url|db_?url|connection", re.I)


def json_with_secret_keys(body: bytes) -> str | None:
    doc = _json(body)
    if not isinstance(doc, dict):
        return None
    found: list[str] = []

    def walk(node, depth: int) -> None:
        if depth > 6 or len(found) > 8:
            return
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str) and _SECRETISH_KEY.search(k) and isinstance(v, str) and v.strip():
                    found.append(k)
                walk(v, depth + 1)
        elif isinstance(node, list):
            for v in node[:50]:
                walk(v, depth + 1)

    walk(doc, 0)
    return f"JSON with secret-looking keys ({', '.join(found[:6])})" if found else None


def sql_dump(body: bytes) -> str | None:
    m = re.search(r"-- MySQL dump|-- PostgreSQL database dump|CREATE TABLE [`\"\w]|INSERT INTO [`\"\w]", _text(body)[:20_000])
    return f"SQL dump ({m.group(0)[:30]})" if m else None


def magic(prefix: bytes, what: str, offset: int = 0) -> Signature:
    def sig(body: bytes) -> str | None:
        return f"{what} ({len(body)} bytes read)" if body[offset:offset + len(prefix)] == prefix else None
    return sig


def archive(body: bytes) -> str | None:
    return magic(b"PK\x03\x04", "ZIP archive")(body) or magic(b"\x1f\x8b", "gzip archive")(body) \
        or magic(b"ustar", "tar archive", 257)(body)


def server_status(body: bytes) -> str | None:
    text = _text(body)
    if "Apache Server Status for" in text or ("Server uptime" in text and "Server Version" in text):
        return "Apache server-status page"
    if re.search(r"Active connections: \d+\s*\n\s*server accepts handled requests", text):
        return "nginx stub_status page"
    return None


def actuator_env(body: bytes) -> str | None:
    doc = _json(body)
    if isinstance(doc, dict) and ("propertySources" in doc or "activeProfiles" in doc):
        return f"Spring Boot environment dump ({len(doc.get('propertySources') or [])} property sources)"
    return None


_DEBUG_CONSOLES = re.compile(
    r"Werkzeug Debugger|djdt|django-debug-toolbar|phpdebugbar|Symfony Profiler|Laravel Telescope|"
    r"Types of profiles available|__clockwork|\"memstats\"\s*:\s*\{", re.I)


def debug_console(body: bytes) -> str | None:
    m = _DEBUG_CONSOLES.search(_text(body))
    return f"debug tooling ({m.group(0)[:30]})" if m else None


def phpinfo(body: bytes) -> str | None:
    text = _text(body)
    if "<title>phpinfo()</title>" in text or ("PHP Version" in text and "PHP License" in text):
        return "phpinfo() page"
    return None


def api_description(body: bytes) -> str | None:
    doc = _json(body)
    if isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc) and isinstance(doc.get("paths"), dict):
        version = doc.get("openapi") or doc.get("swagger")
        return f"OpenAPI/Swagger {str(version)[:10]} description of {len(doc['paths'])} paths"
    return None


def api_explorer(body: bytes) -> str | None:
    m = re.search(r"swagger-ui|<redoc|redoc\.standalone|graphiql|GraphQL Playground", _text(body), re.I)
    return f"API explorer page ({m.group(0)[:20]})" if m else None


_LISTING = re.compile(r"<title>\s*Index of /|<h1>\s*Index of /|Directory listing for /|<title>\s*Directory Listing|"
                      r"\[To Parent Directory\]", re.I)


def directory_listing(body: bytes) -> str | None:
    text = _text(body)
    if not _LISTING.search(text):
        return None
    entries = len(re.findall(r"<a href=", text, re.I))
    return f"directory listing with {entries} link(s)"


@dataclass(frozen=True)
class SensitivePath:
    path: str
    what: str  # plain words for the title
    signature: Signature
    rule: str  # exposure.sensitive-file / exposure.debug-route / exposure.api-spec
    status: Status
    severity: Severity
    fix: str
    scan_secrets: bool = False  # hand the body to the secret engine too


_REMOVE = "Remove it from the web root (or deny it in the web server / proxy) and redeploy; rotate anything it contained."
_DISABLE = "Switch it off in production, or put it behind the login and an IP allowlist."
_SPEC = "Fine if it is meant to be public; otherwise serve it only after login."

SENSITIVE_PATHS: tuple[SensitivePath, ...] = (
    SensitivePath("/.env", "environment file with settings and secrets", env_file, "exposure.sensitive-file",
                  Status.FAIL, Severity.CRITICAL, _REMOVE, scan_secrets=True),
    SensitivePath("/.git/HEAD", "git repository metadata (the source code can be rebuilt from /.git/)", git_head,
                  "exposure.sensitive-file", Status.FAIL, Severity.HIGH, _REMOVE),
    SensitivePath("/.git/config", "git repository configuration", git_config, "exposure.sensitive-file",
                  Status.FAIL, Severity.HIGH, _REMOVE, scan_secrets=True),
    SensitivePath("/config.json", "configuration file with secret-looking keys", json_with_secret_keys,
                  "exposure.sensitive-file", Status.FAIL, Severity.HIGH, _REMOVE, scan_secrets=True),
    SensitivePath("/backup.sql", "database dump", sql_dump, "exposure.sensitive-file", Status.FAIL, Severity.CRITICAL, _REMOVE),
    SensitivePath("/backup.zip", "backup archive", archive, "exposure.sensitive-file", Status.FAIL, Severity.HIGH, _REMOVE),
    SensitivePath("/db.sqlite3", "SQLite database file", magic(b"SQLite format 3\x00", "SQLite database"),
                  "exposure.sensitive-file", Status.FAIL, Severity.CRITICAL, _REMOVE),
    SensitivePath("/.DS_Store", "macOS folder index (lists file names)", magic(b"\x00\x00\x00\x01Bud1", ".DS_Store file"),
                  "exposure.sensitive-file", Status.WARN, Severity.LOW, _REMOVE),
    SensitivePath("/server-status", "web server status page (clients, URLs being served)", server_status,
                  "exposure.debug-route", Status.FAIL, Severity.MEDIUM, _DISABLE),
    SensitivePath("/actuator/env", "Spring Boot environment dump", actuator_env, "exposure.debug-route",
                  Status.FAIL, Severity.HIGH, _DISABLE, scan_secrets=True),
    SensitivePath("/debug", "debug console or toolbar", debug_console, "exposure.debug-route", Status.FAIL, Severity.HIGH, _DISABLE),
    SensitivePath("/phpinfo.php", "PHP configuration page", phpinfo, "exposure.debug-route", Status.FAIL, Severity.MEDIUM, _DISABLE),
    SensitivePath("/openapi.json", "public API description", api_description, "exposure.api-spec", Status.WARN, Severity.INFO, _SPEC),
    SensitivePath("/docs", "public API explorer", api_explorer, "exposure.api-spec", Status.WARN, Severity.INFO, _SPEC),
)

# Folders tried for a directory listing: the asset folders the served HTML uses, else this one.
LISTING_FALLBACK = "/uploads/"
MAX_ASSET_DIRS = 2
