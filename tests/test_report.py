"""The report: every format renders from one view-model, reads verdict-first, and nothing untrusted
in it can fetch, embed, execute or leak anything.

Real parts only: the bundled checklist, a real HTTP server on 127.0.0.1 that counts requests, real
PDFs read back with poppler-utils (pdftotext, pdffonts, pdfdetach).
"""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from wizard.checklist import load_checklist
from wizard.checklist.schema import BarEntry, Checklist, FixPath, Item, Question, QuestionKind, ScoreBand, Snippet
from wizard.errors import UserError
from wizard.model import Answer, Finding, Location, Severity, Status
from wizard.paths import default_checklist_dir, templates_dir
from wizard.redact import register_secret
from wizard.report import FORMATS, render_report
from wizard.report.data import HANDOVER_FIELDS, build_report_data
from wizard.session import AuditSession, ChecklistRef, Run, SessionData
from wizard.verdict import compute_verdict

from conftest import require_binary

ROOT = Path(__file__).resolve().parents[1]
POPPLER = ("pdftotext", "pdffonts", "pdfdetach")


def _need_poppler() -> None:
    for binary in POPPLER:
        require_binary(binary)  # a skip with the install hint locally, a failure in CI


def run_tool(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def pdf_text(path: Path) -> str:
    """The PDF's text with whitespace collapsed, so a phrase wrapped across lines still matches."""
    return re.sub(r"\s+", " ", run_tool("pdftotext", "-enc", "UTF-8", str(path), "-"))


# -- test data -------------------------------------------------------------------------------
def _mini_checklist() -> Checklist:
    """A small checklist in the real schema, used only while the bundled one does not load."""

    def item(id_, title, before, timeline, questions=(), checks=()):
        return Item(
            id=id_, title=title, area="Access control", pass_criteria=f"{title} passes.", why=f"{title} matters.",
            breaks=f"Without {title} things break.", checks=list(checks),
            questions=[*questions, Question(id="done", text=f"Is {title} done?", kind=QuestionKind.YES_NO, pass_if="yes")],
            fix=FixPath(summary=f"Fix {title}.", steps=["Do it."], snippets=[Snippet(stack="any", code="x = 1")],
                        effort_hours=2, timeline=timeline, before_launch=before),
        )

    items = [
        item("authentication", "Authentication", True, "hours 1-8", checks=["authn.*"], questions=[
            Question(id="provider-token-checked-by-backend", text="Does the backend check tokens?", kind=QuestionKind.YES_NO,
                     pass_if="yes", red_flag=True, red_flag_title="Third-party login alone")]),
        item("authorization", "Authorization", True, "hours 1-24", checks=["authz.*"], questions=[
            Question(id="authz-owner", text="Is there an owner of authorization?", kind=QuestionKind.YES_NO,
                     pass_if="yes", red_flag=True, red_flag_title="No owner of authorization")]),
        item("secret-handling", "Secret handling", True, "hours 6-24", checks=["secrets.*"]),
        item("session-security", "Session security", True, "hours 1-8", checks=["cookies.*"]),
        item("tls-dns", "TLS and DNS", True, "hours 1-8", checks=["transport.*", "http.reachable"], questions=[
            Question(id="dns-owner", text="Who owns DNS?", kind=QuestionKind.TEXT, handover="dns_owner")]),
        item("monitoring", "Monitoring", True, "hours 18-36", questions=[
            Question(id="alert-owner", text="Who gets alerts?", kind=QuestionKind.TEXT, handover="alert_owner")]),
        item("latency", "Latency", True, "hours 8-24", checks=["latency.*"]),
        item("deployment", "Deployment", True, "hours 6-24", questions=[
            Question(id="rollback-steps", text="How do you roll back?", kind=QuestionKind.TEXT, handover="rollback_steps")]),
        item("security-headers", "Security headers", False, "after launch", checks=["headers.*"]),
        item("handover", "Handover", False, "hours 36-48", questions=[
            Question(id="access-points", text="Where do staff sign in?", kind=QuestionKind.TEXT, handover="access_points"),
            Question(id="env-vars", text="Which env vars?", kind=QuestionKind.TEXT, handover="env_vars"),
            Question(id="next-actions", text="Next actions?", kind=QuestionKind.TEXT, handover="next_actions")]),
    ]
    bar = [
        BarEntry(id="no-auth-bypass", title="No critical way around the login", items=["authentication"], verify="Try routes logged out."),
        BarEntry(id="no-exposed-secrets", title="No secrets exposed", items=["secret-handling"], verify="Scan the repo."),
        BarEntry(id="role-checks", title="Roles checked on the server", items=["authorization"], verify="Use two accounts."),
        BarEntry(id="p95-latency", title="p95 under 500 ms", items=["latency"], verify="Run a load test."),
        BarEntry(id="monitoring-live", title="Monitoring is live", items=["monitoring"], verify="Send a test alert."),
        BarEntry(id="platform-stable", title="Platform stable", items=["tls-dns", "deployment"], verify="Check DNS."),
    ]
    checklist = Checklist(
        id="internal-admin-app", title="Internal admin app", version="test", order=[i.id for i in items], bar=bar,
        score_bands=[ScoreBand(min=90, band="Launch-ready"), ScoreBand(min=50, band="Needs work"), ScoreBand(min=0, band="Not ready")],
    )
    checklist.items = items
    return checklist


@pytest.fixture(scope="module")
def checklist() -> Checklist:
    try:
        return load_checklist(default_checklist_dir())
    except UserError:  # the bundled checklist is being edited: fall back to the same schema, smaller
        return _mini_checklist()


def finding(checklist: Checklist, rule: str, status: Status, title: str, *, key: str = "", **fields) -> Finding:
    probe = fields.pop("probe", rule.split(".")[0])
    return Finding.make(probe=probe, rule=rule, key=key or title, item=checklist.item_for_rule(rule),
                        status=status, title=title, **fields)


def answer(checklist: Checklist, qid: str, value, note: str = "", evidence: str = "") -> Answer | None:
    try:
        checklist.question(qid)
    except KeyError:
        return None
    return Answer(question=qid, value=value, note=note, evidence=evidence)


LONG_LINE = "GET https://admin.staging.example.com/static/app.min.js -> 200: " + "x" * 900 + "Z" * 900


def sample_session(checklist: Checklist, extra_findings=(), extra_answers=()) -> AuditSession:
    """A typical audit of a flawed admin app: blockers, a warning, an unknown, red flags, handover."""
    url = "https://admin.staging.example.com"
    findings = [
        finding(checklist, "authn.unauthenticated-access", Status.FAIL, "Admin API answers without a login",
                severity=Severity.CRITICAL, probe="authn", location=Location(url=f"{url}/api/admin/users", method="GET"),
                detail="GET /api/admin/users returned user records to a request with no cookie and no token.",
                evidence=["GET https://admin.staging.example.com/api/admin/users -> 200 (application/json, 1.9 kB)",
                          'body: [{"id": 1, "email": "a***@example.com", "role": "admin"}, …]'],
                fix="Require a login on every /api route by default.",
                references=["OWASP API2:2023 Broken Authentication", "https://owasp.org/www-project-top-ten/"]),
        finding(checklist, "authn.unsafe-route-not-probed", Status.PASS, "Unsafe GET, not probed: /api/admin/reset",
                probe="authn", location=Location(url=f"{url}/api/admin/reset", method="GET")),
        finding(checklist, "secrets.exposed", Status.FAIL, "Stripe live key committed to the repository",
                severity=Severity.CRITICAL, probe="secrets",
                location=Location(path="billing/config.py", line=12, commit="4f2a9c1e0b7d3a5f6e8c"),
                evidence=["billing/config.py:12 @ 4f2a9c1e0b: STRIPE_KEY = \"[REDACTED stripe-live-key sk_l… len=32 fp=1a2b3c4d5e6f]\""],
                fix="Rotate the key now, then load it from the environment."),
        finding(checklist, "cookies.session-flags", Status.WARN, "Session cookie lacks SameSite",
                severity=Severity.MEDIUM, probe="cookies", location=Location(url=f"{url}/login", method="POST"),
                evidence=["Set-Cookie: session=[REDACTED]; Path=/; HttpOnly; Secure"],
                fix="Set SameSite=Lax on the session cookie."),
        finding(checklist, "transport.https", Status.PASS, "HTTPS answers with a valid certificate",
                probe="http-surface", location=Location(url=url)),
        finding(checklist, "headers.hsts", Status.WARN, "HSTS max-age is short", severity=Severity.HIGH,
                probe="http-surface", location=Location(url=url, method="GET"), evidence=[LONG_LINE]),
        finding(checklist, "latency.p95", Status.UNKNOWN, "Too few samples for a p95", probe="latency",
                location=Location(url=f"{url}/api/reports/search"), detail="Only 12 samples; 59 are needed."),
        *extra_findings,
    ]
    answers = [
        answer(checklist, "authentication.provider-token-checked-by-backend",
               "No: the provider protects the login page and the API trusts whatever reaches it"),
        answer(checklist, "authorization.authz-owner", "no", note="Permissions live in the UI and in helpers."),
        answer(checklist, "tls-dns.dns-owner", "Sam Lee (ops lead), Cloudflare account ops@example.com"),
        answer(checklist, "monitoring.alert-owner", "Priya (on call), backup: CTO"),
        answer(checklist, "deployment.rollback-steps", "1. Re-deploy the previous tag\n2. Run the down migration"),
        answer(checklist, "handover.access-points", None, note="Ask IT which SSO app tile staff use."),
        *extra_answers,
    ]
    run = Run(id=1, started="2026-11-02T09:00:00+00:00", finished="2026-11-02T09:03:10+00:00",
              probes=["http-surface", "cookies", "authn", "secrets", "latency"], tiers=["passive", "login"],
              requests={"http-surface": 14, "cookies": 3, "authn": 41, "secrets": 2, "latency": 12}, outcome="completed")
    data = SessionData(
        name="acme-admin",
        checklist=ChecklistRef(id=checklist.id, version=checklist.version),
        target={"target": {"url": url, "scope": ["admin.staging.example.com", "api.staging.example.com"],
                           "environment": "staging", "repo": "/srv/acme-admin", "domain": "example.com"}},
        answers={a.question: a for a in answers if a is not None},
        findings={f.id: f for f in findings},
        runs=[run],
    )
    return AuditSession(data, path=None)


# -- a loopback server that records every request --------------------------------------------
class RecordingServer:
    def __init__(self) -> None:
        self.requests: list[str] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                owner.requests.append(self.path)
                body = b"GIF89a"
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "RecordingServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def attachment_count(pdf: Path) -> int:
    first = run_tool("pdfdetach", "-list", str(pdf)).splitlines()[0]
    return int(first.split()[0])


# -- one rendered report, shared by the content tests ----------------------------------------
@pytest.fixture(scope="module")
def rendered(checklist, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    session = sample_session(checklist)
    return {fmt: render_report(fmt, checklist, session, out / f"report.{fmt}") for fmt in FORMATS}


@pytest.fixture(scope="module")
def verdict(checklist):
    s = sample_session(checklist)
    return compute_verdict(checklist, s.findings, s.answers, s.status_overrides())


# -- the API ---------------------------------------------------------------------------------
def test_formats_and_unknown_format(checklist, tmp_path):
    assert FORMATS == ("pdf", "html", "md", "json", "sarif", "csv")
    with pytest.raises(UserError, match="unknown report format"):
        render_report("docx", checklist, sample_session(checklist), tmp_path / "r.docx")


def test_render_creates_parent_folders_and_leaves_no_temp_files(checklist, tmp_path):
    out = tmp_path / "a" / "b" / "report.json"
    assert render_report("json", checklist, sample_session(checklist), out) == out
    assert json.loads(out.read_text())["schema_version"] == 2
    assert [p.name for p in out.parent.iterdir()] == ["report.json"]


def test_importing_the_report_does_not_load_weasyprint():
    code = (
        "import sys, wizard.report, wizard.report.data, wizard.report.html, wizard.report.markdown, "
        "wizard.report.jsonreport, wizard.report.sarif, wizard.report.pdf; "
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_the_pdf_writer_leaves_the_cycle_collector_as_it_found_it():
    import gc

    from wizard.report.pdf import html_to_pdf

    assert gc.isenabled()
    assert html_to_pdf("<p>on</p>").startswith(b"%PDF")
    assert gc.isenabled()  # paused while WeasyPrint worked, on again now
    gc.disable()
    try:
        html_to_pdf("<p>off</p>")
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_view_model_is_plain_data_shared_by_every_format(checklist, verdict):
    session = sample_session(checklist)
    data = build_report_data(checklist, session, verdict, None)
    assert data.verdict.status == "NOT READY" and data.verdict.blockers
    assert data.cover.prepared_by == "self-assessment"
    assert [h.key for h in data.handover] == [k for k, _ in HANDOVER_FIELDS]
    # remediation: before-launch first, then by the start of the timeline window
    befores = [p.before_launch for p in data.plan]
    assert befores == sorted(befores, reverse=True)
    # findings: blockers first; passing findings kept apart from the open ones
    assert data.finding_groups[0].blocker
    assert all(f.status not in ("fail", "warn", "unknown") for g in data.finding_groups for f in g.passing)


def test_an_empty_audit_renders_every_format_and_reads_unverified(checklist, tmp_path):
    session = AuditSession(SessionData(checklist=ChecklistRef(id=checklist.id, version=checklist.version)), path=None)
    stray = Finding.make(probe="custom", rule="custom.rule", status=Status.FAIL, title="A finding no item claims")
    session.data.findings[stray.id] = stray
    for fmt in FORMATS:
        out = render_report(fmt, checklist, session, tmp_path / f"empty.{fmt}")
        assert out.stat().st_size > 0
    html = (tmp_path / "empty.html").read_text()
    assert "NOT READY (unverified): " in html
    assert "No automated probes were run" in html and "Not mapped to a checklist item" in html
    assert json.loads((tmp_path / "empty.json").read_text())["verdict"]["unverified"] is True


def _passing_value(q: Question):
    kind = q.kind.value
    if kind == "yes_no":
        return q.pass_if or "yes"
    if kind == "choice":
        return (q.pass_choices or q.choices)[0]
    if kind == "number":
        return q.min if q.min is not None else (float(q.max) if q.max is not None else 1)
    if kind == "duration":
        return q.max or "1h"
    if kind == "url":
        return "https://status.example.com"
    return "written down in the runbook"


def test_a_clean_audit_reads_ready_with_nothing_to_fix(checklist, tmp_path):
    session = AuditSession(SessionData(checklist=ChecklistRef(id=checklist.id, version=checklist.version)), path=None)
    for item, q in checklist.all_questions():
        session.data.answers[f"{item.id}.{q.id}"] = Answer(question=f"{item.id}.{q.id}", value=_passing_value(q))
    html = render_report("html", checklist, session, tmp_path / "ready.html").read_text()
    assert "READY: every launch-bar item passes" in html and "NOT READY" not in html
    assert "Nothing to fix" in html and "No red flags were raised" in html
    doc = json.loads(render_report("json", checklist, session, tmp_path / "ready.json").read_text())
    assert doc["verdict"]["status"] == "READY" and doc["verdict"]["blockers"] == [] and doc["plan"] == []


def test_branding_fills_the_cover_and_footer_and_cannot_inject_css(checklist, tmp_path):
    from wizard.config import Branding

    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>')
    brand = Branding(assessor="Dana Consultant", organisation="Northwind <Security>", client="Acme Ltd",
                     footer="Confidential: Acme Ltd", accent="red;}</style><script>x()</script>", logo=str(logo))
    html = render_report("html", checklist, sample_session(checklist), tmp_path / "b.html", brand).read_text()
    assert "Dana Consultant" in html and "Northwind &lt;Security&gt;" in html and "Acme Ltd" in html
    assert "--accent: #1f4e79;" in html and "<script>" not in html  # a bad colour falls back to the default
    assert "Confidential: Acme Ltd" in html
    import base64
    assert base64.b64encode(logo.read_bytes()).decode() in html


def test_a_retest_shows_what_was_fixed_what_still_fails_and_what_is_new(checklist, tmp_path):
    session = sample_session(checklist)
    by_rule = {f.rule: f for f in session.findings}
    https, authn = by_rule["transport.https"], by_rule["authn.unauthenticated-access"]
    gone = finding(checklist, "cookies.none-seen", Status.FAIL, "No session cookie seen", probe="cookies")
    unrun = finding(checklist, "dns.dangling", Status.FAIL, "Dangling CNAME", probe="dns")  # its probe did not run again
    session.data.baseline = {https.id: https.model_copy(update={"status": Status.FAIL}), authn.id: authn,
                             gone.id: gone, unrun.id: unrun}
    retest = json.loads(render_report("json", checklist, session, tmp_path / "r.json").read_text())["retest"]
    outcome = {c["title"]: c["outcome"] for c in retest["changes"]}
    assert outcome[https.title] == "fixed" and outcome[gone.title] == "fixed"
    assert outcome[authn.title] == "still-failing"
    assert outcome[unrun.title] == "not-rechecked"  # gone, but nobody looked again
    assert outcome[by_rule["secrets.exposed"].title] == "new"
    assert retest["counts"]["fixed"] == 2
    assert "STILL FAILING" in render_report("html", checklist, session, tmp_path / "r.html").read_text()


# -- content ---------------------------------------------------------------------------------
def test_pdf_reads_verdict_first_with_bar_handover_and_findings(rendered, verdict, checklist):
    _need_poppler()
    text = pdf_text(rendered["pdf"])
    headline = f"NOT READY: {verdict.reason}"
    assert headline in text
    assert text.index(headline) < text.index("Scorecard", text.index("1. Verdict"))
    for entry in checklist.bar:
        assert entry.title in text, entry.title
    for _, heading in HANDOVER_FIELDS:
        assert heading in text, heading
    assert "not provided" in text
    for f in sample_session(checklist).findings:
        if f.status in (Status.FAIL, Status.WARN, Status.UNKNOWN):
            assert f.title in text, f.title
    assert re.search(r"Page 1 of \d+", text)
    for it in checklist.items:
        assert it.title in text


def test_pdf_embeds_its_fonts(rendered):
    _need_poppler()
    rows = run_tool("pdffonts", str(rendered["pdf"])).splitlines()[2:]
    assert rows, "no fonts in the PDF"
    assert all(row.split()[-5] == "yes" for row in rows), rows  # the "emb" column
    assert any("DejaVu" in row for row in rows)


def test_long_evidence_lines_wrap_inside_the_page(rendered):
    _need_poppler()
    bbox = run_tool("pdftotext", "-bbox", str(rendered["pdf"]), "-")
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox)]
    assert max(right_edges) <= width - 20, "text runs into or past the right page edge"
    text = pdf_text(rendered["pdf"])
    assert "xxxxxxxx" in text and "more characters in the HTML report" in text  # cut in the PDF, and says so
    assert "Z" * 900 in rendered["html"].read_text()  # the HTML keeps the whole line


def test_html_has_every_section(rendered, checklist):
    html = rendered["html"].read_text()
    for heading in ("1. Verdict", "2. Scorecard", "3. Red flags", "4. Findings", "5. Remediation plan",
                    "6. Handover checklist", "7. Appendix"):
        assert heading in html
    assert "Bring in a senior engineer" in html
    assert "Requests sent per probe" in html and ">41<" in html
    assert "white-space: pre-wrap" in html and "overflow-wrap: anywhere" in html
    assert 'src="data:image/svg+xml;base64,' in html  # the bundled logo travels inside the file
    assert "1.9 kB)\nbody: [" in html  # evidence keeps one line per captured line


def test_markdown_report_has_the_verdict_and_plan(rendered, verdict):
    md = rendered["md"].read_text()
    assert f"**NOT READY: {verdict.reason}**" in md
    assert "## 5. Remediation plan" in md and "## 6. Handover checklist" in md
    assert "```" in md  # snippets and evidence are fenced code


def test_json_matches_the_documented_schema(rendered, checklist):
    doc = json.loads(rendered["json"].read_text())
    documented = re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "docs" / "report-json.md").read_text(), re.M)
    assert list(doc) == documented
    assert doc["schema_version"] == 2 and doc["tool_version"]
    assert {"id", "version"} <= set(doc["checklist"]) and doc["checklist"]["id"] == checklist.id
    assert doc["target"]["url"] == "https://admin.staging.example.com"
    assert {"status", "unverified", "reason", "score", "band", "blockers", "red_flags", "senior_engineer"} <= set(doc["verdict"])
    assert doc["verdict"]["status"] == "NOT READY"
    assert isinstance(doc["verdict"]["score"], int) and 0 <= doc["verdict"]["score"] <= 100
    assert len(doc["items"]) == len(checklist.items)
    for it in doc["items"]:
        assert {"id", "title", "status", "bar", "blocker"} <= set(it)
    assert doc["findings"]
    for f in doc["findings"]:
        assert {"id", "item", "probe", "rule", "status", "severity", "title", "detail", "location", "evidence", "fix"} <= set(f)
    assert {"question", "value", "note", "evidence"} <= set(doc["answers"][0])
    assert doc["runs"][0]["requests"]["authn"] == 41


