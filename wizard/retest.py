"""`launch-ready retest SESSION`: rerun an earlier audit's probes weeks later and show what changed.

The earlier session file is only read. A new session is made from a copy of it:
- the same answers (a `--answers` file, or the interview, updates them: fixes often change answers too);
- `baseline` = the earlier findings, and `history` gains the earlier verdict (score, status per check),
  so the report can say per finding fixed / partially fixed / still failing / new / not rechecked,
  and draw the score across audits;
- no findings: only what the probes find now counts as evidence now.
The probes the earlier audit ran are run again, against the config saved in the session (the target
without secrets) or against a config file given now (the app moved, e.g. to the fixed build).
Credentials come from the environment, as always; nothing secret was ever saved.
"""

from __future__ import annotations

from pathlib import Path

from wizard.errors import UserError
from wizard.model import now_utc
from wizard.session import AuditSession, Milestone, SessionData


def retest_session_path(old: Path, out_dir: Path | None = None) -> Path:
    """`demo-flawed.session.json` -> `<out_dir>/demo-flawed-retest.session.json` (-retest-2, ... if taken)."""
    folder = out_dir or old.parent
    stem = old.name.removesuffix(".json").removesuffix(".session")
    for n in range(1, 1000):
        name = f"{stem}-retest{'' if n == 1 else f'-{n}'}.session.json"
        if not (folder / name).exists():
            return folder / name
    raise UserError("too many retest sessions in this folder; choose another --out", where=str(folder))


def probes_to_rerun(data: SessionData) -> list[str]:
    """Every probe the earlier audit ran that this version still has, in first-run order."""
    from wizard.probes import REGISTRY  # a plain dict; no probe module is imported

    seen: dict[str, None] = {}
    for run in data.runs:
        for probe in run.probes:
            if probe in REGISTRY:
                seen.setdefault(probe, None)
    return list(seen)


def _public_config(data: SessionData) -> dict:
    raw = data.target or {}
    return raw if isinstance(raw.get("target"), dict) else {"target": raw}


def milestone(checklist, old: AuditSession) -> Milestone:
    """The earlier audit's verdict, as the trend and the scorecard's "before" column need it."""
    from wizard.verdict import compute_verdict

    verdict = compute_verdict(checklist, old.findings, old.answers, old.status_overrides())
    return Milestone(
        session=old.data.name, at=old.data.updated, status=verdict.status, score=verdict.score,
        band=verdict.band, items={r.item.id: r.status.value for r in verdict.items},
    )


def start_retest(old_path: Path, new_path: Path, config=None, checklist_dir: Path | None = None):
    """Open the retest: an `Audit` on a new session file, ready for `run_probes`. `config`: a Config to
    use instead of the one saved in the session."""
    from wizard.audit import Audit, checklist_for_session
    from wizard.config import Config, missing_credentials, resolve_credentials

    old = AuditSession.load(old_path)
    checklist = checklist_for_session(old, checklist_dir)
    if not probes_to_rerun(old.data):
        raise UserError("this session has no probe run to repeat; run `launch-ready scan` first", where=str(old_path))
    if new_path.exists():
        raise UserError("a session file already exists here; choose another --out", where=str(new_path))

    if config is None:
        try:
            config = Config.from_public_dict(_public_config(old.data))
        except ValueError as err:  # pydantic's ValidationError is a ValueError
            raise UserError(f"the config saved in the session is not valid any more: {err}", where=str(old_path)) from None
    missing = missing_credentials(config)
    if missing and (config.consent.login or config.consent.write):
        raise UserError(f"environment variables not set for the test accounts: {', '.join(missing)}")

    data = old.data.model_copy(deep=True)
    data.name = f"{old.data.name}-retest"
    data.created = data.updated = now_utc()
    data.target = config.public_dict()
    data.baseline = dict(old.data.findings)
    data.history = [*old.data.history, milestone(checklist, old)]
    data.findings = {}
    session = AuditSession(data, new_path)
    session.save()
    return Audit(checklist, config, session, resolve_credentials(config))


def outcome_counts(session: AuditSession) -> dict[str, int]:
    """How many compared findings were fixed, still fail, are new, ... in a retest session."""
    from wizard.report.comparison import finding_changes

    data = session.data
    rerun = set(data.runs[-1].probes) if data.runs else set()
    counts: dict[str, int] = {}
    for change in finding_changes(data.baseline or {}, data.findings, rerun):
        counts[change.outcome] = counts.get(change.outcome, 0) + 1
    return counts


def run_retest(old_path: Path, out_dir: Path | None, formats: list[str], answers_path: Path | None = None,
               config_path: Path | None = None, observer=None) -> tuple[object, list[Path]]:
    """The whole retest: new session, probes rerun, answers updated, reports written. Returns (audit, paths)."""
    from wizard.answers import load_answers_file
    from wizard.config import load_config

    config = load_config(config_path) if config_path else None
    new_path = retest_session_path(old_path, out_dir)
    audit = start_retest(old_path, new_path, config)
    old_data = AuditSession.load(old_path).data
    audit.run_probes(only=probes_to_rerun(old_data), observer=observer)
    if answers_path:
        audit.apply_answers(load_answers_file(answers_path, audit.checklist))
    stem = new_path.name.removesuffix(".session.json")
    branding = audit.config.branding if config_path else None  # a saved logo path is never read
    from wizard.report import render_report

    written = [render_report(fmt, audit.checklist, audit.session, new_path.parent / f"{stem}.{fmt}", branding)
               for fmt in formats]
    return audit, written


__all__ = ["milestone", "outcome_counts", "probes_to_rerun", "retest_session_path", "run_retest", "start_retest"]
