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
    # access control (issue 7): object level, function level, a state-changing GET, a route only in the source
    Flaw("A1", "authz.object-level", "GET /api/customers/{customer_id}"),
    Flaw("A2", "authz.function-level", "GET /admin/audit-log"),
    Flaw("A3", "csrf.state-changing-get", "reset-password"),
    Flaw("A4", "authn.unauthenticated-access", "GET /debug/vars"),
    # sessions, rate limits, input validation, CSRF (issue 8); B10 is found by the interactive revocation drill
    Flaw("B1", "session.rotation", "keeps the session id"),
    Flaw("B2", "session.logout", "Logout does not end the session"),
    Flaw("B3", "session.lifetime", "last 7 days"),
    Flaw("B4", "ratelimit.login", "No limit on wrong passwords"),
    Flaw("B5", "ratelimit.user-enumeration", "tells an unknown user from a wrong password"),
    Flaw("B6", "input.server-error", "PATCH /api/me"),
    Flaw("B7", "input.mass-assignment", "set 'role'"),
    Flaw("B8", "csrf.forged-request", "POST /preferences"),
    Flaw("B9", "input.verbose-error", "PATCH /api/me"),
)


def matches(flaw: Flaw, finding) -> bool:
    if finding.rule != flaw.rule or finding.status.value not in ("fail", "warn"):
        return False
    return flaw.marker in finding.title or finding.data.get("rule") == flaw.marker
