"""The demo's planted flaws as data (FLAWS.md is the human table): what the audit must report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Flaw:
    id: str
    rule: str
    marker: str  # text that identifies the finding: in its title, or its data's scanner rule


FLAWS: tuple[Flaw, ...] = (
    Flaw("F01", "authn.unauthenticated-access", "GET /admin/export"),
    Flaw("F02", "cookies.session-flags", "lacks protective flags"),
    Flaw("F03", "cookies.session-lifetime", "lasts 7 days"),
    Flaw("F04", "transport.http-redirect", "without a redirect to HTTPS"),
    Flaw("F05", "headers.hsts", "HSTS header missing"),
    Flaw("F06", "headers.csp", "Content-Security-Policy missing"),
    Flaw("F07", "headers.framing", "framed by other sites"),
    Flaw("F08", "headers.nosniff", "nosniff missing"),
    Flaw("F09", "headers.banner", "Version banners"),
    Flaw("F10", "latency.p95", "GET /api/reports/search"),
    Flaw("F11", "secrets.exposed", "aws-access-key-id"),
    Flaw("F12", "secrets.exposed", "aws-secret-access-key"),
    Flaw("F13", "secrets.exposed", "stripe-secret-key"),
    Flaw("F14", "secrets.exposed", "github-token"),
    Flaw("F15", "secrets.exposed", "slack-webhook"),
    Flaw("F16", "secrets.exposed", "private-key"),
    Flaw("F17", "secrets.exposed", "url-credentials"),
    Flaw("S4", "headers.referrer-policy", "Referrer-Policy missing"),
    # the HTTP surface (wizard/demo/surface.py)
    Flaw("F18", "secrets.exposed", "in the JavaScript the app serves"),
    Flaw("F19", "cors.foreign-origin", "lets any website"),
    Flaw("F20", "cors.null-origin", "the 'null' origin"),
    Flaw("F21", "cors.lookalike-origin", "look-alike origins"),
    Flaw("F22", "exposure.sensitive-file", "/.env is public"),
    Flaw("F23", "secrets.exposed", "in a file the app serves to anyone"),
    Flaw("F24", "exposure.sensitive-file", "/.git/config is public"),
    Flaw("F25", "exposure.verbose-errors", "stack traces"),
    Flaw("F26", "exposure.source-map", "Public source map"),
    Flaw("F27", "monitoring.health-leak", "/status"),
    Flaw("F28", "monitoring.error-tracking", "No error tracker"),
    Flaw("F29", "transport.mixed-content", "over plain HTTP"),
    Flaw("F02b", "cookies.prefix", "no __Host- prefix"),
    Flaw("F02c", "csrf.samesite", "sent on requests from other sites"),
    Flaw("F02d", "csrf.token", "No anti-CSRF token seen"),
    Flaw("S4b", "headers.cache-control", "Cache-Control missing"),
    Flaw("S5", "headers.permissions-policy", "Permissions-Policy not set"),
    Flaw("S5b", "headers.coop", "Cross-Origin-Opener-Policy not set"),
    Flaw("S5c", "headers.corp", "Cross-Origin-Resource-Policy not set"),
)


def matches(flaw: Flaw, finding) -> bool:
    if finding.rule != flaw.rule or finding.status.value not in ("fail", "warn"):
        return False
    return flaw.marker in finding.title or finding.data.get("rule") == flaw.marker