def test_sarif_has_only_code_findings(rendered, checklist):
    doc = json.loads(rendered["sarif"].read_text())
    assert doc["version"] == "2.1.0" and "sarif-2.1.0" in doc["$schema"]
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "Launch Ready"
    expected = [f for f in sample_session(checklist).findings
                if f.location.path and f.status in (Status.FAIL, Status.WARN, Status.UNKNOWN)]
    assert len(run["results"]) == len(expected) == 1
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "billing/config.py" and loc["region"]["startLine"] == 12
        assert result["message"]["text"]


# -- safety ----------------------------------------------------------------------------------
def test_hostile_text_neither_fetches_nor_embeds_nor_renders(checklist, tmp_path):
    _need_poppler()
    with RecordingServer() as server:
        img = f'<img src="http://127.0.0.1:{server.port}/x">'
        link = '<link rel="attachment" href="file:///etc/hostname">'
        hostile = finding(
            checklist, "headers.banner", Status.FAIL, f"Server header {img}{link}", probe="http-surface",
            location=Location(url=f"http://127.0.0.1:{server.port}/"), severity=Severity.LOW,
            evidence=[f"Server: {img}", f"X-Powered-By: {link}", f"<style>@import url(http://127.0.0.1:{server.port}/css);</style>"],
            detail=f"![tracker](http://127.0.0.1:{server.port}/md.png) `code` | pipe",
        )
        note = answer(checklist, "handover.access-points", "https://admin.example.com",
                      note="{{ 7*7 }} [bold]x[/bold] " + img, evidence=link)
        # The richer report draws pictures and tables from untrusted text too: matrix roles and routes,
        # latency routes, the endpoint inventory, retest titles.
        matrix = finding(checklist, "authz.matrix", Status.FAIL, f"Role matrix {img}", probe="authz",
                         location=Location(url=f"http://127.0.0.1:{server.port}/"),
                         data={"matrix": {"roles": ["admin", img], "rows": [
                             {"endpoint": f"GET /admin/{link}", "cells": {"admin": "enforced", img: f"BYPASSED{img}"}}]}})
        latency = finding(checklist, "latency.p95", Status.FAIL, f"GET /x{img}: p95 900 ms", probe="latency",
                          location=Location(url=f"http://127.0.0.1:{server.port}/x{img}", method="GET"),
                          data={"samples_ms": [100, 900, 950], "p95_ms": 950, "ci_ms": [800, 990]})
        session = sample_session(checklist, [hostile, matrix, latency], [note] if note else [])
        session.data.runs[-1].endpoints = [f"GET /admin/{img} admin"]
        session.data.baseline = {hostile.id: hostile.model_copy(update={"title": f"old {img}{link}"})}
        pdf = render_report("pdf", checklist, session, tmp_path / "r.pdf")
        html = render_report("html", checklist, session, tmp_path / "r.html").read_text()
        md = render_report("md", checklist, session, tmp_path / "r.md").read_text()
        assert server.requests == [], server.requests

    assert attachment_count(pdf) == 0
    assert "&lt;img src=&#34;http://127.0.0.1" in html or "&lt;img src=&quot;http://127.0.0.1" in html
    assert "&lt;link rel=" in html
    assert f'<img src="http://127.0.0.1:{server.port}' not in html and '<link rel="attachment"' not in html
    text = pdf_text(pdf)
    assert f"Server header {img}" in text  # shown as text, exactly
    if note:
        assert "{{ 7*7 }}" in html and "{{ 7*7 }}" in text and "[bold]x[/bold]" in text
        assert "49 [bold]" not in text
    # Markdown: no tag or image survives a Markdown renderer
    markdown_it = pytest.importorskip("markdown_it")
    rendered_md = markdown_it.MarkdownIt("commonmark", {"html": True}).render(md)
    assert "<img" not in rendered_md and "<link" not in rendered_md and "<style" not in rendered_md
    assert "&lt;img" in rendered_md
    assert "<code>code</code>" not in rendered_md  # backticks in untrusted text open no code span


