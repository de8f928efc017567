"""Secrets in the repository: every added line in history, the working tree and its built output.

One finding per secret (deduped by rule and secret hash), redacted everywhere: rule, where it was
first committed and when, whether it is still in the code, and the fix path (rotate, purge history,
move to the environment). The scan itself is `wizard.secretscan`; this module only words results.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from wizard.errors import UserError
from wizard.model import Finding, Location, Severity, Status
from wizard.probes.base import Probe, ProbeContext

REFERENCES = [
    "OWASP ASVS 4.0.3 V2.10.4: secrets and API keys are not stored in source code or repositories",
    "OWASP ASVS 4.0.3 V6.4.1: a secrets management solution is used",
    "OWASP API Security Top 10 2023: API8 Security Misconfiguration",
]
_SEVERITY = {"critical": Severity.CRITICAL, "high": Severity.HIGH, "medium": Severity.MEDIUM, "low": Severity.LOW}


def fix_path(f) -> str:
    """Rotate first, then purge history, then keep the value out of the code for good.

    The finding's title names the kind of secret, so the steps do not: secrets found in the same kind of
    place share one fix text, which the report prints once for all of them."""
    steps = [
        "1) Rotate it now: issue a new value at the service it belongs to, switch the app to it, then revoke "
        "the old one. Assume the old value was copied: everyone who could read the repository"
        + (" or load the app in a browser" if f.client_side else "") + " could have it.",
    ]
    if f.in_history:
        steps.append(
            "2) Purge it from git history (after rotating; purging does not un-leak it): with git-filter-repo, "
            "write the old value into a file outside the repo as `<old value>==>REMOVED` (e.g. /tmp/replacements.txt), "
            "then run `git filter-repo --replace-text /tmp/replacements.txt --force` in a fresh clone, check with "
            "`git log -p --all -S REMOVED`, force-push every branch and tag (`git push --force --all && git push --force --tags`), "
            "ask everyone to re-clone, and ask your git host to drop cached views and pull-request refs. Delete the replacements file."
        )
    else:
        steps.append("2) It is not committed yet: remove it before it reaches git history.")
    steps.append(
        "3) Read it from an environment variable or a secret manager (AWS Secrets Manager, GCP Secret Manager, Vault, "
        "Doppler, 1Password, the hosting platform's settings), keep .env files in .gitignore, and add a secret scan "
        "to CI or a pre-commit hook (`launch-ready secrets --staged`)."
        + (" Never put a secret in code that ships to the browser: call the provider from the server instead." if f.client_side else "")
    )
    return " ".join(steps)


def _where(f) -> str:
    if f.client_side:
        return "in code that ships to the browser"
    if f.still_present:
        return "in the current code"
    if f.in_history:
        return "in git history (deleted later, still retrievable)"
    if "staged" in f.sources:
        return "in the staged changes"
    return "in a log file" if "log" in f.sources else "in the repository"


def secret_finding(probe_id: str, f) -> Finding:
    """One redacted Finding for one secret (also used by callers that scan fetched bundles)."""
    first = f.first
    when = f" in commit {f.first_commit[:10]} ({(f.first_date or '')[:10]})" if f.first_commit else ""
    state = ("still in the current code" if f.still_present else
             "removed from the current code but still in git history" if f.in_history else "found on disk")
    detail = (f"{f.redacted}, first added to {first.path}{when}; {state}."
              + (f" Seen {f.count} times." if f.count > 1 else "")
              + (f" Confidence {f.confidence}." if f.confidence != "high" else ""))
    accepted = f.baseline == "accepted_risk"
    if accepted:
        status, rule = Status.PASS, "secrets.accepted-risk"
        detail += f" Accepted risk (baseline): {f.baseline_reason}"
    elif f.baseline == "unaudited" or f.severity == "low":
        status, rule = Status.WARN, "secrets.exposed"
        if f.baseline == "unaudited":
            detail += " Listed in the baseline but not audited yet: decide false_positive or accepted_risk, with a reason."
    else:
        status, rule = Status.FAIL, "secrets.exposed"
    severity = Severity.CRITICAL if f.client_side else _SEVERITY.get(f.severity, Severity.HIGH)
    return Finding.make(
        probe=probe_id, rule=rule, key=f"{f.rule}:{f.fingerprint}", status=status,
        severity=Severity.INFO if accepted else severity,
        title=f"{f.description} {_where(f)}" if not accepted else f"Accepted risk: {f.description} in {first.path}",
        detail=detail,
        location=Location(path=first.path, line=first.line, column=first.column, commit=first.commit),
        evidence=[_evidence(o) for o in f.occurrences],
        fix="" if accepted else fix_path(f),
        references=REFERENCES,
        data={
            "rule": f.rule, "fingerprint": f.fingerprint, "confidence": f.confidence, "length": f.length,
            "prefix": f.prefix, "in_head": f.in_head, "in_working_tree": f.in_working_tree,
            "in_history": f.in_history, "client_side": f.client_side, "sources": list(f.sources),
            "first_commit": f.first_commit, "first_date": f.first_date, "count": f.count, "baseline": f.baseline,
        },
    )


def _evidence(o) -> str:
    where = f"{o.path}:{o.line}:{o.column}"
    if o.commit:
        where += f" @ {o.commit[:10]} ({(o.date or '')[:10]})"
    elif o.source in ("tree", "build"):
        where += " (working tree)"
    return f"{where}: {o.window}"


class SecretsProbe(Probe):
    id = "secrets"
    title = "Secrets in the repository, its history and its built frontend"
    areas = ("secrets",)
    rules = ("secrets.exposed", "secrets.accepted-risk", "secrets.clean", "secrets.history-partial",
             "secrets.repo-unreadable", "secrets.scan-error")
    needs = ("repo",)
    timeout = 600.0  # long histories: the scan streams at about git's own speed

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        from wizard.secretscan.history import GitError
        from wizard.secretscan.scan import ScanOptions, scan_repo

        repo = ctx.config.resolve(ctx.config.target.repo)
        assert repo is not None
        if not repo.is_dir():
            yield self.finding("secrets.repo-unreadable", Status.UNKNOWN, "Repository folder not found", key=str(repo),
                               detail=f"{repo} does not exist or is not a folder, so no secret scan ran.")
            return
        cfg = ctx.config.secrets
        options = ScanOptions(
            since=cfg.since, staged=cfg.staged, paths=[Path(p) for p in map(ctx.config.resolve, cfg.paths) if p],
            rules=ctx.config.resolve(cfg.rules), baseline=ctx.config.resolve(cfg.baseline),
        )
        self.progress(ctx, "scanning git history, working tree and built output", 0.1)
        try:
            result = await asyncio.to_thread(scan_repo, repo, options)
        except (GitError, UserError) as err:
            yield self.finding("secrets.scan-error", Status.UNKNOWN, "Secret scan could not run", key=str(repo),
                               detail=f"{err}. Fix this and scan again; until then secrets are unverified.")
            return
        for f in result.findings:
            yield secret_finding(self.id, f)
        for f in self._coverage(repo, result):
            yield f

    def _coverage(self, repo: Path, result) -> list[Finding]:
        out = []
        if not result.state.is_repo:
            out.append(self.finding(
                "secrets.history-partial", Status.UNKNOWN, "Git history not scanned: the folder is not a git repository",
                key=f"{repo}:not-a-repo", detail="A secret deleted from the files may still be in the history of the real "
                "repository. Point the audit at a full clone (the folder that contains .git).",
                location=Location(path=str(repo)),
            ))
        elif result.state.shallow:
            out.append(self.finding(
                "secrets.history-partial", Status.WARN, "Only part of the git history was scanned (shallow clone)",
                key=f"{repo}:shallow", detail="Commits older than the clone depth were not scanned. Run "
                "`git fetch --unshallow` and scan again.", location=Location(path=str(repo)),
            ))
        if not result.findings:
            stats = result.stats
            out.append(self.finding(
                "secrets.clean", Status.PASS, "No secrets found in history, working tree or built output", key=str(repo),
                detail=f"Scanned {', '.join(result.scanned) or 'nothing'} with {result.rules} rules: {stats.files} files, "
                       f"{stats.lines} lines." + (f" {result.suppressed} baselined false positives left out." if result.suppressed else "")
                       + (" " + " ".join(result.notes) if result.notes else ""),
                location=Location(path=str(repo)),
            ))
        return out
