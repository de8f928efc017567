"""Exports from the same data: CSV of findings (safe in a spreadsheet), JSON as documented, the fix snippet for
the app's stack in the PDF and every stack in the HTML, and branding only from a config the user gives."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from wizard.model import Location, Status
from wizard.report import FORMATS, render_report
from wizard.report.csvreport import COLUMNS

from conftest import normalise
from test_report import pdf_text  # text in reading order, whitespace collapsed
from test_report import checklist, finding, sample_session  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


def test_csv_has_one_row_per_finding_and_defuses_formulas(checklist, tmp_path):
    formula = finding(checklist, "headers.banner", Status.WARN, "=HYPERLINK(\"http://127.0.0.1:9/x\",\"click\")",
                      probe="http-surface", location=Location(url="https://admin.staging.example.com"),
                      evidence=["+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"])
    session = sample_session(checklist, [formula])
    rows = list(csv.reader(io.StringIO(render_report("csv", checklist, session, tmp_path / "f.csv").read_text(), newline="")))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 1 + len(session.findings)
    by_id = {r[0]: dict(zip(COLUMNS, r)) for r in rows[1:]}
    row = by_id[formula.id]
    assert row["title"].startswith("'=HYPERLINK") and row["evidence"].startswith("'+cmd")
    for r in by_id.values():
        for cell in r.values():
            assert not cell.startswith(("=", "+", "-", "@")), cell
    assert "csv" in FORMATS


def test_json_documents_the_plan_snippets_and_retest_shape(checklist, tmp_path):
    doc = json.loads(render_report("json", checklist, sample_session(checklist), tmp_path / "r.json").read_text())
    docs = (ROOT / "docs" / "report-json.md").read_text()
    assert f"`{doc['schema_version']}`" in docs.split("## Top level")[1].split("##")[0]
    for row in doc["plan"]:
        assert {"number", "item", "steps", "snippet", "snippets", "window_hours", "owner"} <= set(row)
    for key in ("window_hours", "snippet", "snippets", "provided", "entries", "changes", "trend", "counts"):
        assert f"`{key}`" in docs or f".{key}`" in docs, key


def test_the_pdf_shows_the_snippet_for_the_configured_stack_and_the_html_shows_them_all(checklist, tmp_path):
    session = sample_session(checklist)
    auth = checklist.item("authentication")
    stacks = [s.stack for s in auth.fix.snippets]
    if len(stacks) < 2:
        return  # a consultant's checklist with one snippet: nothing to choose
    wanted = stacks[1]
    session.data.target["target"]["stack"] = wanted
    text = normalise(pdf_text(render_report("pdf", checklist, session, tmp_path / "s.pdf")))
    auth_part = text.split("Fix: " + normalise(auth.fix.summary))[1][:4000]
    assert wanted in auth_part.split("The HTML report also has")[0]  # the snippet's label
    others = [s for s in stacks if s != wanted]
    assert f"The HTML report also has this fix for: {', '.join(others)}." in auth_part
    html = render_report("html", checklist, session, tmp_path / "s.html").read_text()
    for s in auth.fix.snippets:
        assert f'<summary class="stack">{s.stack}' in html
    assert f'open><summary class="stack">{wanted}' in html


def test_branding_logo_is_read_only_from_a_config_given_now(checklist, tmp_path):
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="#123456"/></svg>')
    marker = base64.b64encode(logo.read_bytes()).decode()
    session = sample_session(checklist)
    session.data.target["branding"] = {"assessor": "Dana Consultant", "organisation": "Northwind", "accent": "#7a1f5c",
                                       "logo": str(logo), "footer": "Northwind · confidential", "contact": "dana@northwind.example"}
    session.path = tmp_path / "s.json"
    session.save()
    env = {**os.environ}
    run = lambda *a: subprocess.run([sys.executable, "-m", "wizard", "report", str(session.path), *a],  # noqa: E731
                                    capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert run("--out", str(tmp_path / "a.html")).returncode == 0
    html = (tmp_path / "a.html").read_text()
    assert "Dana Consultant" in html and "--accent: #7a1f5c;" in html and "Northwind · confidential" in html
    assert marker not in html, "a logo path saved in a session must not be read"
    config = tmp_path / "launch-ready.toml"
    config.write_text(f'[branding]\nassessor = "Dana Consultant"\norganisation = "Northwind"\nlogo = "{logo}"\n'
                      'accent = "#7a1f5c"\ncontact = "dana@northwind.example"\n')
    result = run("--out", str(tmp_path / "b.pdf"), "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert run("--out", str(tmp_path / "b.html"), "--config", str(config)).returncode == 0
    assert marker in (tmp_path / "b.html").read_text()
    text = normalise(pdf_text(tmp_path / "b.pdf"))
    assert "Dana Consultant" in text and "dana@northwind.example" in text and "Northwind" in text


def test_markdown_has_the_fix_and_retest_columns(checklist, tmp_path):
    session = sample_session(checklist)
    md = render_report("md", checklist, session, tmp_path / "r.md").read_text()
    assert "## 4. Findings and fixes" in md and re.search(r"\*\*Fix \(before launch, hours", md)
    base = {f.id: f for f in session.findings}
    session.data.baseline = base
    md = render_report("md", checklist, session, tmp_path / "r2.md").read_text()
    assert "| Finding | Check | Before | Now | Retest status |" in md