def test_markdown_code_spans_and_fences_cannot_be_broken_out_of():
    from wizard.report.markdown import code_block, code_span, escape_md

    assert code_span("a`b") == "``a`b``" and code_span("``x") == "``` ``x ```"
    block = code_block("x\n```\n<img src=x>\n```", "py")
    assert block.startswith("````py\n") and block.endswith("\n````")
    assert escape_md("# not a heading\n- nor a list") == "\\# not a heading - nor a list"
    assert escape_md("1. item") == "1\\. item"
    assert escape_md("<b>&") == "&lt;b&gt;&amp;"


def test_fetcher_refuses_everything_but_data_and_bundled_assets(tmp_path):
    pytest.importorskip("weasyprint")
    from wizard.report.pdf import BlockedURL, make_fetcher

    fetcher = make_fetcher()
    logo = (templates_dir() / "assets" / "logo.svg").resolve()
    assert fetcher.fetch(logo.as_uri()).read().startswith(b"<svg")
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    outside = tmp_path / "secret.txt"
    outside.write_text("nope")
    for url in ("file:///etc/hostname", outside.as_uri(), logo.as_uri().replace("/assets/logo.svg", "/../pyproject.toml"),
                "http://127.0.0.1:9/x", "https://example.com/x", "ftp://127.0.0.1/x", "file://evil.example/etc/passwd"):
        with pytest.raises((BlockedURL, ValueError)):
            fetcher.fetch(url)


