"""First screen: resume a saved audit, start a new one, or try the demo."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from wizard.tui.session_index import list_sessions


class WelcomeScreen(Screen):
    HELP_TOPIC = "welcome"
    BINDINGS = [Binding("j", "cursor_down", show=False), Binding("k", "cursor_up", show=False),
                Binding("d", "demo", "Try the demo"), Binding("n", "new", "New audit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Is this internal admin app ready for production traffic?", classes="title")
        yield Static("Launch Ready checks what it can by itself, asks you about the rest, and ends with a verdict "
                     "and a PDF report to share.", classes="muted")
        options = []
        self.sessions = list_sessions()
        for s in self.sessions[:9]:
            options.append(Option(Text(s.label), id=f"resume:{s.path}", disabled=bool(s.problem)))
        options.append(Option(Text("Start a new audit of your app"), id="new"))
        options.append(Option(Text("Try the demo: audit a deliberately flawed admin app running on this machine"), id="demo"))
        yield OptionList(*options, id="welcome-options")
        tip = ("New here? Choose 'Try the demo' (or press d): it needs nothing from you and ends with a PDF."
               if not self.sessions else "Your audits autosave; pick one to carry on where you stopped.")
        yield Static(Text(tip), classes="hint", markup=False)
        yield Static("up/down choose · enter open · ? help · q quit", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id or ""
        if oid == "new":
            self.action_new()
        elif oid == "demo":
            self.action_demo()
        elif oid.startswith("resume:"):
            self.app.resume_session(oid.split(":", 1)[1])

    def action_new(self) -> None:
        from wizard.tui.screens.setup import SetupScreen

        self.app.push_screen(SetupScreen())

    def action_demo(self) -> None:
        self.app.start_demo()

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()
