"""The probe registry. Modules are imported only when a run needs them, to keep start-up fast."""

from __future__ import annotations

from importlib import import_module

# probe id -> "module:Class". Order is the order results are listed in.
REGISTRY: dict[str, str] = {
    "http-surface": "wizard.probes.web:HttpSurfaceProbe",
    "cookies": "wizard.probes.cookies:CookieProbe",
    "cors": "wizard.probes.cors:CorsProbe",
    "csrf": "wizard.probes.csrf_signals:CsrfProbe",
    "exposure": "wizard.probes.exposure:ExposureProbe",
    "bundles": "wizard.probes.bundles:BundleProbe",
    "health": "wizard.probes.health:HealthProbe",
    "authn": "wizard.probes.authn:AuthnProbe",
    "authz": "wizard.probes.authz:AuthzProbe",
    "session": "wizard.probes.session:SessionProbe",
    "secrets": "wizard.probes.secrets:SecretsProbe",
    "tls": "wizard.probes.tls:TlsProbe",
    "dns": "wizard.probes.dns:DnsProbe",
    "email": "wizard.probes.email:EmailProbe",
    "repo-environments": "wizard.probes.repo_evidence:RepoEnvironmentsProbe",
    "repo-monitoring": "wizard.probes.repo_evidence:RepoMonitoringProbe",
    "repo-auditlog": "wizard.probes.repo_evidence:RepoAuditLogProbe",
    "repo-deploy": "wizard.probes.repo_evidence:RepoDeployProbe",
    "latency": "wizard.probes.latency:LatencyProbe",
    "input": "wizard.probes.input_validation:InputValidationProbe",
    "csrf-active": "wizard.probes.csrf_active:CsrfActiveProbe",
    "ratelimit": "wizard.probes.ratelimit:RateLimitProbe",
}


def load_probe(probe_id: str):
    module, _, cls = REGISTRY[probe_id].partition(":")
    return getattr(import_module(module), cls)()


def all_probes() -> list:
    return [load_probe(pid) for pid in REGISTRY]
