"""The Textual app: screens, global keys, and the one Audit every screen works on."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding

from wizard.errors import UserError
from wizard.tui.locations import sessions_dir


DEMO_SESSION_NAME = "demo"  # the wizard's own demo audits; resuming one starts the demo app again


def is_demo_session(data) -> bool:
    return data.name == DEMO_SESSION_NAME and (data.target.get("branding") or {}).get("organisation") == "Launch Ready demo"


class LaunchReadyApp(App):
    CSS_PATH = Path(__file__).with_name("launch_ready.tcss")  # absolute: subclasses live elsewhere
    TITLE = "Launch Ready"
    BINDINGS = [
        Binding("q", "quit_app", "Quit"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("ctrl+s", "save", "Save", show=False),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
    ]

    def __init__(self, session_path: Path | None = None, call_mode: bool = False, audit=None) -> None:
        super().__init__()
        self.audit = None
        self.demo = None
        self.probe_run = None
        self.call_mode = call_mode
        self.last_export = ""
        self._initial_session = session_path
        self._initial_audit = audit  # an Audit opened by the caller (tests, embedding)
        self._demo_tmp: tempfile.TemporaryDirectory | None = None
        self._stack_for: tuple | None = None  # (audit, snippet stack) once repo intelligence has looked

    def on_mount(self) -> None:
        import os

        from wizard.tui.screens.welcome import WelcomeScreen

        self.push_screen(WelcomeScreen())
        if os.environ.get("LAUNCH_READY_EXIT_AFTER_PAINT"):  # `make bench`: time to the first paint
            self.call_after_refresh(self.exit)
        if self._initial_audit is not None:
            self._open(self._initial_audit)
        elif self._initial_session is not None:
            self.resume_session(str(self._initial_session))

    # -- opening audits -----------------------------------------------------------------------
    def _open(self, audit) -> None:
        from wizard.tui.screens.overview import OverviewScreen

        self.audit = audit
        self.push_screen(OverviewScreen())

    def resume_session(self, path: str) -> None:
        from wizard.audit import Audit, checklist_for_session
        from wizard.config import Config, resolve_credentials
        from wizard.session import AuditSession

        try:
            session = AuditSession.load(Path(path))
            checklist = checklist_for_session(session, None)
            config = Config.from_public_dict(session.data.target)
        except (UserError, ValueError) as err:
            self.notify(f"Cannot resume: {err}", severity="error", timeout=10)
            return
        if is_demo_session(session.data):
            # the demo app and its files lived in a folder that ended with the last run: start them again
            # and reopen this session on them, so `r` reruns the checks and `A` still fills the script
            self.notify("Starting the demo app again for this audit…", timeout=3)
            self._start_demo_thread(resume=(session, checklist))
            return
        self._open(Audit(checklist, config, session, resolve_credentials(config)))
        self.notify(f"Resumed {Path(path).name}: {len(session.data.answers)} answers, {len(session.data.findings)} findings.")

    def create_audit(self, config, name: str) -> None:
        from wizard.audit import Audit

        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:60] or "audit"
        path = sessions_dir() / f"{safe}-{datetime.now():%Y%m%d-%H%M%S}.json"
        self._open(Audit.start(config, path, name=name))

    def start_demo(self) -> None:
        self.notify("Starting the demo app on this machine…", timeout=3)
        self._start_demo_thread()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _start_demo_thread(self, resume=None) -> None:
        """Start the demo app; `resume` = (session, checklist) reopens a saved demo audit on it."""
        from wizard.demo.run import DemoAudit

        def reopen(config):
            from wizard.audit import Audit
            from wizard.config import resolve_credentials

            session, checklist = resume
            session.data.target = config.public_dict()  # the new run's ports and files
            session.save()
            return Audit(checklist, config, session, resolve_credentials(config))

        try:
            self._demo_tmp = tempfile.TemporaryDirectory(prefix="launch-ready-demo-")
            path = sessions_dir() / f"demo-{datetime.now():%Y%m%d-%H%M%S}.json"
            demo = DemoAudit(False, Path(self._demo_tmp.name), path, name=DEMO_SESSION_NAME,
                             open_audit=reopen if resume else None)
        except Exception as err:
            self.call_from_thread(self.notify, f"The demo could not start: {err}", severity="error", timeout=10)
            return
        self.call_from_thread(self._demo_ready, demo)

    def _demo_ready(self, demo) -> None:
        self.demo = demo
        self._open(demo.audit)
        self.notify("Demo app running. Press r to run the checks; after that, A fills in the demo's scripted answers.",
                    timeout=8)

    # -- helpers for screens ---------------------------------------------------------------
    def probe_by_id(self, probe_id: str):
        from wizard.probes import REGISTRY, load_probe

        return load_probe(probe_id) if probe_id in REGISTRY else None

    def detected_stack(self) -> str | None:
        """The fix snippets' stack for the audited repository (repo intelligence, cached per audit); None
        without a readable repository, which shows each item's first snippet."""
        audit = self.audit
        if audit is None:
            return None
        from wizard.session import detected_stack

        known = audit.config.target.stack or detected_stack(audit.session.data)  # what the report shows too
        if known:
            return known
        if not audit.config.target.repo:
            return None
        if self._stack_for is not None and self._stack_for[0] is audit:
            return self._stack_for[1]
        from wizard.repointel import RepoUnreadable, stack_of

        try:
            stack = stack_of(audit.config.resolve(audit.config.target.repo)).snippet_stack
        except (RepoUnreadable, OSError):
            stack = None
        self._stack_for = (audit, stack)
        return stack

    # -- global actions -------------------------------------------------------------------
    def action_help(self) -> None:
        from wizard.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(getattr(self.screen, "HELP_TOPIC", "welcome")))

    def action_save(self) -> None:
        if self.audit is not None:
            self.audit.session.save()
            self.notify(f"Saved to {self.audit.session.path}", timeout=3)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme != "textual-light" else "textual-dark"

    def action_quit_app(self) -> None:
        if self.probe_run is None:
            self._leave()
            return
        from wizard.tui.screens.help import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.probe_run.cancel()
                self._leave()

        self.push_screen(ConfirmScreen("Checks are still running. Quit anyway? (results so far are saved)", "Quit", "Keep running"), answer)

    def _leave(self) -> None:
        if self.demo is not None:
            self.demo.stop()
        if self._demo_tmp is not None:
            self._demo_tmp.cleanup()
        self.exit()
