"""Before each tier: exactly what will be sent, how much, to which routes, as which account.

The login tier (test logins that only read) and the write tier (changes to the test accounts' own
records on staging) are asked for separately, each with its own plan.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


_TEXT = {
    "login": ("Allow logging in with your test accounts?",
              "These checks log in to {host} with the test accounts you named. They only read: no data is created, "
              "changed or deleted, and no reset or delete route is ever called (the session check logs out only the "
              "fresh session it opened itself).",
              "Read-only checks only (n)"),
    "write": ("Also allow changes on staging?",
              "These checks change records that belong to your test accounts on {host} (staging): bad input, forged "
              "cross-site requests, changes between test users. Every change is read back and put back; nothing is "
              "deleted unless you ran with --allow-delete.",
              "No changes (n)"),
}


class ConsentScreen(ModalScreen[bool]):
    """Dismisses True to allow this tier for this run, False to leave it out."""

    HELP_TOPIC = "consent"
    BINDINGS = [Binding("y", "choose(True)", "Allow"), Binding("n,escape", "choose(False)", "Leave out")]

    def __init__(self, host: str, plan: list[str], budget: int, tier: str = "login") -> None:
        super().__init__(classes="modal")
        self.host, self.plan, self.budget, self.tier = host, plan, budget, tier

    def compose(self) -> ComposeResult:
        title, intro, deny = _TEXT[self.tier]
        with Vertical(classes="dialog"):
            yield Static(Text(title, style="bold"), markup=False)
            yield Static(Text("y allows, n leaves these checks out; ↑/↓ scroll the plan", style="dim"), markup=False)
            with VerticalScroll(classes="plan"):
                yield Static(Text(intro.format(host=self.host)), markup=False)
                for line in self.plan:
                    yield Static(Text(f" • {line}"), markup=False)
            yield Static(Text(f"Never more than {self.budget} requests in all, at a polite rate."), markup=False)
            with Horizontal():
                yield Button("Allow (y)", id="allow", variant="primary")
                yield Button(deny, id="deny")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "allow")

    def action_choose(self, allow: bool) -> None:
        self.dismiss(allow)