def test_raw_html_with_remote_refs_still_fetches_nothing(tmp_path):
    """Defence in depth: even markup that bypassed escaping cannot call out or attach a file."""
    _need_poppler()
    from wizard.report.pdf import html_to_pdf

    with RecordingServer() as server:
        base = f"http://127.0.0.1:{server.port}"
        html = (
            f'<html><head><link rel="stylesheet" href="{base}/s.css"><link rel="attachment" href="file:///etc/hostname">'
            f'<style>@import url({base}/i.css); body {{ background: url({base}/bg.png) }}</style></head>'
            f'<body><img src="{base}/x.png"><a rel="attachment" href="file:///etc/hostname">a</a>'
            f'<iframe src="{base}/f"></iframe><object data="{base}/o"></object><p>body</p></body></html>'
        )
        pdf = tmp_path / "raw.pdf"
        pdf.write_bytes(html_to_pdf(html))
        assert server.requests == []
    assert attachment_count(pdf) == 0


def test_planted_secret_appears_in_no_output(checklist, tmp_path):
    _need_poppler()
    planted = "lrPLANTEDsecret_9f8e7d6c5b4a&<x>_0123456789"
    core = "PLANTEDsecret_9f8e7d6c5b4a"
    register_secret(planted, "test-planted")
    leaky = finding(checklist, "secrets.exposed", Status.FAIL, "Token in the browser bundle", probe="secrets",
                    location=Location(path="web/app.js", line=3), evidence=[f"web/app.js:3: const TOKEN = '{planted}'"],
                    detail=f"found {planted}")
    note = answer(checklist, "handover.env-vars", f"API_TOKEN={planted}", note=planted)
    session = sample_session(checklist, [leaky], [note] if note else [])
    for fmt in FORMATS:
        out = render_report(fmt, checklist, session, tmp_path / f"r.{fmt}")
        text = pdf_text(out) if fmt == "pdf" else out.read_text()
        assert core not in text, fmt
        assert "REDACTED test-planted" in text, fmt


