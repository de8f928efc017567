"""The uptime monitor's public status page, fetched through the audit's scoped client (GET only, in scope only)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from wizard.engine.http import BlockedRequest, RequestFailed, ScopedClient
from wizard.model import Status

PROBE = "verify-status-page"
_DOWN = re.compile(r"\b(major outage|partial outage|outage|is down|are down|degraded|failing|unavailable|not operational)\b", re.I)
_LOGIN = re.compile(r"log-?in|sign-?in|sso|auth|session", re.I)
_UP = re.compile(r"\b(all systems operational|operational|all checks passing|is up|are up|up and running|healthy)\b"
                 r"|\"status\"\s*:\s*\"(?:ok|up|pass|healthy|operational)\"", re.I)


@dataclass
class StatusPageResult:
    status: Status
    title: str
    detail: str
    http_status: int | None = None
    mentions_target: bool = False


async def check_status_page(http: ScopedClient, url: str, audited_host: str | None = None) -> StatusPageResult:
    host = urlsplit(url).hostname or ""
    if host not in http.policy.scope:
        return StatusPageResult(
            Status.SKIPPED, "Status page not fetched: its host is outside the confirmed scope",
            f"{host or url} is not one of the hosts you confirmed ({', '.join(sorted(http.policy.scope)) or 'none'}). "
            "Add it to the scope to let Launch Ready fetch it, or open it yourself.")
    try:
        resp = await http.request("GET", url, probe=PROBE)
    except BlockedRequest as err:
        return StatusPageResult(Status.SKIPPED, "Status page not fetched", err.reason)
    except RequestFailed as err:
        return StatusPageResult(Status.WARN, "The status page did not answer", f"{url}: {err.reason}.")
    text = resp.text
    mentions = bool(audited_host and audited_host in text)
    to_login = bool(resp.history) and _LOGIN.search(urlsplit(resp.url).path or "")
    if resp.status in (401, 403) or resp.status in (301, 302, 303, 307, 308) or to_login:
        return StatusPageResult(
            Status.SKIPPED, "The status page asks for a login, so it could not be read",
            f"{url} answered HTTP {resp.status}. A private dashboard is fine for the team; a public status page "
            "should open without one.", resp.status)
    if resp.status >= 400:
        return StatusPageResult(Status.WARN, f"The status page answered HTTP {resp.status}",
                                f"{url} did not show a status page.", resp.status)
    if _DOWN.search(text):
        return StatusPageResult(Status.WARN, "The status page reports a problem",
                                f"{url} answered HTTP {resp.status} and shows: '{_DOWN.search(text).group(0)}'.",
                                resp.status, mentions)
    if _UP.search(text):
        return StatusPageResult(
            Status.PASS, "The status page answers and reports the app up",
            f"{url} answered HTTP {resp.status}" + (f" and names {audited_host}." if mentions else "."),
            resp.status, mentions)
    return StatusPageResult(
        Status.SKIPPED, "The status page answered, but shows no status we can read",
        f"{url} answered HTTP {resp.status} without an up or down statement (a page drawn by JavaScript?). "
        "Open it yourself.", resp.status, mentions)
