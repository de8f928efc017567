"""A question a guided verification checks: paste a log line, run the alert challenge, fetch a status page,
or time a revocation drill; then see what the check found. The screen does the work through the Audit."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static, TextArea

from wizard.tui.status_style import status_text

# verification kind -> (button id, label) pairs, in the order shown
_BUTTONS = {
    "audit-log-line": [("check", "Check this line")],
    "alert-challenge": [("start", "Show a one-time code"), ("check", "Check the alert")],
    "status-page": [("check", "Fetch the status page")],
    "revocation-drill": [("start", "Start the drill clock"), ("stop", "Access is cut off: stop the clock")],
}
_HINTS = {
    "audit-log-line": "Paste one log line (JSON or key=value) below, then check it.",
    "alert-challenge": "1. Show a code.  2. Send a test alert that carries it.  3. Paste what arrived and check it.",
    "status-page": "Only a host in the audit's scope is fetched (one GET).",
}


class VerificationBox(Vertical):
    """Posts `Requested(action)`; the screen answers with `show_result`, `show_code` or `show_message`."""

    DEFAULT_CSS = """
    VerificationBox { height: auto; }
    VerificationBox TextArea { height: 4; }
    VerificationBox Input { width: 60; }
    VerificationBox Horizontal { height: auto; }
    """

    class Requested(Message):
        def __init__(self, box: "VerificationBox", action: str, value: str) -> None:
            super().__init__()
            self.box, self.action, self.value = box, action, value

    def __init__(self, qualified_id: str, question, answer=None, finding=None, pending=None,
                 plain_words: bool = False) -> None:
        super().__init__(id="v-" + qualified_id.replace(".", "--"))
        self.qid = qualified_id
        self.question = question
        self.kind = question.verify
        self.answer = answer
        self.finding = finding
        self.pending = pending
        self.plain_words = plain_words

    def compose(self) -> ComposeResult:
        q = self.question
        if self.kind == "revocation-drill":
            # Shown under the question's own box, which still takes a typed answer: this only times it.
            from wizard.verify.revocation import STEPS

            yield Static(Text("Or time it: a revocation drill with a test account", style="bold"), markup=False)
            yield Static(Text("  ".join(f"{n}. {s}" for n, s in enumerate(STEPS, 1))), classes="vhelp", markup=False)
            with Horizontal():
                for button_id, label in _BUTTONS[self.kind]:
                    yield Button(label, id=button_id, compact=True)
            yield Static(self._result_text(), id="result", markup=False)
            return
        yield Static(Text(q.text, style="bold"), markup=False)
        if q.help:
            yield Static(Text(q.help), classes="vhelp", markup=False)
        if q.example and not self.plain_words:
            yield Static(Text(f"Example: {q.example}"), classes="vhelp", markup=False)
        if _HINTS[self.kind]:
            yield Static(Text(_HINTS[self.kind]), classes="vhelp", markup=False)
        current = "" if self.answer is None or self.answer.value is None else str(self.answer.value)
        if self.kind == "alert-challenge":
            yield Static(self._pending_text(), id="code", markup=False)
        if self.kind in ("audit-log-line", "alert-challenge"):
            yield TextArea(current, id="paste")
        else:
            yield Input(value=current, placeholder="https://status.example.com", id="value")
        with Horizontal():
            for button_id, label in _BUTTONS[self.kind]:
                yield Button(label, id=button_id, compact=True)
        yield Static(self._result_text(), id="result", markup=False)

    def on_mount(self) -> None:
        self.set_class(bool(self.finding and self.finding.status.value == "pass"), "verified")

    def _pending_text(self) -> Text:
        if self.pending is None:
            return Text("No code shown yet.")
        return Text(f"A code was shown at {self.pending.created} (it is not stored, only its hash). Paste the alert "
                    "that carries it, or show a new code.")

    def _result_text(self, message: str = "") -> Text:
        t = Text()
        if message:
            t.append(message + "\n")
        if self.finding is not None:
            t.append_text(status_text(self.finding.status.value))
            t.append(f"  {self.finding.title}\n")
            if self.finding.detail and not self.plain_words:
                t.append(f"  {self.finding.detail}\n", style="dim")
            for line in self.finding.evidence[:8]:
                t.append(f"    {line}\n", style="dim")
        return t

    # -- input -> Requested -----------------------------------------------------------------
    def value(self) -> str:
        if self.kind in ("audit-log-line", "alert-challenge"):
            return self.query_one("#paste", TextArea).text
        if self.kind == "revocation-drill":
            return ""
        return self.query_one("#value", Input).value.strip()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Requested(self, event.button.id or "", self.value()))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Requested(self, "check", self.value()))

    # -- results from the screen -----------------------------------------------------------
    def show_result(self, finding=None, message: str = "") -> None:
        if finding is not None:
            self.finding = finding
        self.set_class(bool(self.finding and self.finding.status.value == "pass"), "verified")
        self.query_one("#result", Static).update(self._result_text(message))

    def show_code(self, code: str) -> None:
        t = Text("Your one-time code: ")
        t.append(code, style="bold reverse")
        t.append("   Put it in the text of a test alert, send it, and paste what arrives below.")
        self.query_one("#code", Static).update(t)

    def show_message(self, message: str) -> None:
        self.query_one("#result", Static).update(self._result_text(message))

