"""Context help and small confirmation dialogs."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.tui.help_data import HELP


def reflow(text: str) -> str:
    """Join the source's hard-wrapped lines into paragraphs, so the dialog wraps them at its own width
    (not mid-sentence where the source file happened to break). Blank lines and "- " bullets stay."""
    return re.sub(r"(?<=\S)\n(?!\n|- |• )(?=\S)", " ", text)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    def __init__(self, topic: str) -> None:
        super().__init__(classes="modal")
        self.topic = topic

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Help", style="bold"), markup=False)
            yield Static(Text(reflow(HELP.get(self.topic, HELP["welcome"]))), markup=False)
            yield Static(Text("esc closes", style="dim"), markup=False)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="modal")
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question), markup=False)
            with Horizontal():
                yield Button(self.yes, id="yes", variant="error")
                yield Button(self.no, id="no", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
