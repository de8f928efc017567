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
    planted = make_demo_repo(tmp_path / "same-seed", fixed=False).planted
    needles = [m for p in planted for m in p.leak_markers] + [p.value for p in planted] + list(DEMO_PASSWORDS.values())
    outputs = {p.name: p.read_text(errors="replace") for p in out.iterdir() if p.suffix != ".pdf"}
    outputs["pdf text"] = pdf_text(out / "demo-flawed.pdf")
    outputs["stdout+stderr"] = result.stdout + result.stderr
    assert {"demo-flawed.session.json", "demo-flawed.json", "demo-flawed.html", "demo-flawed.md", "demo-flawed.log"} <= set(outputs)
    leaks = [(name, needle[:6]) for name, text in outputs.items() for needle in needles if needle in text]
    assert not leaks
