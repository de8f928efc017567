"""Retest: an earlier audit rerun weeks later says, per finding, what was fixed, what still fails and what
is new, with the score trend; the earlier session file is never touched.

Real parts: the bundled demo app (flawed, then the fixed build on new ports) under uvicorn, a real
demo repo, `launch-ready scan` / `retest` / `demo --retest` as subprocesses, PDFs read with pdftotext.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.model import Finding, Status
from wizard.report.comparison import (FIXED, NEW, NOT_RECHECKED, PARTIAL, STILL, finding_changes, item_change)

from conftest import normalise
from test_report import pdf_text  # text in reading order, whitespace collapsed

ROOT = Path(__file__).resolve().parents[1]
FAST_PROBES = "http-surface,cookies,authn,secrets"  # the latency probe alone takes 20 s

CONFIG = """\
[target]
url = "{https}"
http_url = "{http}"
scope = ["127.0.0.1"]
repo = "{repo}"
ca_bundle = "{ca}"

[endpoints]
list = "{endpoints}"

[roles.admin]
level = 10
login = {{ route = "POST /login", username_env = "LR_ADMIN_USER", password_env = "LR_ADMIN_PASS" }}

[roles.support]
level = 1
login = {{ route = "POST /login", username_env = "LR_SUPPORT_USER", password_env = "LR_SUPPORT_PASS" }}

