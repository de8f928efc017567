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
    # The demo's DNS zone (wizard/demo/dns.py), served by nsd: only when nsd is installed.
    Flaw("D1", "dns.dangling", "status.acme-ops.test points at"),
    Flaw("D2", "email.spf", "ends in ?all"),
    Flaw("D3", "email.dmarc", "No DMARC record for acme-ops.test"),
    Flaw("D4", "email.dkim", "only 1024-bit RSA"),
    Flaw("D5", "dns.caa", "No CAA record for acme-ops.test"),
    # repository evidence (wizard/demo/repo_ops.py)
    Flaw("F18", "secrets.shared-across-environments", "The same secret is used in"),
    Flaw("F19", "secrets.env-file-committed", "is committed with secret values"),
    Flaw("F20", "monitoring.alert-routing", "route nowhere"),
    Flaw("F21", "monitoring.failed-login-logging", "Failed logins are not logged"),
    Flaw("F22", "auditlog.admin-actions-covered", "write no audit record"),
    Flaw("F23", "deploy.rollback", "no way to roll back"),
    Flaw("F24", "deploy.env-inventory", "documented nowhere"),
    # guided verifications on the scripted interview (answers-flawed.yaml)
    Flaw("V1", "auditlog.pasted-line", "lacks:"),
    Flaw("V2", "monitoring.alert-challenge", "did not carry the one-time code"),
    # a build step inlined a server key into the bundle (wizard/demo/app.py bundle_keys)
    Flaw("G1", "secrets.exposed", "sendgrid-api-key"),
    # the HTTP surface (wizard/demo/surface.py)
    Flaw("H01", "secrets.exposed", "in the JavaScript the app serves"),
    Flaw("H02", "cors.foreign-origin", "lets any website"),
    Flaw("H03", "cors.null-origin", "the 'null' origin"),
    Flaw("H04", "cors.lookalike-origin", "look-alike origins"),
    Flaw("H02b", "csrf.forged-request", "PATCH /api/me accepts a forged cross-site request"),
    Flaw("H05", "exposure.sensitive-file", "/.env is public"),
    Flaw("H06", "secrets.exposed", "in a file the app serves to anyone"),
    Flaw("H07", "exposure.sensitive-file", "/.git/config is public"),
    Flaw("H08", "exposure.verbose-errors", "stack traces"),
    Flaw("H09", "exposure.source-map", "Public source map"),
    Flaw("H10", "monitoring.health-leak", "/api/health"),
    Flaw("H11", "monitoring.error-tracking", "No error tracker"),
    Flaw("H12", "transport.mixed-content", "over plain HTTP"),
    Flaw("F02b", "cookies.prefix", "no __Host- prefix"),
    Flaw("F02c", "csrf.samesite", "sent on requests from other sites"),
    Flaw("F02d", "csrf.token", "No anti-CSRF token seen"),
    Flaw("S4b", "headers.cache-control", "Cache-Control missing"),
    Flaw("S5", "headers.permissions-policy", "Permissions-Policy not set"),
    Flaw("S5b", "headers.coop", "Cross-Origin-Opener-Policy not set"),
    Flaw("S5c", "headers.corp", "Cross-Origin-Resource-Policy not set"),
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
