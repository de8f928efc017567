"""The checklist at a glance, with live statuses, the verdict line and the running checks."""

from __future__ import annotations

import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static

from wizard.tui import messages as msg
from wizard.tui.status_style import status_text


RUN_LOG_LINES = 8  # as tall as #run-log in launch_ready.tcss


class OverviewScreen(Screen):
    HELP_TOPIC = "overview"
    BINDINGS = [
        Binding("enter", "open_item", "Open", show=True),
        Binding("r", "run_checks", "Run checks"),
        Binding("s", "mark('skipped')", "Skip"),
        Binding("n", "mark('n/a')", "N/A"),
        Binding("v", "review", "Review"),
        Binding("e", "export", "Export"),
        Binding("A", "demo_answers", "Demo answers", show=False),
        Binding("escape", "cancel_run", "Cancel run", show=False),
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running_items: set[str] = set()
        self.probe_lines: dict[str, str] = {}
        self.finished_order: list[str] = []  # probe ids, as they finished
        self.run_cancelled = False
        self.run_started = 0.0
        self.total_probes = 0
        self.done_probes = 0
        self._clock = None
        self._asked: tuple[bool, bool] | None = None  # the config's consent wishes, asked again at every run

    @property
    def audit(self):
        return self.app.audit

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="verdict-bar", markup=False)
        yield DataTable(id="items", cursor_type="row", zebra_stripes=True)
        with Vertical(id="run-panel"):
            yield Static("", id="run-status", markup=False)
            yield ProgressBar(id="run-progress", show_eta=False)
            yield Static("", id="run-log", markup=False)
        yield Static("", id="overview-hint", classes="hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("", key="bar", width=1)
        table.add_column("Status", key="status", width=14)
        table.add_column("Check", key="title")
        table.add_column("Area", key="area", width=16)
        table.add_column("Answers", key="answers", width=8)
        for item in self.audit.checklist.items:
            table.add_row("", "", Text(item.title), Text(item.area), "", key=item.id)
        self.refresh_statuses()
        table.focus()
        self.sub_title = self.audit.config.target.url or ""

    def on_screen_resume(self) -> None:
        self.refresh_statuses()

    # -- statuses ---------------------------------------------------------------------------
    def refresh_statuses(self) -> None:
        verdict = self.audit.verdict()
        table = self.query_one(DataTable)
        answered = self.audit.session.data.answers
        for r in verdict.items:
            item = r.item
            if item.id in self.running_items:
                status = "running"
            elif r.status.value == "unknown" and not r.findings and item.checks and not self.audit.session.data.runs:
                status = "pending"  # its automated checks have not run yet
            elif r.status.value == "unknown" and not r.findings and r.unanswered:
                status = "needs answers"
            else:
                status = r.status.value
            n_q = len([q for q in item.questions])
            n_a = len([q for q in item.questions if f"{item.id}.{q.id}" in answered])
            table.update_cell(item.id, "bar", Text("*" if r.bar else "", style="bold yellow"))
            table.update_cell(item.id, "status", status_text(status))
            table.update_cell(item.id, "answers", Text(f"{n_a}/{n_q}" if n_q else "-"))
        style = "bold green" if verdict.status == "READY" else "bold red"
        line = Text.assemble((verdict.headline, style), f"   score {verdict.score}/100 ({verdict.band})")
        if verdict.red_flags:
            line.append(f"   red flags: {len(verdict.red_flags)}", style="yellow")
        self.query_one("#verdict-bar", Static).update(line)
        hint = ("Press r to run the automated checks. * marks the checks the launch bar rests on."
                if not self.audit.session.data.runs
                else "enter opens an item to answer its questions · v verdict · e export · * on the launch bar")
        self.query_one("#overview-hint", Static).update(Text(hint))

    def current_item_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # -- actions ----------------------------------------------------------------------------
    def action_open_item(self) -> None:
        from wizard.tui.screens.item import ItemScreen

        item_id = self.current_item_id()
        if item_id:
            self.app.push_screen(ItemScreen(item_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_item()

    def action_mark(self, status: str) -> None:
        item_id = self.current_item_id()
        if not item_id:
            return
        current = self.audit.session.data.overrides.get(item_id)
        new = None if current and current.status == status else status  # pressing again undoes it
        self.audit.session.set_override(item_id, status=new)
        self.refresh_statuses()
        self.notify(f"{item_id}: {'marked ' + status if new else 'mark removed'}", timeout=2)

    def action_review(self) -> None:
        from wizard.tui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen())

    def action_export(self) -> None:
        from wizard.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen())

    def action_demo_answers(self) -> None:
        if self.app.demo is None:
            self.notify("Scripted answers exist only for the demo.", severity="warning")
            return
        given = self.audit.session.data.answers
        script = self.app.demo.scripted_answers()
        fill = [a for a in script if a.question not in given]  # what the person typed is theirs: kept
        self.audit.apply_answers(fill)
        self.refresh_statuses()
        kept = len(script) - len(fill)
        self.notify(f"{len(fill)} demo answers filled in." + (f" Your {kept} own answers were kept." if kept else ""))

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    # -- running checks ---------------------------------------------------------------------
    def action_run_checks(self) -> None:
        """Ask for each tier the config wants (login, then write on staging), each with its plan; nothing
        is sent before the answers."""
        if self.app.probe_run is not None:
            self.notify("Checks are already running (esc cancels).")
            return
        from wizard.tui.screens.consent import ConsentScreen

        from wizard.errors import UserError

        try:
            login_plan, write_plan = self._plans()
        except UserError as err:  # e.g. the endpoint list named in the config has moved since
            self.notify(f"Cannot run the checks: {err}", severity="error", timeout=12)
            return
        host = self.audit.config.target.host or "the app"
        budget = self.audit.config.limits.request_budget

        def after_login(allow_login: bool | None) -> None:
            if allow_login and write_plan:
                self.app.push_screen(ConsentScreen(host, write_plan, budget, tier="write"),
                                     lambda allow_write: self._start_run(True, bool(allow_write)))
            else:
                self._start_run(bool(allow_login))

        if login_plan:
            self.app.push_screen(ConsentScreen(host, login_plan, budget), after_login)
        elif write_plan:
            after_login(True)  # only write-tier checks chosen: their consent covers the logins they make
        else:
            self._start_run(False)

    def _plans(self) -> tuple[list[str], list[str]]:
        """(login plan, write plan) from what the config asks for (before any answer of this session)."""
        from wizard.inventory import load_inventory
        from wizard.probes.base import consent_plans

        config = self.audit.config
        if self._asked is None:
            self._asked = (config.consent.login, config.consent.write)
        config.consent.login, config.consent.write = self._asked
        if not (config.consent.login or config.consent.write):
            return [], []
        return consent_plans(self.audit.probes(), config, load_inventory(config), self.audit.checklist.settings)

    def _login_plan(self) -> list[str]:
        return self._plans()[0]

    def _write_plan(self) -> list[str]:
        return self._plans()[1]

    def _start_run(self, allow_login: bool | None, allow_write: bool = False) -> None:
        from wizard.tui.probe_run import ProbeRun

        asked = self._asked or (self.audit.config.consent.login, self.audit.config.consent.write)
        self.audit.config.consent.login = bool(allow_login) and (asked[0] or asked[1])
        self.audit.config.consent.write = bool(allow_login) and allow_write and asked[1]
        run = ProbeRun(self.audit, self.post_message)
        probes = run.prepare()
        self.app.probe_run = run
        self.total_probes, self.done_probes = len(probes), 0
        self.probe_lines, self.finished_order, self.run_cancelled = {}, [], False
        self.running_items = {
            item.id for p in probes for item in self.audit.checklist.items if any(item.informed_by(r) for r in p.rules)
        }
        self.run_started = time.monotonic()
        panel = self.query_one("#run-panel")
        panel.remove_class("done")
        panel.add_class("running")
        self.query_one(ProgressBar).update(total=self.total_probes, progress=0)
        self.refresh_statuses()
        self._render_run()
        if self._clock is not None:
            self._clock.stop()
        self._clock = self.set_interval(0.5, self._render_run)
        self._run_in_thread(run)

    @work(thread=True, exclusive=True, group="probes", exit_on_error=False)
    def _run_in_thread(self, run) -> None:
        run.run()

    def action_cancel_run(self) -> None:
        if self.app.probe_run is not None:
            self.app.probe_run.cancel()
            self.notify("Cancelling the checks…")

    def _render_run(self) -> None:
        elapsed = time.monotonic() - self.run_started
        state = ("Running checks" if self.app.probe_run is not None
                 else "Checks cancelled" if self.run_cancelled else "Checks finished")
        self.query_one("#run-status", Static).update(
            Text(f"{state}: {self.done_probes}/{self.total_probes} probes · {elapsed:.0f} s"
                 + (" · esc cancels" if self.app.probe_run is not None else ""), style="bold"))
        self.query_one("#run-log", Static).update(Text("\n".join(self._log_lines(RUN_LOG_LINES))))

    def _log_lines(self, room: int) -> list[str]:
        """What is running now, then what finished last: the log has a few lines and a run has ~20 probes."""
        done = set(self.finished_order)
        running = [line for pid, line in self.probe_lines.items() if pid not in done]
        recent = [self.probe_lines[pid] for pid in reversed(self.finished_order)]
        lines = (running + recent)[:room]
        hidden = len(running) + len(recent) - len(lines)
        if hidden:
            lines[-1] = f"  … and {hidden + 1} more finished earlier"
        return lines

    def on_probe_started(self, event: msg.ProbeStarted) -> None:
        self.probe_lines[event.probe_id] = f"  [....] {event.title}"
        self._render_run()

    def on_probe_progress(self, event: msg.ProbeProgress) -> None:
        title = self.probe_lines.get(event.probe_id, "").split("]", 1)[-1].split(":")[0].strip()
        self.probe_lines[event.probe_id] = f"  [....] {title}: {event.text}"[:160]

    def on_finding_added(self, event: msg.FindingAdded) -> None:
        pass  # statuses refresh per probe, not per finding: no flicker on big scans

    def on_probe_finished(self, event: msg.ProbeFinished) -> None:
        self.done_probes += 1
        self.query_one(ProgressBar).advance(1)
        worst = next((s for s in ("fail", "unknown", "warn", "pass") if event.counts.get(s)), "skip")
        mark = {"fail": "FAIL", "unknown": " ?? ", "warn": "WARN", "pass": " ok ", "skip": "skip"}[worst]
        counts = ", ".join(f"{n} {s}" for s, n in event.counts.items()) or "nothing"
        extra = "" if event.outcome == "ok" else f" ({event.outcome})"
        self.probe_lines[event.probe_id] = f"  [{mark}] {event.title}: {counts}{extra} in {event.elapsed:.1f} s"
        self.finished_order.append(event.probe_id)
        if event.outcome.startswith(("crashed", "timed out")):
            self.notify(f"{event.title}: {event.outcome}; its items stay unknown.", severity="warning")
        probe = self.app.probe_by_id(event.probe_id)
        if probe is not None:
            self.running_items -= {i.id for i in self.audit.checklist.items if any(i.informed_by(r) for r in probe.rules)}
        self.refresh_statuses()
        self._render_run()

    def on_run_finished(self, event: msg.RunFinished) -> None:
        self.app.probe_run = None
        self.run_cancelled = bool(event.cancelled)
        self.running_items = set()
        if self._clock is not None:
            self._clock.stop()
            self._clock = None
        panel = self.query_one("#run-panel")
        panel.remove_class("running")
        panel.add_class("done")
        self.refresh_statuses()
        self._render_run()
        if event.error:
            self.notify(f"The run stopped: {event.error}. Results so far are saved.", severity="error", timeout=10)
        elif event.cancelled:
            self.notify("Checks cancelled. Results so far are saved; r runs them again.", severity="warning")
        else:
            self.notify(f"Checks done: {event.requests} requests in {event.elapsed:.0f} s. Now answer the items marked 'needs answers'.")
