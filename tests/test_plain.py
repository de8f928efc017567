"""`launch-ready --plain`: the same flow with prompts, driven by a fake questionary that answers by prompt text."""

from __future__ import annotations

import io
import json

import pytest

from wizard.checklist import load_checklist
from wizard.paths import default_checklist_dir
from wizard.plain import PlainWizard
from wizard.session import AuditSession

from servers import http_server, reply


class _Prompt:
    def __init__(self, value):
        self.value = value

    def ask(self):
        return self.value


class FakeQuestionary:
    """Answers a prompt with the first scripted answer whose key occurs in the prompt text."""

    def __init__(self, script: dict[str, object]):
        self.script = script
        self.asked: list[str] = []

    def _lookup(self, message: str, default):
        self.asked.append(message)
        for key, value in self.script.items():
            if key in message:
                return value
        return default

    def select(self, message, choices, **kw):
        value = self._lookup(message, "Skip this question" if "Skip this question" in choices else choices[0])
        assert value in choices, f"{value!r} not offered for {message!r}"
        return _Prompt(value)

    def text(self, message, default="", validate=None, **kw):
        value = self._lookup(message, "")
        if validate is not None:
            verdict = validate(value)
            assert verdict is True, f"{value!r} rejected for {message!r}: {verdict}"
        return _Prompt(value if value != "" else ("" if default is None else default if "Folder" in message else ""))

    def confirm(self, message, default=True, **kw):
        return _Prompt(self._lookup(message, default))

    def checkbox(self, message, choices, **kw):
        return _Prompt(self._lookup(message, []))


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LAUNCH_READY_HOME", str(tmp_path / "home"))


def question_text(qid: str) -> str:
    _, q = load_checklist(default_checklist_dir()).question(qid)
    return q.text


INTERVIEW = {
    "access-revocation.can-revoke-quickly": "no",
    "access-revocation.revocation-time": "3d",
    "latency.p95-ms": "320",
    "monitoring.alert-owner": "Dana Ruiz (backup: Lee)",
}


def test_plain_new_audit_runs_checks_asks_and_exports(tmp_path):
    with http_server(lambda h: reply(h, 200, b"<html>hi</html>", {"Strict-Transport-Security": "max-age=1"})) as (url, log):
        script = {
            "What would you like to do?": "Start a new audit",
            "Name of this audit": "plain-run",
            "App URL": url,
            "Is this staging or production?": "staging",
            "Run the automated checks now?": True,
            "Export the report as": ["json", "md"],
            "Folder": str(tmp_path / "out"),
        }
        script.update({question_text(k): v for k, v in INTERVIEW.items()})
        fake = FakeQuestionary(script)
        out = io.StringIO()
        wizard = PlainWizard(q=fake, out=out)
        assert wizard.run() == 0
    session = AuditSession.load(wizard.audit.session.path)
    assert {k: a.value for k, a in session.data.answers.items()} == {
        "access-revocation.can-revoke-quickly": "no", "access-revocation.revocation-time": "3d",
        "latency.p95-ms": 320.0, "monitoring.alert-owner": "Dana Ruiz (backup: Lee)"}
    assert session.data.runs and session.data.findings  # the checks ran against the server
    printed = out.getvalue()
    assert "NOT READY" in printed and "Running the checks" in printed
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["verdict"]["status"] == "NOT READY"
    assert (tmp_path / "out" / "report.md").exists()


def test_bad_typed_answer_is_rejected_by_the_prompt(tmp_path):
    wizard = PlainWizard(q=FakeQuestionary({}), out=io.StringIO())
    from wizard.audit import Audit
    from wizard.config import Config, Target

    wizard.audit = Audit.start(Config(target=Target(url="https://x.example.test")), tmp_path / "s.json")
    fake = FakeQuestionary({question_text("access-revocation.revocation-time"): "whenever"})
    wizard.q = fake
    with pytest.raises(AssertionError, match="not a duration"):
        wizard.interview()


async def test_plain_and_tui_give_the_same_session_for_the_same_answers(tmp_path):
    """The TUI's answers for the same questions produce the same saved answers as the prompts."""
    from textual.widgets import Input, RadioSet

    from wizard.audit import Audit
    from wizard.config import Config, Target
    from wizard.tui.app import LaunchReadyApp
    from wizard.tui.screens.item import ItemScreen
    from wizard.tui.widgets.question import QuestionBox

    config = Config(target=Target(url="https://same.example.test"))
    plain = PlainWizard(q=FakeQuestionary({question_text(k): v for k, v in INTERVIEW.items()}), out=io.StringIO())
    plain.audit = Audit.start(config, tmp_path / "plain.json")
    plain.interview()

    tui_audit = Audit.start(config, tmp_path / "tui.json")
    app = LaunchReadyApp(audit=tui_audit)
    async with app.run_test(size=(120, 40)) as pilot:
        for qid, value in INTERVIEW.items():
            item_id = qid.split(".")[0]
            app.push_screen(ItemScreen(item_id))
            await pilot.pause()
            box = app.screen.query_one(f"#q-{qid.replace('.', '--')}", QuestionBox)
            if box.query(RadioSet):
                radios = box.query_one(RadioSet)
                labels = [str(b.label) for b in radios.query("RadioButton")]
                radios.focus()
                await pilot.pause()
                for _ in range(labels.index(value)):
                    await pilot.press("down")
                await pilot.press("enter")
            else:
                field = box.query_one("#value", Input)
                field.value = value
                field.focus()
                await pilot.press("enter")
            await pilot.pause(0.2)
            app.pop_screen()
            await pilot.pause()

    def values(path):
        return {k: a.value for k, a in AuditSession.load(path).data.answers.items()}

    assert values(tmp_path / "plain.json") == values(tmp_path / "tui.json")
