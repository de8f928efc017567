"""The expected-access matrix: which roles *should* reach each route, before anything is sent.

First matching `[[access]]` rule wins; otherwise a route tagged with a privileged tag (admin, export,
roles, billing, ...) is for the privileged roles (by default the roles with the highest `level`),
and any other non-public route is for every logged-in role. Whether records are owner-scoped is
taken from the rule, or decided later from the list responses.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.config import ANONYMOUS, AUTHENTICATED, Config
from wizard.inventory import Endpoint, route_matches


@dataclass
class Expectation:
    allowed: list[str]  # role names, possibly "anonymous"
    owner_only: bool | None
    because: str  # where the expectation comes from, shown in the matrix

    def allows(self, role: str) -> bool:
        return role in self.allowed


def privileged_roles(config: Config) -> list[str]:
    if config.matrix.privileged_roles:
        return list(config.matrix.privileged_roles)
    if not config.roles:
        return []
    top = max(r.level for r in config.roles.values())
    return [name for name, r in config.roles.items() if r.level == top]


def _expand(names: list[str], config: Config) -> list[str]:
    out: list[str] = []
    for n in names:
        for role in (list(config.roles) if n == AUTHENTICATED else [n]):
            if role not in out:
                out.append(role)
    return out


def expected_access(ep: Endpoint, config: Config) -> Expectation:
    for i, rule in enumerate(config.access):
        if route_matches(rule.route, ep):
            allowed = _expand(rule.allow, config)
            if ANONYMOUS in allowed:  # anyone without a login: so every role too
                allowed = _expand([ANONYMOUS, AUTHENTICATED], config)
            return Expectation(allowed, rule.owner_only, f"access[{i}] {rule.route}")
    if ep.public:
        return Expectation(_expand([ANONYMOUS, AUTHENTICATED], config), None, "tagged public")
    hit = sorted(ep.tags & set(config.matrix.privileged_tags))
    if hit:
        return Expectation(privileged_roles(config), None, f"tag '{hit[0]}'")
    return Expectation(list(config.roles), None, "any logged-in role (default)")
