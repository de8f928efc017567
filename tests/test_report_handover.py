"""The handover checklist is filled from answers *and* from what the audit saw, names environment variables
but never their values, and marks every blank "not provided"."""

from __future__ import annotations

import json

from wizard.model import Location, Severity, Status
from wizard.redact import redact, register_secret
from wizard.report import render_report
from wizard.report.data import build_report_data
from wizard.report.handover import HANDOVER_FIELDS, NOT_PROVIDED
from wizard.verdict import compute_verdict

from conftest import normalise
from test_report import pdf_text  # text in reading order, whitespace collapsed
from test_report import answer, checklist, finding, sample_session  # noqa: F401


def handover(checklist, session) -> dict:
    data = build_report_data(checklist, session, compute_verdict(checklist, session.findings, session.answers))
    return {h.key: h for h in data.handover}


def test_access_points_are_the_app_and_its_admin_routes_from_the_inventory(checklist):
    session = sample_session(checklist)
    session.data.runs[-1].endpoints = ["GET / public", "GET /login public", "GET /admin/users admin",
                                       "GET /api/customers", "POST /admin/export admin export", "GET /health public"]
    h = handover(checklist, session)["access_points"]
    found = {e.label: e for e in h.entries}
    assert found["App address"].value == "https://admin.staging.example.com" and found["App address"].source == "audit config"
    routes = found["Admin routes"].value.splitlines()
    assert routes == ["GET /admin/users", "POST /admin/export"] and found["Admin routes"].source == "endpoint inventory"
    assert h.provided


def test_without_an_inventory_the_routes_the_probes_touched_are_used(checklist):
    session = sample_session(checklist)  # its run recorded no inventory
    routes = next(e for e in handover(checklist, session)["access_points"].entries if e.label == "Admin routes")
    assert "GET /api/admin/users" in routes.value and routes.source == "probe findings"


def test_env_vars_are_names_never_values(checklist, tmp_path):
    value = "sk_live_51HANDOVERsecretVALUE0000000000"
    register_secret(value, "stripe-secret-key")
    leak = finding(checklist, "secrets.exposed", Status.FAIL, "Stripe key in settings", probe="secrets",
                   severity=Severity.CRITICAL, location=Location(path="app/settings.py", line=3),
                   evidence=[f'app/settings.py:3: STRIPE_SECRET_KEY = "{redact(value, "stripe-secret-key")}"',
                             f"deploy.sh:9: export PAYMENTS_TOKEN={redact(value, 'stripe-secret-key')}",
                             f"app/db.py:2: …ATABASE_URL = 'postgres://ops:{redact(value, 'url-credentials')}@db'"])  # a cut name
    session = sample_session(checklist, [leak])
    session.data.target["roles"] = {"admin": {"login": {"username_env": "LR_ADMIN_USER", "password_env": "LR_ADMIN_PASS"}}}
    entries = handover(checklist, session)["env_vars"].entries
    from_probes = next(e for e in entries if e.source == "probe findings")
    assert from_probes.value.split(", ") == ["STRIPE_SECRET_KEY", "PAYMENTS_TOKEN", "STRIPE_KEY"]
    accounts = next(e for e in entries if e.source == "audit config")
    assert accounts.value == "LR_ADMIN_USER, LR_ADMIN_PASS"
    for fmt in ("pdf", "html", "json", "md"):
        out = render_report(fmt, checklist, session, tmp_path / f"h.{fmt}")
        text = pdf_text(out) if fmt == "pdf" else out.read_text()
        assert "HANDOVERsecretVALUE" not in text, fmt


def test_next_actions_are_the_blockers_fixes_when_nobody_wrote_any(checklist):
    session = sample_session(checklist)
    h = handover(checklist, session)["next_actions"]
    derived = [e for e in h.entries if e.source == "remediation plan"]
    verdict = compute_verdict(checklist, session.findings, session.answers)
    assert sorted(e.label for e in derived) == sorted(f"Fix before launch: {b.item.title}" for b in verdict.blockers)
    assert all(e.value for e in derived)
    written = answer(checklist, "handover.next-actions", "Ship SSO by Friday (Priya); rotate keys today (Sam)")
    if written:
        session.data.answers[written.question] = written
        h = handover(checklist, session)["next_actions"]
        assert not [e for e in h.entries if e.source == "remediation plan"]
        assert any("Ship SSO by Friday" in e.value for e in h.entries)


def test_blank_fields_say_not_provided_in_every_format(checklist, tmp_path):
    session = sample_session(checklist)
    h = handover(checklist, session)
    blank = [f for f in h.values() if not f.provided]
    assert blank, "the sample leaves some handover fields empty"
    assert all(e.value == NOT_PROVIDED or not e.provided for f in blank for e in f.entries)
    text = normalise(pdf_text(render_report("pdf", checklist, session, tmp_path / "h.pdf")))
    section = text.split("6. Handover checklist")[-1].split("7. Appendix")[0]
    for _, heading in HANDOVER_FIELDS:
        assert heading in section, heading
    assert section.count("not provided") >= len(blank)
    doc = json.loads(render_report("json", checklist, session, tmp_path / "h.json").read_text())
    assert set(doc["handover"]) == {k for k, _ in HANDOVER_FIELDS}
    for key, field in doc["handover"].items():
        assert field["provided"] == any(e["value"] is not None for e in field["entries"]), key



def test_a_field_only_the_audit_filled_is_not_ticked(checklist, tmp_path):
    """Names the secrets probe found, or the plan's fixes, are suggestions: the checklist shows them as
    "confirm it", never as a tick that says the team has done it."""
    leak = finding(checklist, "secrets.exposed", Status.FAIL, "Stripe key in settings", probe="secrets",
                   severity=Severity.CRITICAL, location=Location(path="app/settings.py", line=3),
                   evidence=['app/settings.py:3: STRIPE_SECRET_KEY = "[REDACTED stripe-secret-key sk_l… len=34 fp=1]"'])
    session = sample_session(checklist, [leak])
    for qid in [q for q in session.data.answers if q.endswith(("env-vars", "environment-variables"))]:
        del session.data.answers[qid]  # nobody said which variables the app needs
    fields = handover(checklist, session)
    env = fields["env_vars"]
    assert env.provided and not env.confirmed  # only the probe's names are in it
    answered = [h for h in fields.values() if any(e.provided and e.source == "answer" for e in h.entries)]
    assert answered and all(h.confirmed for h in answered)
    out = tmp_path / "r.html"
    render_report("html", checklist, session, out)
    section = out.read_text().split('id="handover"')[1]
    assert "[?] Environment variables" in section and "[x] Environment variables" not in section
    assert all(f"[x] {h.heading}" in section for h in answered)
