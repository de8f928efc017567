"""Ground truth: every planted access-control issue is found, nothing on the fixed builds, and the
servers' own access logs show no deny-listed route, no DELETE and no more requests than the budget.

Two targets with different frameworks and auth styles: the bundled demo (Starlette, cookie session,
routes partly found only in its repo) and the Ledger API (stdlib http.server, bearer JWT, spec found
on the live app, one route only in a plain list).
"""

from __future__ import annotations

import pytest

from wizard.demo.app import demo_env
from wizard.demo.flaws import FLAWS, matches
from wizard.demo.repo import make_demo_repo
from wizard.demo.server import DemoServer
from wizard.engine.http import is_unsafe_path

from targets.audit import bad, demo_config, ledger_config, run_probes, titles
from targets.ledger_api import LedgerApi, ledger_env

PROBES = ["authn", "authz"]


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    base = tmp_path_factory.mktemp("repos")
    return {False: make_demo_repo(base / "flawed", fixed=False), True: make_demo_repo(base / "fixed", fixed=True)}


def audit_demo(tmp_path, repos, fixed: bool, **changes):
    changes.setdefault("consent__write", False)  # the demo consents to writes; these checks are about the login tier
    with DemoServer(fixed=fixed, workdir=tmp_path) as server:
        config = demo_config(tmp_path, server, repos[fixed].path, fixed, **changes)
        findings, summary = run_probes(config, demo_env(), PROBES)
        log = list(server.access_log)
    return findings, summary, log


def audit_ledger(tmp_path, fixed: bool, **kw):
    with LedgerApi(fixed=fixed) as api:
        findings, summary = run_probes(ledger_config(tmp_path, api.base_url, **kw), ledger_env(), PROBES)
        return findings, summary, list(api.access_log), api


def assert_safe(log, summary, budget: int):
    assert not [e for e in log if is_unsafe_path(e["path"])], "a deny-listed route was requested"
    assert not [e for e in log if e["method"] == "DELETE"]
    assert len(log) == sum(summary.requests.values()) <= budget  # every request counted, within the budget


# --------------------------------------------------------------------------- the demo (Starlette, cookies)

DEMO_FLAWED = {
    ("authn.unauthenticated-access", "GET /admin/export is open without logging in"),  # F01
    ("authn.unauthenticated-access", "GET /debug/vars is open without logging in"),  # only in the repo's source
    ("authz.object-level", "'support' can read other users' records through GET /api/customers/{customer_id}"),
    ("authz.object-level", "'support2' can read other users' records through GET /api/customers/{customer_id}"),
    ("authz.function-level", "'support' can open GET /admin/audit-log, meant for admin only"),
    ("authz.function-level", "'support2' can open GET /admin/audit-log, meant for admin only"),
    ("authz.function-level", "'support' can open GET /admin/export, meant for admin only"),
    ("authz.function-level", "'support2' can open GET /admin/export, meant for admin only"),
    ("authz.function-level", "'support' can open GET /debug/vars, meant for admin only"),
    ("authz.function-level", "'support2' can open GET /debug/vars, meant for admin only"),
    ("csrf.state-changing-get", "GET /admin/users/{username}/reset-password changes state on a plain GET (not probed)"),
    ("authz.matrix", "Authorization matrix: 10 bypassed cells (15 routes x 4 roles)"),
}


def test_demo_flawed_every_planted_issue_and_nothing_else(tmp_path, repos):
    findings, summary, log = audit_demo(tmp_path, repos, fixed=False)
    assert {(f.rule, f.title) for f in bad(findings)} == DEMO_FLAWED
    assert summary.outcomes == {"authn": "ok", "authz": "ok"}
    for flaw in (f for f in FLAWS if f.id in ("F01", "A1", "A2", "A3", "A4")):
        assert [f for f in findings if matches(flaw, f)], flaw.id
    matrix = next(f for f in findings if f.rule == "authz.matrix").data["matrix"]
    for row in matrix["rows"]:  # every cell that sent something keeps its evidence, without credentials
        for role, cell in row["cells"].items():
            assert cell["state"] == "not_probed" or cell["evidence"], (row["route"], role)
            assert not any("Cookie" in e or "session=" in e or "Bearer" in e for e in cell["evidence"])
    debug = next(f for f in findings if f.title == "GET /debug/vars is open without logging in")
    assert "found only in the source: app/main.py:" in debug.evidence[-1]
    assert_safe(log, summary, 1500)
    assert not [e for e in log if "reset-password" in e["path"] or e["path"] == "/logout"]


