"""The interview: every question helps, shows a good answer and says what to do on "don't know"; red flags
say why; every handover field can be filled, from an answer or from the evidence when nobody answered."""

from __future__ import annotations

import pytest

from wizard.audit import Audit
from wizard.checklist import load_checklist
from wizard.config import Config, Target
from wizard.model import Finding, Status
from wizard.paths import default_checklist_dir
from wizard.report.data import HANDOVER_FIELDS, NOT_PROVIDED, build_report_data

from repo_fixtures import LAYOUTS, git_repo


@pytest.fixture(scope="module")
def checklist():
    return load_checklist(default_checklist_dir())


def test_every_question_has_help_an_example_and_a_next_step(checklist):
    for item, q in checklist.all_questions():
        where = f"{item.id}.{q.id}"
        assert len(q.help) > 40, where
        assert q.example.strip(), where
        assert len(q.unknown_next_step) > 20, where
        assert q.allow_unknown, f"{where}: 'don't know' must be a possible answer"


def test_red_flag_questions_say_why_they_matter(checklist):
    flagged = [(it, q) for it, q in checklist.all_questions() if q.red_flag]
    assert len(flagged) >= 5
    for item, q in flagged:
        assert q.help.lower().startswith("why this matters"), f"{item.id}.{q.id}"
        assert q.red_flag_title, f"{item.id}.{q.id}"


def test_every_handover_field_is_reachable(checklist, tmp_path):
    keys = {q.handover for _, q in checklist.all_questions() if q.handover}
    assert keys == {k for k, _ in HANDOVER_FIELDS}, "each handover field has a question that fills it"
    # Fields the repository evidence fills when nobody answered: a repo with a deploy, a rollback
    # runbook and routed alerts.
    django = LAYOUTS["django"]()
    files = {**LAYOUTS["fastapi"]().files, "ops/alerts.yml": django.monitoring["ops/alerts.yml"],
             "ops/alertmanager.yml": django.monitoring["ops/alertmanager.yml"],
             "docs/RUNBOOK.md": "Rollback: fly releases rollback\n"}
    audit = Audit.start(Config(target=Target(repo=str(git_repo(tmp_path / "r", files)))), tmp_path / "s.json")
    audit.run_probes(only=["repo"])
    from_evidence = {k for f in audit.session.findings for k in (f.data.get("handover") or {})}
    assert from_evidence == {"env_vars", "alert_channel", "rollback_steps"}


def test_handover_uses_answers_then_evidence_and_marks_the_rest_missing(tmp_path, checklist):
    repo = LAYOUTS["django"]().make(tmp_path / "repo", monitoring=True)
    audit = Audit.start(Config(target=Target(repo=str(repo))), tmp_path / "s.json")
    audit.run_probes(only=["repo"])
    audit.answer("monitoring.alert-channel", "#ops-alerts in Slack; PagerDuty for the on-call phone")
    audit.answer("monitoring.alert-owner", None)
    data = build_report_data(checklist, audit.session, audit.verdict())
    fields = {h.key: h for h in data.handover}

    env = fields["env_vars"]
    assert env.provided
    repo_entry = next(e for e in env.entries if e.label.startswith("Found by Launch Ready"))
    assert "DJANGO_SECRET_KEY" in repo_entry.value and "=" not in repo_entry.value.split(":", 1)[1]
    assert "Not confirmed by a person" in repo_entry.note
    assert any(e.value == NOT_PROVIDED and not e.provided for e in env.entries)  # the question itself: still open

    channel = fields["alert_channel"]  # answered: the answer wins, the repository adds nothing
    assert [e.value for e in channel.entries] == ["#ops-alerts in Slack; PagerDuty for the on-call phone"]

    owner = fields["alert_owner"]  # "don't know", and no evidence: missing, marked
    assert not owner.provided and owner.entries[0].value == "don't know"
    assert not fields["monitor_links"].provided  # nothing anywhere: marked
    # access points and next actions come from the audit itself (config, inventory, the blockers' fixes)
    assert {e.source for e in fields["access_points"].entries if e.provided} <= {"audit config", "endpoint inventory"}


def test_a_finding_without_handover_data_adds_nothing(tmp_path, checklist):
    audit = Audit.start(Config(target=Target(url="https://a.example.test")), tmp_path / "s.json")
    audit.session.add_finding(Finding.make(probe="x", rule="deploy.rollback", key="k", status=Status.PASS, title="t",
                                           item="deployment", data={"handover": "not a mapping"}))
    data = build_report_data(checklist, audit.session, audit.verdict())
    assert not any(e.label.startswith("Found by") for h in data.handover for e in h.entries)


@pytest.mark.parametrize("build", ["flawed", "fixed"])
def test_demo_handover_comes_from_answers_and_the_repository(tmp_path, checklist, build):
    from pathlib import Path

    from wizard.answers import load_answers_file
    from wizard.demo.repo import make_demo_repo

    repo = make_demo_repo(tmp_path / "repo", fixed=build == "fixed")
    audit = Audit.start(Config(target=Target(repo=str(repo.path))), tmp_path / "s.json")
    audit.run_probes(only=["repo"])
    answers = Path(__file__).resolve().parents[1] / "wizard" / "demo" / f"answers-{build}.yaml"
    audit.apply_answers(load_answers_file(answers, checklist))
    fields = {h.key: h for h in build_report_data(checklist, audit.session, audit.verdict()).handover}
    if build == "fixed":
        assert all(h.provided for h in fields.values())
        assert not any(e.label.startswith("Found by") for h in fields.values() for e in h.entries)  # answers win
    else:
        assert fields["env_vars"].provided and fields["env_vars"].entries[-1].label.startswith("Found by Launch Ready")
        assert {k for k, h in fields.items() if not h.provided} == {"rollback_steps", "monitor_links", "alert_owner"}
        assert {e.source for e in fields["next_actions"].entries if e.provided} == {"remediation plan"}
