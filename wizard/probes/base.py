"""What a probe is: metadata kept apart from its detection logic, and an async `run` that yields findings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from wizard.model import TIER_RANK, Finding, Severity, Status, Tier

if TYPE_CHECKING:
    from wizard.checklist.schema import Settings
    from wizard.config import Config, Credentials
    from wizard.engine.http import ScopedClient
    from wizard.inventory import Endpoint


@dataclass
class ProbeContext:
    config: "Config"
    settings: "Settings"
    http: "ScopedClient"
    credentials: dict[str, "Credentials"]
    tier: Tier
    endpoints: list["Endpoint"] = field(default_factory=list)
    emit_progress: Callable[[str, str, float | None], None] = lambda probe, msg, frac: None

    def allows(self, tier: Tier) -> bool:
        return TIER_RANK[tier] <= TIER_RANK[self.tier]

    @property
    def base_url(self) -> str:
        assert self.config.target.url
        return self.config.target.url


def consent_plans(probes: list["Probe"], config: "Config", endpoints: list["Endpoint"],
                  settings: "Settings | None" = None) -> tuple[list[str], list[str]]:
    """(login-tier plan, write-tier plan) of these probes, in plain lines, for the consent prompts.

    Each tier's lines are there only when the config asks for that tier: the login tier with roles
    or a rate-limit account, the write tier on staging only.
    """
    login: list[str] = []
    write: list[str] = []
    wants_login = (config.consent.login or config.consent.write) and (config.roles or config.ratelimit.account)
    wants_write = config.consent.write and config.target.environment == "staging" and bool(config.roles)
    for p in probes:
        p.settings = settings
        if wants_login:
            login += p.login_plan(config, endpoints)
        if wants_write:
            write += p.write_plan(config, endpoints)
    return login, write


class Probe:
    id: ClassVar[str]
    title: ClassVar[str]
    tier: ClassVar[Tier] = Tier.PASSIVE
    areas: ClassVar[tuple[str, ...]] = ()  # short names for --only/--skip (headers, secrets, ...)
    rules: ClassVar[tuple[str, ...]] = ()  # every rule id it can emit; the checklist maps them to items
    needs: ClassVar[tuple[str, ...]] = ("url",)  # url, repo, domain, email_domain, endpoints, roles
    timeout: ClassVar[float | None] = None  # seconds; None: the config's probe_timeout
    # Probes in a later phase start when every earlier one has finished: load-like probes
    # (latency sampling) neither starve the others of the per-host rate nor get skewed by them.
    phase: ClassVar[int] = 0

    def not_applicable(self, ctx: ProbeContext) -> str | None:
        """Why this probe cannot run here, or None when it can."""
        target = ctx.config.target
        for need in self.needs:
            if need == "url" and not target.url:
                return "no target URL configured"
            if need == "repo" and not target.repo:
                return "no repository configured"
            if need == "domain" and not target.domain:
                return "no domain configured"
            if need == "email_domain" and not (target.email_domain or target.domain):
                return "no email domain configured"
            if need == "endpoints" and not ctx.endpoints:
                return "no endpoint inventory (give [endpoints] list or openapi)"
            if need == "roles" and not ctx.config.roles:
                return "no roles configured"
        if not ctx.allows(self.tier):
            return f"needs consent for the '{self.tier.value}' tier"
        return None

    def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        raise NotImplementedError

    def login_plan(self, config: "Config", endpoints: list["Endpoint"]) -> list[str]:
        """What this probe sends with a test login, in plain words, for the consent screen."""
        return []

    def write_plan(self, config: "Config", endpoints: list["Endpoint"]) -> list[str]:
        """What this probe changes in the write tier (routes, request count, account), for its own consent."""
        return []

    # The checklist's thresholds, set by `consent_plans` before a plan is asked for (request counts
    # in a plan follow them); None: the defaults.
    settings: "Settings | None" = None

    def plan_settings(self) -> "Settings":
        from wizard.checklist.schema import Settings

        return self.settings or Settings()

    # -- helpers for subclasses ----------------------------------------------------------------
    def progress(self, ctx: ProbeContext, message: str, fraction: float | None = None) -> None:
        ctx.emit_progress(self.id, message, fraction)

    def finding(self, rule: str, status: Status, title: str, *, key: str = "", **fields: Any) -> Finding:
        assert rule in self.rules, f"{self.id} emits undeclared rule {rule}"
        fields.setdefault("severity", Severity.INFO if status in (Status.PASS, Status.NA) else Severity.MEDIUM)
        return Finding.make(probe=self.id, rule=rule, key=key, status=status, title=title, **fields)
