"""One engine under every front end: checklist + config + session, probes, answers, verdict, export.

The TUI, the plain prompts and the `scan` command all drive an `Audit`; none of them computes a
verdict or writes a file itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.answers import coerce
from wizard.checklist import Checklist, load_checklist
from wizard.config import Config, Credentials, resolve_credentials
from wizard.errors import UserError
from wizard.model import Answer
from wizard.paths import default_checklist_dir
from wizard.session import AuditSession, ChecklistRef


@dataclass
class Audit:
    checklist: Checklist
    config: Config
    session: AuditSession
    credentials: dict[str, Credentials]
    allow_delete: bool = False

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        config: Config,
        session_path: Path | None,
        checklist_dir: Path | None = None,
        resume: bool = False,
        name: str = "audit",
    ) -> "Audit":
        checklist = load_checklist(checklist_dir or default_checklist_dir())
        if resume and session_path is not None and session_path.exists():
            session = AuditSession.load(session_path, expect_checklist=checklist.id)
        else:
            ref = ChecklistRef(
                id=checklist.id, version=checklist.version,
                path=str(checklist_dir.resolve()) if checklist_dir else None,
            )
            session = AuditSession.create(session_path, ref, config.public_dict(), name=name)
        return cls(checklist, config, session, resolve_credentials(config))

    # -- probes --------------------------------------------------------------------------------
    def probes(self, only: list[str] | None = None, skip: list[str] | None = None) -> list:
        from wizard.engine import select_probes
        from wizard.probes import all_probes

        return select_probes(all_probes(), self.checklist, only, skip)

    def engine(self, observer=None):
        from wizard.engine import Engine

        return Engine(self.checklist, self.config, self.credentials, observer, self.allow_delete)

    def run_probes(self, only=None, skip=None, observer=None, cancel: asyncio.Event | None = None):
        return self.engine(observer).run(self.session, self.probes(only, skip), cancel)

    # -- answers -------------------------------------------------------------------------------
    def answer(self, question_id: str, raw: Any, note: str = "", evidence: str = "") -> Answer:
        """Validate and save one answer; raises UserError naming the question when the value is bad."""
        try:
            _, question = self.checklist.question(question_id)
        except KeyError:
            raise UserError(f"no such question '{question_id}'") from None
        try:
            value = coerce(question, raw)
        except ValueError as err:
            raise UserError(str(err), where=question_id) from None
        answer = Answer(question=question_id, value=value, note=note, evidence=evidence)
        self.session.set_answer(answer)
        self._verify(answer)
        return answer

    def apply_answers(self, answers: list[Answer]) -> None:
        for a in answers:
            self.session.set_answer(a)
            self._verify(a)

    # -- guided verifications (wizard/verify): each leaves a finding beside the probes' ----------
    def _verify(self, answer: Answer) -> None:
        from wizard.verify import on_answer

        try:
            on_answer(self.checklist, self.session, answer)
        except KeyError:
            pass  # an answer to a question this checklist does not have: kept, never verified

    def verification(self, kind: str):
        """The latest finding of a guided verification (audit-log-line, alert-challenge, status-page)."""
        from wizard.verify import latest

        return latest(self.checklist, self.session, kind)

    def start_alert_challenge(self, code: str | None = None, supplied_by: str = "wizard") -> str:
        from wizard.verify import start_alert_challenge

        return start_alert_challenge(self.session, code, supplied_by)

    def verify_status_page(self, url: str | None = None):
        """Fetch the status page (the answered URL by default) within scope; None when there is nothing to fetch."""
        from wizard.verify import question_for, verify_status_page

        qid = question_for(self.checklist, "status-page")
        if url is None and qid:
            ans = self.session.data.answers.get(qid)
            url = str(ans.value) if ans and ans.value else None
        if not url:
            return None
        return verify_status_page(self.checklist, self.session, self.config, url, self.engine().policy())

    def start_revocation_drill(self) -> None:
        from wizard.verify import start_revocation_drill

        start_revocation_drill(self.session)

    def finish_revocation_drill(self) -> Answer | None:
        """Stop the drill's clock and record the measured time as the revocation answer."""
        from wizard.verify import finish_revocation_drill, question_for

        qid = question_for(self.checklist, "revocation-drill")
        measured = finish_revocation_drill(self.session)
        if qid is None or measured is None:
            return None
        duration, note = measured
        return self.answer(qid, duration, note=note)

    # -- results -------------------------------------------------------------------------------
    def verdict(self):
        from wizard.verdict import compute_verdict

        return compute_verdict(self.checklist, self.session.findings, self.session.answers, self.session.status_overrides())

    def export(self, fmt: str, out: Path) -> Path:
        from wizard.report import render_report

        return render_report(fmt, self.checklist, self.session, out, self.config.branding)


def checklist_for_session(session: AuditSession, checklist_dir: Path | None) -> Checklist:
    """The checklist a saved session was made with: the one given, the recorded path, or the default."""
    if checklist_dir is None and session.data.checklist.path and Path(session.data.checklist.path).is_dir():
        checklist_dir = Path(session.data.checklist.path)
    checklist = load_checklist(checklist_dir or default_checklist_dir())
    if checklist.id != session.data.checklist.id:
        raise UserError(
            f"the session was made with checklist '{session.data.checklist.id}', not '{checklist.id}'; pass --checklist",
        )
    return checklist
