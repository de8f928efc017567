"""Default tags from path words, as data: what a route probably is before the person confirms it.

A tag is a hint the person can change (in the list file, the config's `[endpoints] tags`, or the TUI);
the expected-access matrix reads tags, never the path itself, so an edit always wins.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.inventory.model import Endpoint

# tag -> words that suggest it when they appear as a whole path segment or part of one (admin-panel)
PATH_WORD_TAGS: dict[str, tuple[str, ...]] = {
    "admin": ("admin", "administrator", "superuser", "staff", "backoffice", "back-office"),
    "export": ("export", "exports", "download", "dump", "backup", "backups"),
    "users": ("users", "accounts", "members", "employees"),
    "roles": ("roles", "role", "permissions", "permission", "grants", "acl", "groups"),
    "billing": ("billing", "invoices", "invoice", "payments", "payment", "payouts", "subscriptions", "refunds"),
    "debug": ("debug", "_debug", "__debug__", "trace", "phpinfo", "actuator", "metrics", "vars", "profiler"),
    "internal": ("internal", "_internal", "ops", "system", "sys", "maintenance"),
    "settings": ("settings", "config", "configuration", "secrets", "keys", "apikeys", "api-keys", "tokens"),
    "audit": ("audit", "audit-log", "auditlog", "audit-trail"),
}
# Routes that are public by nature: a whole segment or the last segment matches.
PUBLIC_LAST_SEGMENTS = (
    "", "health", "healthz", "livez", "readyz", "ping", "login", "signin", "sign-in", "register", "signup",
    "sign-up", "forgot-password", "robots.txt", "favicon.ico", "sitemap.xml", "manifest.json", "openapi.json",
    "swagger.json", "docs",
)
PUBLIC_FIRST_SEGMENTS = ("static", "assets", "public", ".well-known", "_next", "favicon.ico")
# Tags that make a route admin-only in the default expected-access matrix, and "sensitive" in reports.
PRIVILEGED_TAGS = ("admin", "export", "roles", "billing", "debug", "internal", "settings", "audit", "users")

_SPLIT = re.compile(r"[/_.\-]+")


def path_words(path: str) -> set[str]:
    words: set[str] = set()
    for seg in path.lower().strip("/").split("/"):
        if seg.startswith("{"):
            continue
        words.add(seg)
        words.update(w for w in _SPLIT.split(seg) if w)
    return words


def default_tags(method: str, path: str) -> set[str]:
    words = path_words(path)
    tags = {tag for tag, hints in PATH_WORD_TAGS.items() if words & set(hints)}
    segments = [s for s in path.lower().strip("/").split("/")]
    last = segments[-1] if segments else ""
    if method in ("GET", "HEAD", "POST") and (last in PUBLIC_LAST_SEGMENTS and len(segments) <= 2 or
                                               segments[0] in PUBLIC_FIRST_SEGMENTS):
        # `/login` or `/api/health` are public; `/admin/users/login-history` is not
        if not tags & {"admin", "internal", "debug"}:
            tags.add("public")
    return tags


def is_sensitive(ep: "Endpoint") -> bool:
    return bool(ep.tags & set(PRIVILEGED_TAGS)) or bool(default_tags(ep.method, ep.path) & set(PRIVILEGED_TAGS))


def apply_default_tags(endpoints: list["Endpoint"]) -> None:
    """Add path-word tags; a route a source declared secured (OpenAPI `security`) is never made public."""
    for ep in endpoints:
        tags = default_tags(ep.method, ep.path)
        if ep.declared_public is False:
            tags.discard("public")
        ep.tags |= tags
