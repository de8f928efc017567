"""One checklist item: why it matters, what the checks found, how to fix it, and its questions."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from wizard.answers import audit_says
from wizard.errors import UserError
from wizard.tui.status_style import status_text
from wizard.tui.widgets.question import QuestionBox
from wizard.tui.widgets.verification import VerificationBox

_SEVERITIES = [None, "critical", "high", "medium", "low", "info"]


class ItemScreen(Screen):
    HELP_TOPIC = "item"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("right_square_bracket", "step(1)", "Next item"),
        Binding("left_square_bracket", "step(-1)", "Previous"),
        Binding("ctrl+s", "app.save", "Save"),
        Binding("o", "severity", "Severity", show=False),
        Binding("ctrl+n", "focus_note", "Note"),
        Binding("a", "answer", "Answer"),
        Binding("d", "revocation_drill", "Revocation drill"),
    ]

    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id

    @property
    def audit(self):
        return self.app.audit

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="item-body")
        yield Footer()

    async def on_mount(self) -> None:
        await self.render_item()
        if self.app.call_mode:
            self.query_one("#item-note", Input).focus()  # fast note taking on a call

    async def render_item(self) -> None:
        body = self.query_one("#item-body", VerticalScroll)
        await body.remove_children()  # awaited: the new widgets reuse the same ids
        checklist = self.audit.checklist
        item = checklist.item(self.item_id)
        result = self.audit.verdict().item(self.item_id)
        call = self.app.call_mode
        self.sub_title = f"{checklist.order.index(item.id) + 1}/{len(checklist.order)}"
        # One Text for everything read-only: a screen of dozens of small widgets costs Textual
        # far more to style and lay out than one (opening an item must feel instant).
        t = Text()
        t.append(item.title, style="bold")
        t.append("   ")
        t.append_text(status_text(result.status.value))
        if result.bar:
            t.append("   on the launch bar", style="yellow")
        if item.fix.before_launch:
            t.append("   fix before launch", style="red")
        override = self.audit.session.data.overrides.get(item.id)
        if override and override.severity:
            t.append(f"   severity set to {override.severity}", style="cyan")
        t.append("\n")
        if item.questions:
            t.append(f"{len(item.questions)} question(s) below: press a to jump to them\n", style="dim")

        def section(title: str, text: str = "") -> None:
            t.append(f"\n{title}\n", style="bold")
            if text:
                t.append(f"  {text}\n")

        section("Passes when", item.pass_criteria)
        section("Why it matters", item.why)
        section("What breaks if it fails", item.breaks)
        if item.manual_check and not call:
            section("How to check it by hand", "\n  ".join(f"• {s}" for s in item.manual_check))

        real = [f for f in result.findings if f.status.value not in ("skipped", "n/a")]
        section(f"What the checks found ({len(real)})")
        if not result.findings:
            t.append("  No automated check has run for this item yet (press esc, then r).\n" if item.checks
                     else "  Nothing here can be checked automatically: the questions below decide it.\n")
        for f in result.findings:
            t.append("  ")
            t.append_text(status_text(f.status.value))
            t.append(f"  {f.title}")
            if f.location.describe() != "-":
                t.append(f"  ({f.location.describe()})", style="dim")
            t.append("\n")
            if f.detail:
                t.append(f"      {f.detail}\n", style="dim")
            if not call:
                for ev in f.evidence[:6]:
                    t.append(f"      {ev}\n", style="dim")

        fix = item.fix
        section(f"How to fix it ({fix.effort_hours:g} h, {fix.timeline}"
                f"{', before launch' if fix.before_launch else ', can wait until after launch'})", fix.summary)
        for n, step in enumerate(fix.steps, 1):
            t.append(f"  {n}. {step}\n")
        if not call:
            from wizard.snippets import pick_snippet

            chosen = pick_snippet(fix.snippets, self.app.detected_stack())  # the report shows the same one
            for snip in [chosen] if chosen else []:
                t.append(f"  {snip.stack}:\n")
                for line in snip.code.rstrip().splitlines():
                    t.append(f"    {line}\n", style="on grey15")
        widgets = [Static(t, id="item-info", classes="body", markup=False),
                   Static("Notes on this item (for the report; enter saves)", classes="section"),
                   Input(value=override.note if override else "", placeholder="what you learnt, who owns it, what was agreed",
                         id="item-note")]

        if item.questions:
            widgets.append(Static(f"Questions ({len(item.questions)})", classes="section", id="questions"))
            answers = self.audit.session.data.answers
            for q in item.questions:
                qid = f"{item.id}.{q.id}"
                if q.verify != "revocation-drill" and q.verify:
                    widgets.append(VerificationBox(qid, q, answers.get(qid), self.audit.verification(q.verify),
                                                   self.audit.session.data.pending.get(q.verify), plain_words=call))
                    continue
                widgets.append(QuestionBox(qid, q, answers.get(qid), plain_words=call,
                                           audit_says=audit_says(q, answers.get(qid), self.audit.session.findings)))
                if q.verify == "revocation-drill":  # the typed answer stays; the drill can time it instead
                    widgets.append(VerificationBox(qid, q, answers.get(qid), None,
                                                   self.audit.session.data.pending.get(q.verify), plain_words=call))
        await body.mount_all(widgets)
        body.scroll_home(animate=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "item-note":
            self.audit.session.set_override(self.item_id, note=event.value.strip())
            self.notify("Note saved.", timeout=2)

    def action_answer(self) -> None:
        """Jump past the explanations to the first question (they come last, after the fix)."""
        heading = self.query("#questions")
        if not heading:
            self.notify("This item has no questions.", timeout=3)
            return
        heading.first().scroll_visible(top=True, animate=False)
        targets = self.query("QuestionBox RadioSet, QuestionBox Input, QuestionBox TextArea, VerificationBox Input")
        if targets:
            targets.first().focus(scroll_visible=False)

    def action_focus_note(self) -> None:
        self.query_one("#item-note", Input).focus()

    def on_question_box_answered(self, event: QuestionBox.Answered) -> None:
        try:
            answer = self.audit.answer(event.box.qid, event.raw, note=event.note or "")
        except UserError as err:
            event.box.show_result(error=err.message)
            return
        event.box.show_result(answer=answer, audit_says=audit_says(event.box.question, answer, self.audit.session.findings))
        status = self.audit.verdict().item(self.item_id).status.value
        self.notify(f"Saved. This item is now: {status}", timeout=2)

    def on_verification_box_requested(self, event: VerificationBox.Requested) -> None:
        box, action, value = event.box, event.action, event.value
        try:
            if action == "start" and box.kind == "alert-challenge":
                box.show_code(self.audit.start_alert_challenge())
            elif action == "start":
                self.audit.start_revocation_drill()
                box.show_message("Clock started. Cut the test account off now; stop the clock when the open session is refused.")
            elif action == "stop":
                answer = self.audit.finish_revocation_drill()
                if answer is None:
                    box.show_message("Start the drill clock first.")
                else:
                    question = self.query_one(f"#q-{box.qid.replace('.', '--')}", QuestionBox)
                    question.query_one("#value", Input).value = str(answer.value)
                    question.show_result(answer=answer)
                    box.show_message(f"Measured {answer.value}: saved as the answer. {answer.note}")
            elif box.kind == "status-page":
                if not value:
                    box.show_message("Type the status page address first.")
                    return
                self.audit.answer(box.qid, value)
                box.show_message("Fetching…")
                self._fetch_status_page(box, value)
                return
            elif not value.strip():
                box.show_message("Paste the text first.")
                return
            else:
                self.audit.answer(box.qid, value)
                finding = self.audit.verification(box.kind) if box.kind != "revocation-drill" else None
                if box.kind == "alert-challenge" and finding is None:
                    box.show_message("Saved, but no one-time code was shown in this audit: show a code, send a test "
                                     "alert carrying it, and paste that.")
                elif finding is not None:
                    box.show_result(finding)
                else:
                    box.show_message("Saved.")
        except UserError as err:
            box.show_message(err.message)
            return
        status = self.audit.verdict().item(self.item_id).status.value
        self.notify(f"Saved. This item is now: {status}", timeout=2)

    @work(thread=True, exclusive=True, exit_on_error=False, group="status-page")
    def _fetch_status_page(self, box: VerificationBox, url: str) -> None:
        finding = self.audit.verify_status_page(url)
        self.app.call_from_thread(box.show_result, finding)

    def action_back(self) -> None:
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "revocation_drill":
            return self.item_id == "access-revocation"  # the drill answers this item only
        return True

    def action_revocation_drill(self) -> None:
        from wizard.tui.screens.revocation import RevocationScreen

        async def done(_) -> None:
            await self.render_item()

        self.app.push_screen(RevocationScreen(), done)

    async def action_step(self, delta: int) -> None:
        order = self.audit.checklist.order
        self.item_id = order[(order.index(self.item_id) + delta) % len(order)]
        self.refresh_bindings()
        await self.render_item()

    async def action_severity(self) -> None:
        current = self.audit.session.data.overrides.get(self.item_id)
        now = current.severity if current else None
        nxt = _SEVERITIES[(_SEVERITIES.index(now) + 1) % len(_SEVERITIES)]
        self.audit.session.set_override(self.item_id, severity=nxt)
        self.notify(f"Severity override: {nxt or 'none (as the checks say)'}", timeout=2)
        await self.render_item()
