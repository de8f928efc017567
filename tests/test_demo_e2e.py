"""The README's demo command, end to end: a real app, a real repo, a real PDF with the verdict.

Runs `launch-ready demo` and `launch-ready demo --fixed` once each as a user would (a subprocess)
and reads the outputs back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.checklist import load_checklist
from wizard.demo.app import DEMO_PASSWORDS
from wizard.demo.flaws import FLAWS, matches
from wizard.demo.repo import make_demo_repo
from wizard.model import Finding
from wizard.paths import default_checklist_dir

from conftest import normalise, pdf_text

pytestmark = pytest.mark.slow


def run_demo(out: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizard", "demo", "--out", str(out), *flags],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def flawed(tmp_path_factory):
    out = tmp_path_factory.mktemp("flawed")
    result = run_demo(out)
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    out = tmp_path_factory.mktemp("fixed")
    result = run_demo(out, "--fixed")
    assert result.returncode == 0, result.stderr
    return out, result


def findings(out: Path, build: str) -> list[Finding]:
    doc = json.loads((out / f"demo-{build}.session.json").read_text())
    return [Finding.model_validate(f) for f in doc["findings"].values()]


def test_flawed_demo_pdf_says_not_ready_with_every_bar_item_and_flaw(flawed):
    out, result = flawed
    assert result.stdout.startswith("NOT READY")
    text = normalise(pdf_text(out / "demo-flawed.pdf"))
    assert "NOT READY" in text
    checklist = load_checklist(default_checklist_dir())
    for entry in checklist.bar:
        assert normalise(entry.title) in text, entry.title
    found = findings(out, "flawed")
    for flaw in FLAWS:
        hits = [f for f in found if matches(flaw, f)]
        assert hits, f"{flaw.id} ({flaw.rule} {flaw.marker}) was not reported"
        assert normalise(hits[0].title) in text, f"{flaw.id}: '{hits[0].title}' not in the PDF"


def test_fixed_demo_is_ready_and_reports_no_planted_flaw(fixed):
    out, result = fixed
    assert result.stdout.startswith("READY"), result.stdout + result.stderr
    assert "READY" in pdf_text(out / "demo-fixed.pdf")
    found = findings(out, "fixed")
    assert not [f.id for flaw in FLAWS for f in found if matches(flaw, f)]
    assert not [f for f in found if f.status.value == "fail"]


def test_no_planted_secret_or_credential_reaches_any_output(flawed, tmp_path):
    out, result = flawed
    demo_repo = make_demo_repo(tmp_path / "same-seed", fixed=False)
    planted = demo_repo.planted
    needles = [m for p in planted for m in p.leak_markers] + [p.value for p in planted] + list(DEMO_PASSWORDS.values())
    needles.append(demo_repo.env_secret)  # F18: the secret shared by staging and production config
    outputs = {p.name: p.read_text(errors="replace") for p in out.iterdir() if p.suffix != ".pdf"}
    outputs["pdf text"] = pdf_text(out / "demo-flawed.pdf")
    outputs["stdout+stderr"] = result.stdout + result.stderr
    assert {"demo-flawed.session.json", "demo-flawed.json", "demo-flawed.html", "demo-flawed.md", "demo-flawed.log"} <= set(outputs)
    leaks = [(name, needle[:6]) for name, text in outputs.items() for needle in needles if needle in text]
    assert not leaks


def test_flawed_demo_handover_is_filled_from_answers_and_repository_with_gaps_marked(flawed):
    out, _ = flawed
    report = json.loads((out / "demo-flawed.json").read_text())
    handover = report["handover"]
    env = handover["env_vars"]["entries"]
    assert env[0]["value"] is None and env[0]["source"] == "answer"  # nobody answered the question ...
    repo = next(e for e in env if e["label"] == "Found by Launch Ready (deploy.env-inventory)")  # ... the repository did
    assert "SENTRY_DSN" in repo["value"] and "SESSION_SECRET" in repo["value"]
    assert handover["alert_channel"]["entries"][0]["value"] == "Emails to the shared dev@ inbox"  # an answer
    for key in ("rollback_steps", "monitor_links", "alert_owner"):  # nothing anywhere: marked not provided
        assert not handover[key]["provided"] and [e["value"] for e in handover[key]["entries"]] == [None], key
    assert {e["source"] for e in handover["next_actions"]["entries"] if e["value"]} == {"remediation plan"}
    text = normalise(pdf_text(out / "demo-flawed.pdf"))
    assert "Found by Launch Ready (deploy.env-inventory)" in text and "not provided" in text


def test_fixed_demo_guided_verifications_pass(fixed):
    out, _ = fixed
    found = {f.rule: f for f in findings(out, "fixed") if f.probe == "verify"}
    assert {r: f.status.value for r, f in found.items()} == {
        "auditlog.pasted-line": "pass", "monitoring.alert-challenge": "pass", "monitoring.status-page": "pass"}
    assert "supplied by the demo runner" in found["monitoring.alert-challenge"].detail
