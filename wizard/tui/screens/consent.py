"""Before a test login: exactly what will be sent, how much, to which routes, as which account."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConsentScreen(ModalScreen[bool]):
    """Dismisses True to allow the login tier for this run, False for read-only checks only."""

    HELP_TOPIC = "consent"
    BINDINGS = [Binding("y", "choose(True)", "Allow"), Binding("n,escape", "choose(False)", "Read-only only")]

    def __init__(self, host: str, plan: list[str], budget: int) -> None:
        super().__init__(classes="modal")
        self.host, self.plan, self.budget = host, plan, budget

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Allow logging in with your test accounts?", style="bold"), markup=False)
            yield Static(Text(f"These checks log in to {self.host} with the test accounts you named. They only "
                              "read: no data is created, changed or deleted, and no logout, reset or delete route "
                              "is ever called."), markup=False)
            with VerticalScroll():
                for line in self.plan:
                    yield Static(Text(f" • {line}"), markup=False)
            yield Static(Text(f"Never more than {self.budget} requests in all, at a polite rate."), markup=False)
            with Horizontal():
                yield Button("Allow (y)", id="allow", variant="primary")
                yield Button("Read-only checks only (n)", id="deny")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "allow")

    def action_choose(self, allow: bool) -> None:
        self.dismiss(allow)
