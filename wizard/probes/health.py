"""Health endpoints: is there one an uptime monitor can call, and does it tell strangers too much?

A health answer is recognised by its content (a JSON status object, or a short "ok"-like text)
and compared with the random-path baseline, so a site answering 200 to everything has none.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

from wizard.engine.http import BlockedRequest, RequestFailed, Response
from wizard.model import Finding, Location, Severity, Status
from wizard.probes import pages
from wizard.probes.base import Probe, ProbeContext
from wizard.probes.bundles import scan_for_secrets, secret_findings

HEALTH_PATHS = ("/health", "/healthz", "/livez", "/readyz", "/status", "/api/health", "/up", "/ping")
_HEALTHY_WORDS = re.compile(r"^\s*\"?(ok|okay|healthy|up|alive|ready|live|pong|running|pass|green)\b", re.I)
_STATUS_KEYS = {"status", "health", "healthy", "ok", "uptime", "checks", "components", "ready", "alive", "live"}
_HEALTHISH_ROUTE = re.compile(r"/(health|healthz|livez|readyz|status|ping|up)/?$", re.I)

# What a public health answer should not say.
_VERSION_KEY = re.compile(r"^(version|build|commit|git_?sha|sha|revision|release|python|node|java|go_version|runtime|framework)$", re.I)
_ENV_KEY = re.compile(r"^(env|environ|environment|config|settings|variables)$", re.I)
_UPPER_KEY = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
_INTERNAL_HOST = re.compile(
    r"\b(?:[a-z0-9-]+\.)+(?:internal|local|lan|corp|intra|svc|cluster\.local)\b(?::\d+)?"
    r"|\b(?:10|127)\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\b192\.168\.\d{1,3}\.\d{1,3}\b|\b172\.(?:1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}\b"
    r"|\b[a-z][a-z0-9+.-]*://[^\s\"'/@]*@?[\w.-]+:\d{2,5}", re.I)
_TEXT_VERSION = re.compile(r"\bv(?:ersion)?\s*[:=]?\s*\"?\d+\.\d+(?:\.\d+)?", re.I)
_TEXT_ENV = re.compile(r"^\s*[A-Z][A-Z0-9_]{2,}\s*=", re.M)


def health_answer(resp: Response) -> dict | str | None:
    """The parsed health answer (a JSON object or a short text), or None when it is not one."""
    if not (200 <= resp.status < 300 or resp.status == 503) or not resp.body or len(resp.body) > 200_000:
        return None
    text = resp.text.strip()
    if text[:1] in ("{", "["):
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        if isinstance(doc, dict) and _STATUS_KEYS & {str(k).lower() for k in doc}:
            return doc
        return None
    if resp.status < 300 and len(text) <= 200 and "<" not in text and _HEALTHY_WORDS.match(text):
        return text
    return None


def leaks(answer: dict | str) -> dict[str, list[str]]:
    """What the health answer gives away: versions, environment variables, internal hosts."""
    found: dict[str, list[str]] = {"versions": [], "env": [], "hosts": []}
    if isinstance(answer, str):
        if _TEXT_VERSION.search(answer):
            found["versions"].append("version number in the text")
        if len(_TEXT_ENV.findall(answer)) >= 2:
            found["env"].append("VAR=value lines")
        found["hosts"] += [m.group(0)[:60] for m in _INTERNAL_HOST.finditer(answer)][:3]
        return {k: v for k, v in found.items() if v}

    def walk(node, path: str, depth: int) -> None:
        if depth > 6:
            return
        if isinstance(node, dict):
            upper = [k for k in node if isinstance(k, str) and _UPPER_KEY.match(k)]
            if len(upper) >= 3:
                found["env"].append(f"{path.rstrip('.') or 'top level'}: {', '.join(upper[:5])}")
            for k, v in node.items():
                key = str(k)
                if _VERSION_KEY.match(key) and isinstance(v, (str, int, float)) and str(v).strip():
                    found["versions"].append(f"{path}{key}")
                elif _ENV_KEY.match(key) and isinstance(v, dict) and v:
                    found["env"].append(f"{path}{key} ({len(v)} entries)")
                walk(v, f"{path}{key}.", depth + 1)
        elif isinstance(node, list):
            for i, v in enumerate(node[:50]):
                walk(v, f"{path}{i}.", depth + 1)
        elif isinstance(node, str):
            found["hosts"] += [f"{path.rstrip('.')}: {m.group(0)[:60]}" for m in _INTERNAL_HOST.finditer(node)][:2]

    walk(answer, "", 0)
    return {k: sorted(set(v))[:5] for k, v in found.items() if v}


class HealthProbe(Probe):
    id = "health"
    title = "Health endpoint: present, and not leaking"
    areas = ("health", "monitoring")
    rules = ("monitoring.health-endpoint", "monitoring.health-leak", "secrets.exposed")
    needs = ("url",)

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        why = await pages.home_failure(ctx, self.id)
        if why:
            yield self.finding("monitoring.health-endpoint", Status.UNKNOWN, "Could not check for a health endpoint", key="none",
                               location=Location(url=ctx.base_url), detail=why)
            return
        listed = [e.path for e in pages.safe_get_endpoints(ctx.endpoints) if _HEALTHISH_ROUTE.search(e.path)]
        paths = list(dict.fromkeys([*listed, *HEALTH_PATHS]))
        self.progress(ctx, f"trying {len(paths)} usual health addresses")
        bases = await pages.baselines(ctx, self.id)
        got = await asyncio.gather(*(self._get(ctx, p) for p in paths))
        loc = Location(url=ctx.base_url)
        found: list[tuple[str, Response, dict | str]] = []
        for path, resp, _ in got:
            if resp is None:
                continue
            answer = health_answer(resp)
            if answer is None or any(pages.same_page(resp, b, path, bp) for bp, b in bases):
                continue
            found.append((path, resp, answer))

        if not found:
            answered = [g for g in got if g[1] is not None]
            status = Status.WARN if answered else Status.UNKNOWN
            yield self.finding("monitoring.health-endpoint", status,
                               "No health endpoint found" if answered else "Could not check for a health endpoint",
                               key="none", location=loc, severity=Severity.LOW if answered else Severity.INFO,
                               evidence=[f"GET {p} -> {r.status if r is not None else why}" for p, r, why in got],
                               detail="An uptime monitor needs a cheap address that says the app (and its database) is up. "
                                      "If yours lives elsewhere, say so in the monitoring questions.",
                               fix="Add GET /health answering 200 {\"status\": \"ok\"} (checking the database), and point an uptime monitor at it.")
            return
        yield self.finding("monitoring.health-endpoint", Status.PASS,
                           f"Health endpoint at {', '.join(p for p, _, _ in found[:3])}", key="found", location=loc,
                           evidence=[f"GET {p} -> {r.status}, {len(r.body)} bytes" for p, r, _ in found],
                           detail="An uptime monitor can call it; whether one does, and who gets the alert, is asked separately.")
        secrets = []
        for path, resp, answer in found:
            told = leaks(answer)
            floc = Location(url=resp.url, method="GET")
            evidence = [f"{kind}: {'; '.join(items)}" for kind, items in told.items()]
            secrets += scan_for_secrets(resp.text, resp.url)
            if "env" in told:
                yield self.finding("monitoring.health-leak", Status.FAIL, f"{path} shows environment variables to anyone", key=path,
                                   location=floc, severity=Severity.HIGH, evidence=evidence,
                                   detail="Configuration values (often secrets) are readable without logging in.",
                                   fix="Answer only {\"status\": \"ok\"} publicly; put diagnostics behind the login.")
            elif told:
                yield self.finding("monitoring.health-leak", Status.WARN,
                                   f"{path} tells strangers the {' and '.join(k if k != 'hosts' else 'internal hosts' for k in told)}",
                                   key=path, location=floc, severity=Severity.LOW, evidence=evidence,
                                   detail="Versions and internal addresses tell an attacker which known bugs to try and where.",
                                   fix="Answer only {\"status\": \"ok\"} publicly; put version and dependency details behind the login.")
            else:
                yield self.finding("monitoring.health-leak", Status.PASS, f"{path} says only whether the app is up", key=path,
                                   location=floc)
        for f in secret_findings(self, secrets, "a health endpoint anyone can open"):
            yield f

    async def _get(self, ctx: ProbeContext, path: str) -> tuple[str, Response | None, str]:
        try:
            resp = await ctx.http.request("GET", pages.url_for(ctx, path), probe=self.id, follow_redirects=False)
            return path, resp, ""
        except (RequestFailed, BlockedRequest) as err:
            return path, None, err.reason