def test_demo_fixed_has_no_finding_and_stays_safe(tmp_path, repos):
    findings, summary, log = audit_demo(tmp_path, repos, fixed=True)
    assert bad(findings) == []
    assert not [f for flaw in FLAWS for f in findings if matches(flaw, f)]
    matrix = next(f for f in findings if f.rule == "authz.matrix")
    assert matrix.status.value == "pass" and matrix.data["counts"]["bypassed"] == 0
    assert_safe(log, summary, 1500)


@pytest.mark.parametrize("fixed", [False, True])
def test_demo_write_tier_cross_user_write_that_changes_nothing_is_not_reported(tmp_path, repos, fixed):
    findings, summary, log = audit_demo(tmp_path, repos, fixed=fixed, consent__write=True)
    assert not titles(findings, "authz.cross-user-write")
    matrix = next(f for f in findings if f.rule == "authz.matrix").data["matrix"]
    row = next(r for r in matrix["rows"] if r["route"] == "PATCH /api/customers/{customer_id}")
    attacker = row["cells"]["support2"]
    assert attacker["state"] == "enforced" and attacker["kind"] == "write"
    assert f"answered {204 if not fixed else 404}, and support's record was unchanged" in attacker["reason"]
    assert row["cells"]["support"]["state"] == "allowed"  # the owner's own change showed first
    patches = [e for e in log if e["method"] == "PATCH"]
    assert len(patches) >= 3 and all(e["path"].startswith("/api/customers/") or e["path"] == "/api/me" for e in patches)
    assert all(e["status"] == 401 for e in patches if e["path"] == "/api/me")  # only the anonymous write check
    assert_safe(log, summary, 1500)
    if fixed:
        assert bad(findings) == []


def test_demo_request_budget_is_respected_and_said(tmp_path, repos):
    findings, summary, log = audit_demo(tmp_path, repos, fixed=True, limits__request_budget=25)
    assert len(log) <= 25 and sum(summary.requests.values()) == len(log)
    matrix = next(f for f in findings if f.rule == "authz.matrix")
    assert matrix.status.value == "unknown"  # an unfinished matrix never passes
    assert matrix.title.startswith("Authorization matrix: unfinished, the request budget ran out")


# --------------------------------------------------------------------------- the Ledger API (stdlib, bearer JWT)

LEDGER_FLAWED = {
    ("authn.unauthenticated-access", "GET /v1/internal/debug is open without logging in"),  # L6, only in the list
    ("authn.invalid-token-accepted", "GET /v1/reports/summary accepts an invalid token"),  # L4
    ("csrf.state-changing-get", "GET /v1/invoices/{invoice_id}/void changes state on a plain GET (not probed)"),  # L5
    ("authz.function-level", "'auditor' can open GET /v1/admin/tenants, meant for finance only"),  # L3
    ("authz.function-level", "'alice' can open GET /v1/admin/tenants, meant for finance only"),
    ("authz.function-level", "'bob' can open GET /v1/admin/tenants, meant for finance only"),
    ("authz.function-level", "'auditor' can open GET /v1/internal/debug, meant for finance only"),
    ("authz.function-level", "'alice' can open GET /v1/internal/debug, meant for finance only"),
    ("authz.function-level", "'bob' can open GET /v1/internal/debug, meant for finance only"),
    ("authz.object-level", "'auditor' can read other users' records through GET /v1/invoices/{invoice_id}"),  # L1
    ("authz.object-level", "'alice' can read other users' records through GET /v1/invoices/{invoice_id}"),
    ("authz.object-level", "'bob' can read other users' records through GET /v1/invoices/{invoice_id}"),
    ("authz.matrix", "Authorization matrix: 10 bypassed cells (11 routes x 5 roles)"),
}


def test_ledger_flawed_every_planted_issue_and_nothing_else(tmp_path):
    findings, summary, log, api = audit_ledger(tmp_path, fixed=False)
    assert {(f.rule, f.title) for f in bad(findings)} == LEDGER_FLAWED
    assert summary.requests["inventory"] == 1  # the spec was found at /openapi.json
    assert api.voided == [] and api.deleted == []
    assert_safe(log, summary, 1500)


