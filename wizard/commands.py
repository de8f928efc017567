"""The non-interactive commands' logic, kept out of cli.py so `--help` stays fast."""

from __future__ import annotations

import sys
from pathlib import Path

from wizard.errors import UserError

SUFFIX = {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "md", ".json": "json", ".sarif": "sarif", ".csv": "csv"}
SCAN_SESSIONS = Path(".launch-ready/sessions")  # one file per scan run, so CI can rerun in one workspace


def _gate(verdict, fail_on: str) -> bool:
    from wizard.model import Status

    if fail_on == "never":
        return False
    if fail_on == "blocker":
        return bool(verdict.blockers) or any(b.status is Status.FAIL for b in verdict.bar)
    if fail_on == "not-ready":
        return verdict.status != "READY"
    return verdict.status != "READY" or any(r.status is Status.WARN for r in verdict.items)


def build_config(config_path, url, repo, domain, endpoints, ca_bundle, dns_server, consent_login, consent_write,
                 secrets_since=None, staged=False):
    from wizard.config import Config, Target, load_config

    config = load_config(config_path) if config_path else Config()
    t = config.target.model_dump()
    if url:
        t["url"] = url
        t["scope"] = [s for s in t["scope"] if s] if config_path else []
    for key, value in (("repo", repo), ("domain", domain), ("ca_bundle", ca_bundle), ("dns_server", dns_server)):
        if value:
            t[key] = str(Path(value).resolve()) if key in ("repo", "ca_bundle") else value
    from pydantic import ValidationError

    try:
        config.target = Target.model_validate(t)
    except ValidationError as err:  # name the flag whose value is wrong
        first = err.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        flag = f"--{field.replace('_', '-')}" if field in ("url", "repo", "domain", "ca_bundle", "dns_server") else "--url/--repo/--domain"
        raise UserError(first["msg"].removeprefix("Value error, "), where=flag) from None
    if endpoints:
        config.endpoints.list = str(Path(endpoints).resolve())
    repo_path = config.resolve(config.target.repo)
    if repo_path is not None and not repo_path.is_dir():
        raise UserError("repository folder not found", where=str(repo_path))
    if repo_path is not None and not _is_git_repo(repo_path):
        print(f"warning: {repo_path} is not a git repository: its files are scanned, its history "
              "cannot be (point --repo at the folder that holds .git)", file=sys.stderr)
    if consent_login:
        config.consent.login = True
    if consent_write:
        config.consent.write = True
    if secrets_since:
        config.secrets.since = secrets_since
    if staged:
        config.secrets.staged = True
    if not (config.target.url or config.target.repo or config.target.domain):
        raise UserError("nothing to audit: give --config, or at least one of --url, --repo, --domain")
    return config


def _is_git_repo(path: Path) -> bool:
    import subprocess

    try:
        return subprocess.run(["git", "-C", str(path), "rev-parse", "--git-dir"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run_scan(*, config_path, url, repo, domain, endpoints, ca_bundle, dns_server, only, skip, answers_path,
             checklist_dir, session_path, resume, formats, out, fail_on, consent_login, consent_write,
             allow_delete, log_file, secrets_since=None, staged=False) -> int:
    from wizard.answers import load_answers_file
    from wizard.audit import Audit
    from wizard.config import missing_credentials
    from wizard.logs import setup_logging
    from wizard.progress import LineObserver

    setup_logging(log_file)
    config = build_config(config_path, url, repo, domain, endpoints, ca_bundle, dns_server, consent_login, consent_write,
                          secrets_since, staged)
    missing = missing_credentials(config)
    if missing and (config.consent.login or config.consent.write):
        raise UserError(f"environment variables not set for the test accounts: {', '.join(missing)}")
    session_path = session_path or _default_session(resume)
    if session_path.exists() and not resume:
        raise UserError("a session already exists; pass --resume to continue it or --session NEW.json", where=str(session_path))
    audit = Audit.start(config, session_path, checklist_dir, resume=resume)
    audit.allow_delete = allow_delete
    if answers_path:
        audit.apply_answers(load_answers_file(answers_path, audit.checklist))
    _say_plans(audit, only, skip)
    audit.run_probes(only, skip, LineObserver())
    verdict = audit.verdict()
    for fmt, path in _outputs(formats, out):
        audit.export(fmt, path)
        print(f"wrote {path}", file=sys.stderr)
    print(f"{verdict.headline} (score {verdict.score}/100, {verdict.band})")
    print(f"session: {session_path}", file=sys.stderr)
    return 1 if _gate(verdict, fail_on) else 0


def _say_plans(audit, only, skip) -> None:
    """What the consented tiers will send: in scan mode consent comes only from --consent-login /
    --consent-write or the config (never by default), so the plan goes to stderr and the log instead."""
    import logging

    from wizard.inventory import load_inventory
    from wizard.probes.base import consent_plans

    config = audit.config
    if not (config.consent.login or config.consent.write):
        return
    login, write = consent_plans(audit.probes(only, skip), config, load_inventory(config), audit.checklist.settings)
    for title, plan in (("Login tier (consented by --consent-login or the config)", login),
                        ("Write tier on staging (consented by --consent-write or the config)", write)):
        if plan:
            lines = [f"{title}:"] + [f"  - {line}" for line in plan]
            for line in lines:
                logging.getLogger("launch_ready.consent").info(line)
            print("\n".join(lines), file=sys.stderr)


def _default_session(resume: bool) -> Path:
    from datetime import datetime

    if resume:
        existing = sorted(SCAN_SESSIONS.glob("scan-*.json"))
        if not existing:
            raise UserError("no earlier scan session to resume; pass --session FILE", where=str(SCAN_SESSIONS))
        return existing[-1]
    return SCAN_SESSIONS / f"scan-{datetime.now():%Y%m%d-%H%M%S-%f}.json"


def _outputs(formats: list[str], out: Path | None) -> list[tuple[str, Path]]:
    if out is None:
        out = Path(".launch-ready")
    if len(formats) == 1 and out.suffix:
        return [(formats[0], out)]
    return [(fmt, out / f"report.{fmt}") for fmt in formats]


def run_report(session_path: Path, out: Path, fmt: str | None, checklist_dir: Path | None,
               config_path: Path | None = None) -> int:
    from wizard.audit import checklist_for_session
    from wizard.config import load_config
    from wizard.report import render_report
    from wizard.session import AuditSession

    fmt = fmt or SUFFIX.get(out.suffix.lower())
    if fmt is None:
        raise UserError("cannot tell the format from the file name; pass --format", where=str(out))
    session = AuditSession.load(session_path)
    session.path = None  # rendering never writes the session
    checklist = checklist_for_session(session, checklist_dir)
    # Branding comes from the session (its logo path is not read: the file may come from someone
    # else), or whole from a config file given now.
    branding = load_config(config_path).branding if config_path else None
    render_report(fmt, checklist, session, out, branding)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def run_retest(session_path: Path, out_dir: Path | None, config_path: Path | None, answers_path: Path | None,
               formats: list[str]) -> int:
    from wizard.logs import setup_logging
    from wizard.progress import LineObserver
    from wizard.retest import outcome_counts, run_retest as retest

    setup_logging(None)
    audit, written = retest(session_path, out_dir, formats, answers_path, config_path, LineObserver())
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    print(f"session: {audit.session.path}", file=sys.stderr)
    verdict, before = audit.verdict(), audit.session.data.history[-1]
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcome_counts(audit.session).items())) or "nothing to compare"
    print(f"{verdict.headline} (score {before.score} -> {verdict.score}/100, {verdict.band}); {summary}")
    return 0
