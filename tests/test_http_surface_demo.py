"""The HTTP surface against the bundled demo app: every planted flaw it owns is reported on the flawed
build, none on the fixed one, no planted value reaches the session, and nothing unsafe is sent
(checked in the demo server's own access log)."""

from __future__ import annotations

import json

import pytest

from surface_run import SURFACE_PROBES, assert_ran_ok, default_checklist
from wizard.audit import Audit
from wizard.config import load_config, resolve_credentials
from wizard.demo import surface
from wizard.demo.app import DEMO_PASSWORDS, demo_env
from wizard.demo.flaws import FLAWS, matches
from wizard.demo.run import _write_config
from wizard.demo.server import DemoServer
from wizard.model import Status
from wizard.session import AuditSession, ChecklistRef

# The planted flaws the HTTP-surface probes report (the rest belong to the authn, latency and repo checks).
SURFACE_FLAWS = {"F02", "F03", "F04", "F05", "F06", "F07", "F08", "F09", "S4", *(f"H{n:02d}" for n in range(1, 13)),
                 "F02b", "F02c", "F02d", "S4b", "S5", "S5b", "S5c"}


def audit_demo(fixed: bool, tmp_path):
    with DemoServer(fixed=fixed, workdir=tmp_path) as srv:
        config = load_config(_write_config(tmp_path, srv, tmp_path, fixed))
        checklist = default_checklist()
        session = AuditSession.create(None, ChecklistRef(id=checklist.id, version=checklist.version), config.public_dict())
        audit = Audit(checklist, config, session, resolve_credentials(config, demo_env()))
        summary = audit.run_probes(only=SURFACE_PROBES, skip=["csrf-active"])  # the demo consents to writes: the HTTP surface alone here
        log = list(srv.access_log)
    return audit, summary, log


@pytest.fixture(scope="module")
def flawed(tmp_path_factory):
    return audit_demo(False, tmp_path_factory.mktemp("flawed"))


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    return audit_demo(True, tmp_path_factory.mktemp("fixed"))


def test_every_surface_flaw_is_reported_on_the_flawed_build(flawed):
    audit, summary, _ = flawed
    assert_ran_ok(summary)
    assert SURFACE_FLAWS <= {f.id for f in FLAWS}
    missing = [f"{flaw.id} {flaw.rule} '{flaw.marker}'" for flaw in FLAWS if flaw.id in SURFACE_FLAWS
               and not any(matches(flaw, f) for f in audit.session.findings)]
    assert not missing


def test_the_fixed_build_is_clean(fixed):
    audit, summary, _ = fixed
    assert_ran_ok(summary)
    assert not [flaw.id for flaw in FLAWS for f in audit.session.findings if matches(flaw, f)]
    not_passing = [(f.rule, f.status.value, f.title) for f in audit.session.findings
                   if f.status not in (Status.PASS, Status.NA)]
    assert not_passing == []


def test_no_planted_value_or_credential_reaches_the_session(flawed):
    audit, _, _ = flawed
    text = audit.session.to_json()
    needles = surface.leak_markers() + list(DEMO_PASSWORDS.values())
    assert [n[:6] for n in needles if n in text] == []
    bundle_secret = next(f for f in audit.session.findings if f.rule == "secrets.exposed" and "JavaScript" in f.title
                         and f.data.get("rule") == "slack-token")
    assert bundle_secret.location.url.endswith("/static/app.js")
    assert "[REDACTED slack-token" in bundle_secret.detail


@pytest.mark.parametrize("build", ["flawed", "fixed"])
def test_only_safe_requests_reach_the_demo(build, request):
    _, summary, log = request.getfixturevalue(build)
    methods = {(e["method"], e["path"]) for e in log if e["method"] not in ("GET", "HEAD", "OPTIONS")}
    assert methods == {("POST", "/login")}  # the login tier's one POST, nothing else
    assert sum(1 for e in log if e["method"] == "POST") == 1  # one test login shared by every probe
    assert not [e["path"] for e in log if "logout" in e["path"]]
    assert sum(summary.requests.values()) == len(log) <= 50  # bounded, and every request accounted for
    assert all("launch-ready" in e["user_agent"] for e in log)


def test_session_json_is_valid(flawed):
    audit, _, _ = flawed
    doc = json.loads(audit.session.to_json())
    assert {f["probe"] for f in doc["findings"].values()} == set(SURFACE_PROBES)