def test_ledger_flawed_write_tier_finds_the_real_cross_user_write_and_restores_it(tmp_path):
    findings, summary, log, api = audit_ledger(tmp_path, fixed=False, write=True)
    writes = titles(findings, "authz.cross-user-write")
    assert writes == {"'bob' can change other users' records through PATCH /v1/invoices/{invoice_id}",
                      "'auditor' can change other users' records through PATCH /v1/invoices/{invoice_id}"}  # L2
    assert [i["memo"] for i in api.invoices.values()] == [f"Order {4400 + i}" for i in range(5)]  # put back
    finding = next(f for f in findings if f.rule == "authz.cross-user-write" and "'bob'" in f.title)
    assert any("the change is there" in e for e in finding.evidence)
    assert_safe(log, summary, 1500)


@pytest.mark.parametrize("write", [False, True])
def test_ledger_fixed_has_no_finding(tmp_path, write):
    findings, summary, log, api = audit_ledger(tmp_path, fixed=True, write=write)
    assert bad(findings) == []
    assert api.voided == [] and api.deleted == []
    assert_safe(log, summary, 1500)


def test_ledger_budget_is_respected(tmp_path):
    findings, summary, log, _ = audit_ledger(tmp_path, fixed=False, budget=30)
    assert len(log) <= 30 and sum(summary.requests.values()) == len(log)


def test_no_credential_reaches_a_finding(tmp_path):
    findings, _, _, _ = audit_ledger(tmp_path, fixed=False)
    text = "\n".join(f.model_dump_json() for f in findings)
    for secret in ledger_env().values():
        if "@" not in secret:  # emails are usernames, not secrets
            assert secret not in text
    assert "eyJ" not in text  # no JWT, real or forged


def test_roles_can_come_as_a_token_or_a_cookie_from_the_environment(tmp_path, repos):
    from wizard.config import Role

    with LedgerApi(fixed=False) as api:
        config = ledger_config(tmp_path, api.base_url)
        config.roles["finance"] = Role(level=10, token_env="LEDGER_FINANCE_TOKEN")
        env = {**ledger_env(), "LEDGER_FINANCE_TOKEN": api.issue("carol@ledger.test")}
        findings, _ = run_probes(config, env, ["authz"])
    assert "'alice' can open GET /v1/admin/tenants, meant for finance only" in titles(findings)
    assert env["LEDGER_FINANCE_TOKEN"] not in "\n".join(f.model_dump_json() for f in findings)

    import httpx
    import ssl

    with DemoServer(fixed=False, workdir=tmp_path) as server:
        ctx = ssl.create_default_context(cafile=str(server.ca_path))
        login = httpx.post(server.https_url + "/login", json={"username": "support2", "password": demo_env()["LR_SUPPORT2_PASS"]},
                           verify=ctx)
        cookie = login.headers["set-cookie"].split(";", 1)[0]
        config = demo_config(tmp_path, server, repos[False].path, False)
        config.roles["support2"] = Role(level=1, cookie_env="LR_SUPPORT2_COOKIE")
        findings, _ = run_probes(config, {**demo_env(), "LR_SUPPORT2_COOKIE": cookie}, ["authz"])
    assert "'support2' can read other users' records through GET /api/customers/{customer_id}" in titles(findings)
    assert cookie.split("=", 1)[1] not in "\n".join(f.model_dump_json() for f in findings)


@pytest.mark.parametrize("write", [False, True])
def test_the_consent_plan_names_the_routes_the_matrix_sends_to(tmp_path, write):
    """What the consent screen promises for the role checks is what they do. The plan is made before anything
    is sent, so routes that only the live app's OpenAPI spec lists are announced as such, not by name."""
    from wizard.inventory import load_inventory
    from wizard.probes.authz.probe import AuthzProbe

    with LedgerApi(fixed=False) as api:
        config = ledger_config(tmp_path, api.base_url, write=write)
        known = {str(e) for e in load_inventory(config)}
        login_plan = AuthzProbe().login_plan(config, load_inventory(config))
        write_plan = AuthzProbe().write_plan(config, load_inventory(config)) if write else []
        findings, summary = run_probes(config, ledger_env(), PROBES)
    matrix = next(f for f in findings if f.rule == "authz.matrix").data["matrix"]
    probed = {r["route"] for r in matrix["rows"] if any(c["state"] != "not_probed" for c in r["cells"].values())}
    planned = " ".join(login_plan + write_plan)
    assert probed & known and all(route in planned for route in probed & known), (probed, planned)
    assert probed - known and "OpenAPI spec, read when the run starts" in login_plan[0]  # the spec's routes
    assert ("cross-user changes" in planned) == write