[consent]
login = true
"""


def cli(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})})


def finding(status: Status, key: str, probe: str = "http-surface", rule: str = "headers.hsts") -> Finding:
    return Finding.make(probe=probe, rule=rule, key=key, status=status, title=f"{key} {status.value}", item="security-headers")


# -- the comparison rules ------------------------------------------------------------------------
def test_each_outcome_follows_its_rule():
    before = {f.id: f for f in (
        finding(Status.FAIL, "passes-now"), finding(Status.FAIL, "gone-probe-reran"),
        finding(Status.FAIL, "gone-probe-not-rerun", probe="dns", rule="dns.dangling"),
        finding(Status.FAIL, "warns-now"), finding(Status.WARN, "still-warns"), finding(Status.FAIL, "unknown-now", probe="cookies", rule="cookies.flags"),
        finding(Status.PASS, "regressed"), finding(Status.PASS, "still-fine"),
    )}
    now_list = [finding(Status.PASS, "passes-now"), finding(Status.WARN, "warns-now"), finding(Status.WARN, "still-warns"),
                finding(Status.UNKNOWN, "unknown-now", probe="cookies", rule="cookies.flags"), finding(Status.FAIL, "regressed"), finding(Status.PASS, "still-fine"),
                finding(Status.FAIL, "brand-new")]
    now = {f.id: f for f in now_list}
    outcome = {c.title.rsplit(" ", 1)[0]: c.outcome for c in finding_changes(before, now, {"http-surface"})}
    assert outcome == {
        "passes-now": FIXED, "gone-probe-reran": FIXED, "gone-probe-not-rerun": NOT_RECHECKED,
        "warns-now": PARTIAL, "still-warns": STILL, "unknown-now": NOT_RECHECKED,
        "regressed": NEW, "brand-new": NEW,
    }


def test_a_probe_that_could_not_see_the_app_fixes_nothing():
    before = {f.id: f for f in (finding(Status.FAIL, "hsts"), finding(Status.FAIL, "csp"), finding(Status.PASS, "banner"))}
    down = finding(Status.FAIL, "unreachable", rule="http.reachable")
    unsure = finding(Status.UNKNOWN, "banner")
    changes = finding_changes(before, {down.id: down, unsure.id: unsure}, {"http-surface"})
    outcome = {c.title.rsplit(" ", 1)[0]: c.outcome for c in changes}
    assert outcome == {"hsts": NOT_RECHECKED, "csp": NOT_RECHECKED, "banner": NOT_RECHECKED, "unreachable": NEW}


def test_a_check_that_improved_but_still_fails_is_partially_fixed():
    assert item_change("fail", Status.PASS, []).outcome == FIXED
    assert item_change("fail", Status.WARN, []).outcome == PARTIAL
    assert item_change("pass", Status.FAIL, []).outcome == NEW
    assert item_change("fail", Status.FAIL, []).outcome == STILL
    assert item_change("fail", Status.SKIPPED, []).outcome == NOT_RECHECKED
    assert item_change("", Status.FAIL, []) is None  # no earlier audit: nothing to compare


# -- the command, on the real demo app -------------------------------------------------------------
@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """A scan of the flawed demo build (fast probes only); the server is stopped afterwards."""
    from wizard.demo.app import demo_env
    from wizard.demo.repo import make_demo_repo
    from wizard.demo.run import DEMO_ENDPOINTS
    from wizard.demo.server import DemoServer

    tmp = tmp_path_factory.mktemp("retest")
    (tmp / "endpoints.txt").write_text(DEMO_ENDPOINTS)

    def config(name: str, fixed: bool, server) -> Path:
        repo = make_demo_repo(tmp / f"repo-{name}", fixed=fixed)
        path = tmp / f"{name}.toml"
        path.write_text(CONFIG.format(https=server.https_url, http=server.http_url, repo=repo.path,
                                      ca=server.ca_path, endpoints=tmp / "endpoints.txt"))
        return path

    with DemoServer(fixed=False, workdir=tmp / "flawed-srv") as server:
        cfg = config("flawed", False, server)
        session = tmp / "audit.session.json"
        result = cli("scan", "--config", str(cfg), "--session", str(session), "--only", FAST_PROBES,
                     "--format", "json", "--out", str(tmp / "audit.json"), "--fail-on", "never", env=demo_env())
        assert result.returncode == 0, result.stderr
    return tmp, session, config, demo_env()


def test_retest_against_the_fixed_build_marks_the_findings_fixed(audited):
    from wizard.demo.server import DemoServer

    tmp, session, config, env = audited
    before_bytes = session.read_bytes()
    with DemoServer(fixed=True, workdir=tmp / "fixed-srv") as server:  # new ports: the app "moved"
        cfg = config("fixed", True, server)
        result = cli("retest", str(session), "--config", str(cfg), "--out", str(tmp / "out"),
                     "--format", "json", "--format", "pdf", env=env)
    assert result.returncode == 0, result.stderr
    assert session.read_bytes() == before_bytes, "the earlier session must not change"

    new_session = tmp / "out" / "audit-retest.session.json"
    data = json.loads(new_session.read_text())
    baseline = {k: Finding.model_validate(v) for k, v in data["baseline"].items()}
    assert any(f.status is Status.FAIL for f in baseline.values())
    assert data["history"][0]["status"] == "NOT READY"
    doc = json.loads((tmp / "out" / "audit-retest.json").read_text())
    outcomes = {c["outcome"] for c in doc["retest"]["changes"]}
    assert outcomes == {"fixed"}, doc["retest"]["changes"]
    assert doc["retest"]["counts"]["fixed"] == sum(1 for f in baseline.values() if f.status.value in ("fail", "warn", "unknown"))
    assert doc["retest"]["score_before"] <= doc["retest"]["score_now"]
    assert [p["score"] for p in doc["retest"]["trend"]] == [doc["retest"]["score_before"], doc["retest"]["score_now"]]
    dates = [p["date"] for p in doc["retest"]["trend"]]
    assert len(set(dates)) == len(dates), dates  # two audits on one day: the chart's labels carry the time

    text = normalise(pdf_text(tmp / "out" / "audit-retest.pdf"))
    assert "Retest status of every finding" in text and "FIXED" in text
    assert "STILL FAILING" not in text.split("Retest status of every finding")[1].split("Checks that pass")[0]


def test_retest_without_the_server_still_answers_clearly(audited, tmp_path):
    """The app is gone (the flawed server was stopped): the probes say so; nothing crashes, nothing is 'fixed'."""
    tmp, session, _, env = audited
    result = cli("retest", str(session), "--out", str(tmp_path), "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / "audit-retest.json").read_text())
    web = [c for c in doc["retest"]["changes"] if c["probe"] in ("http-surface", "cookies", "authn")]
    assert web and all(c["outcome"] != "fixed" for c in web), web
    assert {c["outcome"] for c in doc["retest"]["changes"] if c["probe"] == "secrets"} == {"still-failing"}


def test_retest_refuses_a_session_without_runs_and_missing_files(tmp_path):
    from wizard.session import AuditSession, ChecklistRef

    s = tmp_path / "empty.json"
    AuditSession.create(s, ChecklistRef(id="internal-admin-app", version="x"), {"target": {"url": "https://a.example"}})
    result = cli("retest", str(s), "--out", str(tmp_path))
    assert result.returncode == 2 and "no probe run to repeat" in result.stderr and "Traceback" not in result.stderr
    result = cli("retest", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "not found" in result.stderr


# -- the demo, end to end ------------------------------------------------------------------------
@pytest.mark.slow
def test_demo_retest_after_switching_to_the_fixed_build_is_ready_with_every_finding_fixed(tmp_path):
    result = cli("demo", "--retest", "--out", str(tmp_path), timeout=600)
    assert result.returncode == 0, result.stderr
    first, last = result.stdout.strip().splitlines()[0], result.stdout.strip().splitlines()[-1]
    assert first.startswith("NOT READY") and last.startswith("READY"), result.stdout  # the flawed audit, then the retest
    doc = json.loads((tmp_path / "demo-retest.json").read_text())
    assert doc["verdict"]["status"] == "READY"
    changes = doc["retest"]["changes"]
    assert changes and {c["outcome"] for c in changes} == {"fixed"}, [c for c in changes if c["outcome"] != "fixed"]
    flawed = json.loads((tmp_path / "demo-flawed.session.json").read_text())
    opened = [f for f in flawed["findings"].values() if f["status"] in ("fail", "warn", "unknown")]
    assert len(changes) == len(opened)
    assert doc["retest"]["trend"][0]["status"] == "NOT READY" and doc["retest"]["trend"][-1]["status"] == "READY"
    text = normalise(pdf_text(tmp_path / "demo-retest.pdf"))
    assert "READY: every launch-bar item passes" in text and "Retest status of every finding" in text
    flat = text.replace("-", "")  # the PDF breaks long words at hyphens; pdftotext then drops them
    for f in opened:  # the head of each title: long titles wrap inside table cells in pdftotext's layout
        assert " ".join(normalise(f["title"]).split()[:4]).replace("-", "") in flat, f["title"]


def test_a_leaked_secret_gone_from_the_code_is_fixed_with_a_caveat():
    """The scan can see the code, not the provider: 'fixed' says the old value must still be revoked."""
    leak = Finding.make(probe="secrets", rule="secrets.exposed", key="k", status=Status.FAIL, title="Stripe key in code")
    header = Finding.make(probe="http-surface", rule="headers.hsts", key="h", status=Status.FAIL, title="HSTS missing")
    changes = {c.id: c for c in finding_changes({leak.id: leak, header.id: header}, {}, {"secrets", "http-surface"})}
    assert changes[leak.id].outcome == "fixed" and "revoked" in changes[leak.id].caveat
    assert changes[header.id].outcome == "fixed" and changes[header.id].caveat == ""
