"""One question of the interview: its text, help, example and the control its kind needs."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, RadioSet, Static, TextArea

from wizard.tui.widgets.toggles import ClearRadioButton

DONT_KNOW = "Don't know"


def answer_text(value) -> str:
    return DONT_KNOW if value is None else str(value)


class QuestionBox(Vertical):
    """Posts `Answered` when the person gives an answer; the screen saves it through the Audit."""

    class Answered(Message):
        def __init__(self, box: "QuestionBox", raw, note: str | None = None) -> None:
            super().__init__()
            self.box, self.raw, self.note = box, raw, note

    def __init__(self, qualified_id: str, question, answer=None, plain_words: bool = False, audit_says: str = "") -> None:
        super().__init__(id="q-" + qualified_id.replace(".", "--"))
        self.qid = qualified_id
        self.question = question
        self.answer = answer
        self.plain_words = plain_words
        self.audit_says = audit_says  # the audit disproves or already answers this (wizard.answers.audit_says)
        if answer is not None:
            self.add_class("answered")

    def compose(self) -> ComposeResult:
        q = self.question
        marker = " (red flag)" if q.red_flag else ""
        yield Static(Text(q.text + marker, style="bold"), markup=False)
        if q.help:
            yield Static(Text(q.help), classes="qhelp", markup=False)
        if q.example and not self.plain_words:
            yield Static(Text(f"Example: {q.example}"), classes="qhelp", markup=False)
        kind = q.kind.value
        current = self.answer.value if self.answer is not None else ""
        if kind in ("yes_no", "choice"):
            options = ["yes", "no"] if kind == "yes_no" else list(q.choices)
            if q.allow_unknown:
                options.append(DONT_KNOW)
            chosen = answer_text(current) if self.answer is not None else None
            with RadioSet(id="choice", classes="inline" if kind == "yes_no" else ""):
                for opt in options:
                    yield ClearRadioButton(Text(opt), value=(opt == chosen))
        elif kind == "evidence":
            yield TextArea(str(current or ""), id="evidence")
        else:
            placeholder = {"number": "a number", "duration": "e.g. 15m, 4h, 2d", "url": "https://..."}.get(kind, "type and press enter")
            if q.allow_unknown:
                placeholder += "   (or ? for don't know)"
            yield Input(value="" if self.answer is None or current is None else str(current), placeholder=placeholder, id="value")
        yield Input(value=self.answer.note if self.answer is not None else "", placeholder="note (optional, saved with the answer)", id="note")
        yield Static("", classes="qerror", id="error", markup=False)
        said = Static(Text(self.audit_says, style="bold red"), classes="qerror", id="audit-says", markup=False)
        said.display = bool(self.audit_says)  # no empty line under every other question
        yield said

    # -- events -> Answered -----------------------------------------------------------------
    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        label = str(event.pressed.label)
        self.post_message(self.Answered(self, None if label == DONT_KNOW else label, self._note()))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "value":
            raw = event.value.strip()
            self.post_message(self.Answered(self, None if raw in ("?", "") and self.question.allow_unknown else raw, self._note()))
        elif event.input.id == "note" and self.answer is not None:
            self.post_message(self.Answered(self, self.answer.value, self._note()))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.set_timer(0.6, self._save_evidence, name="evidence-debounce")

    def _save_evidence(self) -> None:
        text = self.query_one("#evidence", TextArea).text
        self.post_message(self.Answered(self, text, self._note()))

    def _note(self) -> str:
        return self.query_one("#note", Input).value

    def show_result(self, answer=None, error: str = "", audit_says: str | None = None) -> None:
        self.query_one("#error", Static).update(Text(error))
        if answer is not None:
            self.answer = answer
            self.add_class("answered")
        if audit_says is not None:
            self.audit_says = audit_says
            shown = self.query_one("#audit-says", Static)
            shown.update(Text(audit_says, style="bold red"))
            shown.display = bool(audit_says)
