"""`launch-ready --plain`: the wizard's flow as simple prompts (questionary), over the same engine.

Also used when stdout is not a terminal or TERM=dumb. Tests drive it with a fake `questionary`
that answers by prompt text.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from wizard.errors import UserError

DONT_KNOW = "Don't know"
SKIP = "Skip this question"


class PlainWizard:
    def __init__(self, q=None, out=None, call_mode: bool = False) -> None:
        if q is None:
            import questionary as q
        self.q = q
        self.out = out or sys.stdout
        self.call_mode = call_mode
        self.demo = None
        self.audit = None
        if os.environ.get("NO_COLOR"):
            os.environ.setdefault("PROMPT_TOOLKIT_COLOR_DEPTH", "DEPTH_1_BIT")

    def say(self, text: str = "") -> None:
        from wizard.redact import scrub

        print(scrub(text), file=self.out, flush=True)

    def ask(self, prompt):
        answer = prompt.ask()
        if answer is None:  # ctrl-c in questionary
            raise KeyboardInterrupt
        return answer

    # -- the flow ---------------------------------------------------------------------------
    def run(self, session_path: Path | None = None) -> int:
        try:
            self.open(session_path)
            self.maybe_run_checks()
            self.maybe_revocation_drill()
            self.interview()
            self.review()
            self.export()
        finally:
            if self.demo is not None:
                self.demo.stop()
        return 0

    def open(self, session_path: Path | None) -> None:
        from wizard.tui.locations import sessions_dir
        from wizard.tui.session_index import list_sessions

        if session_path is not None:
            self.audit = self._resume(session_path)
            return
        sessions = [s for s in list_sessions() if not s.problem][:5]
        choices = [s.label for s in sessions] + ["Start a new audit", "Try the demo", "Quit"]
        choice = self.ask(self.q.select("What would you like to do?", choices=choices))
        if choice == "Quit":
            raise SystemExit(0)
        if choice == "Try the demo":
            from wizard.demo.run import DemoAudit

            self._tmp = tempfile.TemporaryDirectory(prefix="launch-ready-demo-")
            path = sessions_dir() / f"demo-{datetime.now():%Y%m%d-%H%M%S}.json"
            self.demo = DemoAudit(False, Path(self._tmp.name), path, name="demo")
            self.audit = self.demo.audit
            self.say(f"Demo app running on {self.demo.server.https_url}")
        elif choice == "Start a new audit":
            self.audit = self._new(sessions_dir())
        else:
            self.audit = self._resume(sessions[choices.index(choice)].path)

    def _resume(self, path: Path):
        from wizard.audit import Audit, checklist_for_session
        from wizard.config import Config, resolve_credentials
        from wizard.session import AuditSession

        session = AuditSession.load(path)
        config = Config.from_public_dict(session.data.target)
        self.say(f"Resumed {path}")
        return Audit(checklist_for_session(session, None), config, session, resolve_credentials(config))

    def _new(self, folder: Path):
        from urllib.parse import urlsplit

        from wizard.audit import Audit
        from wizard.config import Config, LoginRecipe, Role, Target, check_url

        def valid_url(v: str):
            try:
                check_url(v.strip())
                return True
            except ValueError as err:
                return str(err)

        name = self.ask(self.q.text("Name of this audit:", default="audit")).strip() or "audit"
        url = self.ask(self.q.text("App URL:", validate=valid_url)).strip()
        host = urlsplit(url).hostname or ""
        extra = self.ask(self.q.text("Other hosts we may contact (comma separated, empty for none):"))
        env = self.ask(self.q.select("Is this staging or production?", choices=["staging", "production"]))
        repo = self.ask(self.q.text("Repository path (empty to skip):",
                                    validate=lambda v: not v.strip() or Path(v.strip()).expanduser().is_dir() or "not a folder"))
        endpoints = self.ask(self.q.text("Endpoint list file (empty to skip):",
                                         validate=lambda v: not v.strip() or Path(v.strip()).expanduser().is_file() or "not a file"))
        roles_text = self.ask(self.q.text("Test accounts as role:USERNAME_ENV:PASSWORD_ENV, comma separated (empty for none):"))
        roles = {}
        for part in [p.strip() for p in roles_text.split(",") if p.strip()]:
            bits = part.split(":")
            if len(bits) != 3:
                raise UserError(f"'{part}' is not role:USERNAME_ENV:PASSWORD_ENV")
            roles[bits[0]] = Role(login=LoginRecipe(username_env=bits[1], password_env=bits[2]))
        target = Target(url=url, scope=[host] + [h.strip() for h in extra.split(",") if h.strip() and h.strip() != host],
                        environment=env, repo=str(Path(repo.strip()).expanduser().resolve()) if repo.strip() else None)
        config = Config(target=target, roles=roles)
        config.consent.login = bool(roles)
        if endpoints.strip():
            config.endpoints.list = str(Path(endpoints.strip()).expanduser().resolve())
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:60]
        return Audit.start(config, folder / f"{safe}-{datetime.now():%Y%m%d-%H%M%S}.json", name=name)

    def maybe_run_checks(self) -> None:
        from wizard.inventory import load_inventory
        from wizard.progress import LineObserver

        if not self.ask(self.q.confirm("Run the automated checks now?", default=True)):
            return
        from wizard.probes.base import consent_plans

        config = self.audit.config
        login_plan, write_plan = consent_plans(self.audit.probes(), config, load_inventory(config), self.audit.checklist.settings)
        allow_login = allow_write = False
        if login_plan:
            self.say("These checks log in with your test accounts (they only read; no reset or delete route is called, "
                     "and only the session check's own fresh session is logged out):")
            for line in login_plan:
                self.say(f"  • {line}")
            allow_login = self.ask(self.q.confirm("Allow logging in with the test accounts for this run?", default=True))
        if write_plan and (allow_login or not login_plan):
            self.say(f"These checks change records of your test accounts on {config.target.host} (staging); every change "
                     "is read back and put back, nothing is deleted without --allow-delete:")
            for line in write_plan:
                self.say(f"  • {line}")
            allow_write = self.ask(self.q.confirm("Also allow these changes on staging for this run?", default=False))
        config.consent.login = bool(allow_login or allow_write) and (config.consent.login or config.consent.write)
        config.consent.write = bool(allow_write) and config.consent.write
        self.say("Running the checks:")
        self.audit.run_probes(observer=LineObserver(stream=self.out, show=True))

    def maybe_revocation_drill(self) -> None:
        """The revocation drill, when the config names its test account: the person disables the account
        while the tool watches its open session (wizard/drill.py)."""
        import threading

        from wizard.drill import DrillRunner, RevocationDrill

        config = self.audit.config
        if not config.revocation.role:
            return
        try:
            drill = RevocationDrill(self.audit)
        except UserError as err:
            self.say(f"Revocation drill not available: {err}")
            return
        self.say(f"Revocation drill: how fast is a leaver cut off? It uses the test account '{config.revocation.role}':")
        for line in drill.plan:
            self.say(f"  • {line}")
        if not self.ask(self.q.confirm("Run the revocation drill now?", default=False)):
            return
        ready = threading.Event()
        events: list[tuple[str, str]] = []

        def emit(kind: str, text: str) -> None:
            events.append((kind, text))
            if kind != "tick":
                ready.set()
            if kind == "tick" and len(events) % 6 == 2:  # a line now and then, not one per try
                self.say(f"  {text}")

        runner = DrillRunner(drill, emit).start()
        ready.wait(120)
        kind, text = events[-1] if events else ("error", "the session could not be opened in time")
        self.say(text)
        if kind != "ready":
            runner.cancel()
            return
        ready.clear()
        if self.demo is not None and self.ask(self.q.confirm("Disable it in the demo app for you?", default=True)):
            self.demo.disable_account(config.revocation.role)
        elif not self.ask(self.q.confirm(f"Have you disabled '{config.revocation.role}'? (no cancels the drill)", default=True)):
            runner.cancel()
            runner.join(10)
            return
        runner.disabled()
        runner.join()
        self.say(f"Drill result: {events[-1][1]}")

    def interview(self) -> None:
        from wizard.answers import coerce

        if self.demo is not None and self.ask(self.q.confirm("Use the demo's scripted answers for the interview?", default=True)):
            self.audit.apply_answers(self.demo.scripted_answers())
            return
        answers = self.audit.session.data.answers
        for item in self.audit.checklist.items:
            pending = [q for q in item.questions if f"{item.id}.{q.id}" not in answers]
            if not pending:
                continue
            status = self.audit.verdict().item(item.id).status.value
            self.say(f"\n== {item.title} (now: {status})")
            self.say(item.why)
            for q in pending:
                qid = f"{item.id}.{q.id}"
                if q.verify and self._guided(qid, q):
                    continue
                message = q.text + (f"\n  {q.help}" if q.help and not self.call_mode else "")
                if q.kind.value in ("yes_no", "choice"):
                    options = ["yes", "no"] if q.kind.value == "yes_no" else list(q.choices)
                    options += ([DONT_KNOW] if q.allow_unknown else []) + [SKIP]
                    raw = self.ask(self.q.select(message, choices=options))
                    if raw == SKIP:
                        continue
                    raw = None if raw == DONT_KNOW else raw
                else:
                    def validate(v: str, q=q):
                        if not v.strip() or v.strip() == "?":
                            return True
                        try:
                            coerce(q, v)
                            return True
                        except ValueError as err:
                            return str(err)

                    raw = self.ask(self.q.text(message + "\n  (enter to skip, ? for don't know)", validate=validate)).strip()
                    if not raw:
                        continue
                    raw = None if raw == "?" else raw
                self.audit.answer(qid, raw)

    # -- guided verifications (wizard/verify): the same checks the item screen offers ---------
    def _guided(self, qid: str, q) -> bool:
        """Run the verification a question carries; False hands the question back to the plain prompt."""
        kind = q.verify
        if kind == "alert-challenge":
            if not self.ask(self.q.confirm("Run the alert challenge now (a one-time code to put in a test alert)?", default=True)):
                return False
            self.say(f"  Your one-time code: {self.audit.start_alert_challenge()}")
            self.say("  Put it in the text of a test alert, send it, then paste what arrived (channel, time, text).")
            pasted = self.ask(self.q.text("Paste the alert as it arrived, on one line (enter to skip and come back later):")).strip()
        elif kind == "audit-log-line":
            self.say(f"\n{q.text}" + (f"\n  {q.help}" if q.help and not self.call_mode else ""))
            pasted = self.ask(self.q.text("Paste the log line (enter to skip, ? for don't know):")).strip()
        elif kind == "status-page":
            from wizard.config import check_url

            def valid(v: str):
                try:
                    return not v.strip() or v.strip() == "?" or bool(check_url(v.strip()))
                except ValueError as err:
                    return str(err)

            pasted = self.ask(self.q.text(q.text + "\n  (enter to skip; only a host in the audit's scope is fetched)", validate=valid)).strip()
            if pasted and pasted != "?":
                self.audit.answer(qid, pasted)
                self._say_verification(self.audit.verify_status_page(pasted))
                return True
        elif kind == "revocation-drill":
            return self._revocation_drill()
        else:
            return False
        if pasted:
            self.audit.answer(qid, None if pasted == "?" else pasted)
            finding = self.audit.verification(kind)
            if finding is not None:
                self._say_verification(finding)
            elif kind == "alert-challenge":
                self.say("  Saved, but the challenge was not verified.")
        return True

    def _revocation_drill(self) -> bool:
        from wizard.verify.revocation import STEPS

        if not self.ask(self.q.confirm("Time a revocation drill now, with a test account?", default=False)):
            return False
        for n, step in enumerate(STEPS, 1):
            self.say(f"  {n}. {step}")
        self.ask(self.q.confirm("Ready? Start the clock now", default=True))
        self.audit.start_revocation_drill()
        refused, still, gave_up = "Yes: the open session is refused now", "Not yet: ask me again", "Give up: it still works"
        while True:
            choice = self.ask(self.q.select("Is the open session refused yet?", choices=[refused, still, gave_up]))
            if choice == refused:
                answer = self.audit.finish_revocation_drill()
                self.say(f"  Measured {answer.value}: saved as the answer ({answer.note})")
                return True
            if choice == gave_up:
                measured = self.audit.finish_revocation_drill()
                if measured is not None:
                    self.audit.answer(measured.question, None,
                                      note=f"Drill stopped after {measured.value} with the session still working.")
                self.say("  Saved as 'don't know': the old session outlived the drill.")
                return True

    def _say_verification(self, finding) -> None:
        if finding is None:
            return
        self.say(f"  [{finding.status.label}] {finding.title}")
        for line in finding.evidence[:8]:
            self.say(f"      {line}")

    def review(self) -> None:
        v = self.audit.verdict()
        self.say("")
        self.say(f"{v.headline}   score {v.score}/100 ({v.band})")
        for b in v.bar:
            self.say(f"  [{b.status.label:^7}] {b.entry.title}" + (f"  -> to verify: {b.entry.verify}" if b.status.value == "unknown" else ""))
        for rf in v.red_flags:
            self.say(f"  red flag: {rf.title}")
        if v.senior_engineer:
            self.say("  Two or more red flags: bring in a senior engineer before launch.")

    def export(self) -> None:
        formats = self.ask(self.q.checkbox("Export the report as:", choices=["pdf", "html", "md", "json"]))
        if not formats:
            return
        default = str(self.audit.session.path.with_suffix("")) + "-report" if self.audit.session.path else "launch-ready-report"
        folder = Path(self.ask(self.q.text("Folder:", default=default)).strip() or default).expanduser()
        for fmt in formats:
            path = self.audit.export(fmt, folder / f"report.{fmt}")
            self.say(f"wrote {path}")


def run_plain(session_path: Path | None = None, call_mode: bool = False) -> int:
    if not sys.stdin.isatty():
        raise UserError("no terminal to ask questions on; use 'launch-ready scan --config FILE --answers FILE' instead")
    return PlainWizard(call_mode=call_mode).run(session_path)
