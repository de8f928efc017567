"""The verdict, the launch bar, red flags, and every answer (select one to change it)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from wizard.tui.status_style import status_text
from wizard.tui.widgets.question import answer_text


class ReviewScreen(Screen):
    HELP_TOPIC = "review"
    BINDINGS = [Binding("escape", "back", "Back"), Binding("e", "export", "Export")]

    @property
    def audit(self):
        return self.app.audit

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static("", id="review-head", markup=False)
            yield Static("Answers (enter edits)", classes="section")
            yield DataTable(id="review-answers", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Item", key="item", width=22)
        table.add_column("Question", key="question", width=56)
        table.add_column("Answer", key="answer", width=30)
        self.refresh_review()
        table.focus(scroll_visible=False)  # keys edit answers, but the verdict stays in view at the top

    def on_screen_resume(self) -> None:
        self.refresh_review()

    def refresh_review(self) -> None:
        v = self.audit.verdict()
        t = Text()
        t.append(v.headline + "\n", style="bold green" if v.status == "READY" else "bold red")
        t.append(f"Readiness score {v.score}/100 ({v.band})\n\n")
        t.append("Launch bar\n", style="bold")
        for b in v.bar:
            t.append("  ")
            t.append_text(status_text(b.status.value))
            t.append(f"  {b.entry.title}\n")
            if b.status.value == "unknown":
                t.append(f"      to verify: {b.entry.verify}\n", style="dim")
        if v.blockers:
            t.append("\nFix before launch: " + ", ".join(r.item.title for r in v.blockers) + "\n", style="red")
        if v.red_flags:
            t.append(f"\nRed flags ({len(v.red_flags)})\n", style="bold yellow")
            for rf in v.red_flags:
                t.append(f"  • {rf.title}\n")
            if v.senior_engineer:
                t.append("  Two or more red flags: stop DIY fixes and bring in a senior engineer.\n", style="yellow")
        self.query_one("#review-head", Static).update(t)
        table = self.query_one(DataTable)
        table.clear()
        checklist = self.audit.checklist
        answers = self.audit.session.data.answers
        for item, q in checklist.all_questions():
            qid = f"{item.id}.{q.id}"
            a = answers.get(qid)
            shown = Text(answer_text(a.value), style="") if a else Text("not answered", style="dim")
            table.add_row(Text(item.title), Text(q.text), shown, key=qid)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from wizard.tui.screens.item import ItemScreen

        item_id = str(event.row_key.value).split(".", 1)[0]
        self.app.push_screen(ItemScreen(item_id))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_export(self) -> None:
        from wizard.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen())
