"""The handover checklist: what the team running the app needs on day one, from answers and probes.

Each field lists what people answered (questions whose `handover` names the field) and what the audit
itself knows: the app's address and admin routes (config and endpoint inventory), the names of
variables that held hard-coded secrets (the secrets probe), the audit's own test-account variables,
the domain, and the launch blockers' fixes as next actions when nobody wrote any. A field with
nothing in it is marked "not provided". Values of environment variables never appear: names only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

NOT_PROVIDED = "not provided"

# Handover checklist fields (DESIGN.md "Report"), in reading order.
HANDOVER_FIELDS: tuple[tuple[str, str], ...] = (
    ("access_points", "Access points"),
    ("env_vars", "Environment variables (names only)"),
    ("rollback_steps", "Rollback steps"),
    ("monitor_links", "Monitoring links"),
    ("dns_owner", "DNS ownership"),
    ("alert_owner", "Alert owner"),
    ("alert_channel", "Alert channel"),
    ("next_actions", "Next actions"),
)

SOURCE_ANSWER = "answer"
SOURCE_CONFIG = "audit config"
SOURCE_INVENTORY = "endpoint inventory"
SOURCE_PROBES = "probe findings"
SOURCE_PLAN = "remediation plan"

# `NAME = "..."`, `NAME: ...`, `export NAME=...` in a secrets finding's evidence line; a name right after
# "…" was cut by the evidence window ("…ATABASE_URL") and is left out rather than guessed.
_ASSIGNED_NAME = re.compile(r"(?<![\w…])([A-Z][A-Z0-9_]{2,63})\s*[:=]")
_MAX_ROUTES = 40


@dataclass
class HandoverEntry:
    label: str  # the question asked, or what the audit found
    value: str
    note: str
    provided: bool
    source: str  # answer / audit config / endpoint inventory / probe findings / remediation plan


@dataclass
class HandoverField:
    key: str
    heading: str
    entries: list[HandoverEntry]
    provided: bool  # something is written in it
    confirmed: bool  # someone answered its question; else what is in it only came from the audit


def _answer_entries(checklist, answers: dict, key: str, show) -> list[HandoverEntry]:
    entries = []
    for item, q in checklist.all_questions():
        if q.handover != key:
            continue
        ans = answers.get(f"{item.id}.{q.id}")
        provided = bool(ans and ans.value is not None and str(ans.value).strip())
        value = NOT_PROVIDED if ans is None else show(ans.value)
        entries.append(HandoverEntry(q.text, value, ans.note if ans else "", provided, SOURCE_ANSWER))
    return entries


def _sensitive(line: str) -> tuple[str, str] | None:
    """("GET", "/admin/users") for an inventory line naming an admin route, else None."""
    from wizard.inventory import Endpoint

    parts = line.split()
    if len(parts) < 2 or not parts[1].startswith("/"):
        return None
    ep = Endpoint(parts[0], parts[1], {t.lower() for t in parts[2:]})
    return (ep.method, ep.path) if ep.sensitive and not ep.public else None


def _admin_routes(runs, findings) -> tuple[list[str], str]:
    """Admin routes from the last run's endpoint inventory; else from the routes the probes touched."""
    from urllib.parse import urlsplit

    for run in reversed(runs):
        if run.endpoints:
            routes = [f"{m} {p}" for m, p in filter(None, (_sensitive(e) for e in run.endpoints))]
            return list(dict.fromkeys(routes)), SOURCE_INVENTORY
    seen = []
    for f in findings:
        url, method = f.location.url, f.location.method
        if url and method:
            path = urlsplit(url).path or "/"
            hit = _sensitive(f"{method} {path}")
            if hit:
                seen.append(f"{hit[0]} {hit[1]}")
    return list(dict.fromkeys(seen)), SOURCE_PROBES


def _secret_variable_names(findings) -> list[str]:
    names = []
    for f in findings:
        if not f.rule.startswith("secrets.") or f.status not in ("fail", "warn"):
            continue
        for line in f.evidence:
            names += _ASSIGNED_NAME.findall(line)
    return list(dict.fromkeys(names))


def _test_account_variables(public_config: dict) -> list[str]:
    names = []
    for role in (public_config.get("roles") or {}).values():
        if not isinstance(role, dict):
            continue
        login = role.get("login") if isinstance(role.get("login"), dict) else {}
        for value in (login.get("username_env"), login.get("password_env"), role.get("token_env"), role.get("cookie_env")):
            if isinstance(value, str) and value:
                names.append(value)
    return list(dict.fromkeys(names))


def _from_evidence(key: str, session) -> list[HandoverEntry]:
    """What the evidence says for a field nobody answered (a finding's data["handover"][key]): the repo's
    env var names, where alerts route, the rollback path it shows. Marked as not confirmed by a person."""
    out = []
    for f in sorted(session.findings, key=lambda f: f.id):
        handover = f.data.get("handover")
        value = handover.get(key) if isinstance(handover, dict) else None
        if value and str(value).strip():
            out.append(HandoverEntry(f"Found by Launch Ready ({f.rule})", str(value),
                                     "Not confirmed by a person: check it and write it into the handover document.",
                                     True, SOURCE_PROBES))
    return out


def build_handover(checklist, session, target: dict[str, Any], findings, plan, show) -> list[HandoverField]:
    """`findings` are FindingViews, `plan` PlanRows, `show` turns an answer value into text."""
    answers = session.data.answers
    raw_config = session.data.target or {}
    public_config = raw_config if isinstance(raw_config.get("target"), dict) else {"target": raw_config}
    derived: dict[str, list[HandoverEntry]] = {key: [] for key, _ in HANDOVER_FIELDS}

    url = target.get("url")
    if url:
        derived["access_points"].append(HandoverEntry("App address", str(url), "", True, SOURCE_CONFIG))
    routes, source = _admin_routes(session.data.runs, findings)
    if routes:
        shown = routes[:_MAX_ROUTES]
        more = f" (and {len(routes) - len(shown)} more)" if len(routes) > len(shown) else ""
        derived["access_points"].append(
            HandoverEntry("Admin routes", "\n".join(shown) + more, "", True, source))

    secret_names = _secret_variable_names(findings)
    if secret_names:
        derived["env_vars"].append(HandoverEntry(
            "Hard-coded secrets to move into the environment (names of the variables that held them)",
            ", ".join(secret_names), "", True, SOURCE_PROBES))
    account_vars = _test_account_variables(public_config)
    if account_vars:
        derived["env_vars"].append(HandoverEntry(
            "Launch Ready test accounts (set these to rerun the audit)", ", ".join(account_vars), "", True, SOURCE_CONFIG))

    if target.get("domain"):
        derived["dns_owner"].append(HandoverEntry("Domain audited", str(target["domain"]), "", True, SOURCE_CONFIG))

    fields = []
    for key, heading in HANDOVER_FIELDS:
        answered = _answer_entries(checklist, answers, key, show)
        entries = answered + derived[key]
        if not any(e.provided for e in answered):
            entries += _from_evidence(key, session)
        if key == "next_actions" and not any(e.provided for e in entries):
            blockers = [p for p in plan if p.blocker]
            for p in blockers:
                entries.append(HandoverEntry(f"Fix before launch: {p.title}", p.summary, "", True, SOURCE_PLAN))
        confirmed = any(e.provided for e in answered)
        fields.append(HandoverField(key, heading, entries, any(e.provided for e in entries), confirmed))
    return fields


__all__ = ["HANDOVER_FIELDS", "NOT_PROVIDED", "HandoverEntry", "HandoverField", "build_handover"]
