"""Write the report: choose formats and a folder; rendering runs off the UI thread."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from wizard.tui.widgets.toggles import ClearCheckbox

FORMATS = [("pdf", "PDF handover report"), ("html", "HTML (one file, works offline)"),
           ("md", "Markdown (for a ticket or chat)"), ("json", "JSON (for tools)")]


class ExportScreen(ModalScreen[None]):
    HELP_TOPIC = "export"
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="modal")

    def compose(self) -> ComposeResult:
        session_path = self.app.audit.session.path
        default = (Path.cwd() / "launch-ready-report") if session_path is None else session_path.parent / f"{session_path.stem}-report"
        with Vertical(classes="dialog"):
            yield Static(Text("Export the report", style="bold"), markup=False)
            for fmt, label in FORMATS:
                yield ClearCheckbox(label, value=fmt in ("pdf", "html"), id=f"fmt-{fmt}")
            yield Static("Folder:")
            yield Input(str(default), id="folder")
            yield Static("", id="export-result", markup=False)
            with Horizontal():
                yield Button("Export", id="export", variant="primary")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#export", Button).focus()  # enter exports with the defaults

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "close":
            self.dismiss()
            return
        formats = [fmt for fmt, _ in FORMATS if self.query_one(f"#fmt-{fmt}", ClearCheckbox).value]
        if not formats:
            self.query_one("#export-result", Static).update(Text("Choose at least one format.", style="red"))
            return
        folder = Path(self.query_one("#folder", Input).value).expanduser()
        self.query_one("#export-result", Static).update(Text("Rendering…"))
        event.button.disabled = True
        self.render_reports(folder, formats)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def render_reports(self, folder: Path, formats: list[str]) -> None:
        try:
            paths = [self.app.audit.export(fmt, folder / f"report.{fmt}") for fmt in formats]
            text = Text("Written:\n" + "\n".join(f"  {p}" for p in paths), style="green")
        except Exception as err:  # a disk or permission problem: show it, keep the session
            text = Text(f"Could not write the report: {err}", style="red")
        self.app.call_from_thread(self._done, text)

    def _done(self, text: Text) -> None:
        self.query_one("#export-result", Static).update(text)
        self.query_one("#export", Button).disabled = False
        self.app.last_export = str(text)
