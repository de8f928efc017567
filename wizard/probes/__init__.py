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
    "secrets": "wizard.probes.secrets:SecretsProbe",
    "latency": "wizard.probes.latency:LatencyProbe",
}


def load_probe(probe_id: str):
    module, _, cls = REGISTRY[probe_id].partition(":")
    return getattr(import_module(module), cls)()


def all_probes() -> list:
    return [load_probe(pid) for pid in REGISTRY]