def test_a_passing_answer_the_audit_disproves_is_shown_as_contradicted(checklist, tmp_path):
    """'Every route needs a login: yes' beside an admin API that answers without one is the finding a
    founder most needs to see: every format names it as contradicted, with the failing finding, and the
    PDF shows it beside the check rather than as a green PASS in the appendix."""
    said_yes = answer(checklist, "authentication.every-route-requires-login", "yes")
    mfa = answer(checklist, "authentication.admin-mfa", "yes")  # nothing the probes test: stays PASS
    if said_yes is None or mfa is None:
        pytest.skip("the bundled checklist is being edited")
    session = sample_session(checklist, extra_answers=[said_yes, mfa])
    data = build_report_data(checklist, session, compute_verdict(checklist, session.findings, session.answers))
    views = {a.question: a for a in data.answers}
    assert views["authentication.every-route-requires-login"].contradicted_by == ["Admin API answers without a login"]
    assert views["authentication.admin-mfa"].contradicted_by == [] and views["authentication.admin-mfa"].status == "pass"
    group = next(g for g in data.finding_groups if g.item_id == "authentication")
    assert "authentication.every-route-requires-login" in [a.question for a in group.answers]

    text = pdf_text(render_report("pdf", checklist, session, tmp_path / "r.pdf"))
    section4 = text.rsplit("4. Findings and fixes", 1)[1].rsplit("5. Remediation plan", 1)[0]  # past the contents
    assert "CONTRADICTED" in section4 and "The audit found otherwise: Admin API answers without a login" in section4
    md = render_report("md", checklist, session, tmp_path / "r.md").read_text()
    assert "CONTRADICTED: the audit found otherwise: Admin API answers without a login" in md
    doc = json.loads(render_report("json", checklist, session, tmp_path / "r.json").read_text())
    row = next(a for a in doc["answers"] if a["question"] == "authentication.every-route-requires-login")
    assert row["status"] == "pass" and row["contradicted_by"] == ["Admin API answers without a login"]


