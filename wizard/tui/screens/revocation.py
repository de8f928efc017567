"""The revocation drill on screen: its plan, then "disable the account now", then the measured time.

Starting the drill (s) is the consent to its one login and its who-am-I requests. In the bundled
demo, x disables the account in the demo app for you (the person's step, done in-process).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class DrillEvent(Message):
    def __init__(self, kind: str, text: str) -> None:
        super().__init__()
        self.kind, self.text = kind, text


class RevocationScreen(ModalScreen[None]):
    HELP_TOPIC = "revocation"
    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("d", "disabled", "Account disabled"),
        Binding("x", "demo_disable", "Disable it (demo)", show=False),
        Binding("escape", "close", "Close / cancel"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="modal")
        self.runner = None
        self.state = "plan"  # plan -> opening -> ready -> watching -> done

    @property
    def audit(self):
        return self.app.audit

    def compose(self) -> ComposeResult:
        from wizard.drill import drill_plan
        from wizard.errors import UserError

        try:
            plan, problem = drill_plan(self.audit), ""
        except UserError as err:
            plan, problem = [], str(err)
        self.problem = problem
        role = self.audit.config.revocation.role or "(not named)"
        with Vertical(classes="dialog"):
            yield Static(Text("Revocation drill: how fast is a leaver cut off?", style="bold"), markup=False)
            yield Static(Text(f"The tool opens a session as the test account '{role}'. You then disable that account "
                              "the way you would for someone who leaves, and the tool measures how long the open "
                              "session keeps working."), markup=False)
            for line in plan:
                yield Static(Text(f" • {line}"), markup=False)
            yield Static(Text(problem or "Press s to start (this is your consent to the requests above).",
                              style="red" if problem else ""), id="drill-status", markup=False)
            with Horizontal():
                yield Button("Start (s)", id="start", variant="primary", disabled=bool(problem))
                yield Button("Account disabled (d)", id="disabled", disabled=True)
                if self.app.demo is not None:
                    yield Button("Disable it in the demo (x)", id="demo-disable", disabled=True)
                yield Button("Close (esc)", id="close")

    def _status(self, text: str, style: str = "") -> None:
        self.query_one("#drill-status", Static).update(Text(text, style=style))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        action = {"start": self.action_start, "disabled": self.action_disabled,
                  "demo-disable": self.action_demo_disable, "close": self.action_close}[event.button.id]
        action()

    def action_start(self) -> None:
        if self.state != "plan" or self.problem:
            return
        from wizard.drill import DrillRunner, RevocationDrill

        self.state = "opening"
        self.query_one("#start", Button).disabled = True
        self._status("Opening a session…")
        self.runner = DrillRunner(RevocationDrill(self.audit), lambda k, t: self.post_message(DrillEvent(k, t))).start()

    def action_disabled(self) -> None:
        if self.state == "ready" and self.runner is not None:
            self.state = "watching"
            self.query_one("#disabled", Button).disabled = True
            self._status("Watching the open session…")
            self.runner.disabled()

    def action_demo_disable(self) -> None:
        if self.state == "ready" and self.app.demo is not None:
            self.app.demo.disable_account(self.audit.config.revocation.role)
            self.notify(f"Disabled '{self.audit.config.revocation.role}' in the demo app.", timeout=3)
            self.action_disabled()

    def on_drill_event(self, event: DrillEvent) -> None:
        if event.kind == "ready":
            self.state = "ready"
            self.query_one("#disabled", Button).disabled = False
            for b in self.query("#demo-disable"):
                b.disabled = False
            self._status(event.text, "bold")
        elif event.kind == "tick":
            self._status(event.text)
        else:
            self.state = "done"
            for b in self.query("#disabled, #demo-disable"):
                b.disabled = True
            self._status(event.text, "bold red" if event.kind == "error" else "bold")

    def action_close(self) -> None:
        if self.runner is not None and self.runner.running:
            self.runner.cancel()
        self.dismiss(None)