def test_backticked_fix_text_becomes_code_and_stays_escaped():
    """Fix text writes commands as `like this`: the report sets them in code type, and a fix that carries
    markup (a probe quoting what a server sent) is still shown as text, never as HTML."""
    from wizard.report.html import ticks

    assert str(ticks("run `git log -p --all -S REMOVED` now")) == "run <code>git log -p --all -S REMOVED</code> now"
    hostile = str(ticks("set `<script>alert(1)</script>` and <img src=x onerror=alert(2)> `a&b`"))
    assert "<script>" not in hostile and "<img" not in hostile
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in hostile and "<code>a&amp;b</code>" in hostile
    assert str(ticks("an odd ` backtick")) == "an odd ` backtick"


def test_a_dont_know_the_audit_already_answered_says_so_instead_of_how_to_find_out(checklist, tmp_path):
    unsure = answer(checklist, "authentication.every-route-requires-login", None)
    if unsure is None:
        pytest.skip("the bundled checklist is being edited")
    session = sample_session(checklist, extra_answers=[unsure])
    data = build_report_data(checklist, session, compute_verdict(checklist, session.findings, session.answers))
    view = next(a for a in data.answers if a.question == "authentication.every-route-requires-login")
    assert view.settled_by == ["Admin API answers without a login"] and view.contradicted_by == []
    text = pdf_text(render_report("pdf", checklist, session, tmp_path / "r.pdf"))
    assert "The audit answered it: Admin API answers without a login" in text
    md = render_report("md", checklist, session, tmp_path / "r.md").read_text()
    assert "The audit answered it: Admin API answers without a login" in md
