"""Secrets in the repository: every added line in history, and the working tree as it is now."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from wizard.model import Finding, Location, Severity, Status
from wizard.probes.base import Probe, ProbeContext
from wizard.redact import redact, secret_fingerprint
from wizard.secretscan import Scanner
from wizard.secretscan.sources import Hit, NotARepo, scan_history, scan_tree

_FRONTEND = ("frontend/", "static/", "public/", "dist/", "build/", ".next/", "src/components", ".js", ".ts", ".jsx", ".tsx")

FIX = (
    "1) Rotate the secret now at its provider: assume it is compromised. "
    "2) Remove it from the code and read it from an environment variable or a secret manager. "
    "3) If it is in history, purge it (git filter-repo --replace-text) and force-push, then ask everyone to re-clone."
)


def _client_side(path: str) -> bool:
    return any(part in path for part in _FRONTEND)


class SecretsProbe(Probe):
    id = "secrets"
    title = "Secrets in the repository and its history"
    areas = ("secrets",)
    rules = ("secrets.exposed", "secrets.clean", "secrets.repo-unreadable")
    needs = ("repo",)

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        repo = ctx.config.resolve(ctx.config.target.repo)
        assert repo is not None
        if not repo.is_dir():
            yield self.finding("secrets.repo-unreadable", Status.UNKNOWN, "Repository folder not found", key=str(repo),
                               detail=f"{repo} does not exist or is not a folder.")
            return
        self.progress(ctx, "scanning git history (added lines)", 0.1)
        try:
            hits = await asyncio.to_thread(self._scan, repo)
        except NotARepo:
            yield self.finding("secrets.repo-unreadable", Status.UNKNOWN, "Not a git repository: history not scanned",
                               key=str(repo), detail="Only a git checkout lets us scan history; the working tree was not scanned either.")
            return
        if not hits:
            yield self.finding("secrets.clean", Status.PASS, "No secrets found in the working tree or history", key=str(repo),
                               location=Location(path=str(repo)))
            return
        for fp, group in hits.items():
            first = group["first"]
            c = first.candidate
            rule_id = c.rule.id
            in_head = group["in_head"]
            where = "client-side code" if _client_side(first.path) else "the repository"
            state = "still in the current code" if in_head else "in history only (deleted later, still retrievable)"
            yield Finding.make(
                probe=self.id, rule="secrets.exposed", key=f"{rule_id}:{fp}",
                status=Status.FAIL,
                severity=Severity.CRITICAL if _client_side(first.path) or in_head else Severity.HIGH,
                title=f"{c.rule.description} exposed in {where}",
                detail=f"{redact(c.secret, rule_id)}: {state}; first seen in {first.path}"
                       + (f" at commit {first.commit[:10]} ({first.date})" if first.commit else ""),
                location=Location(path=first.path, line=first.line_no, commit=first.commit),
                evidence=[f"{h.path}:{h.line_no}" + (f" @ {h.commit[:10]}" if h.commit else " (working tree)") + f": {h.candidate.window()}"
                          for h in group["hits"][:5]],
                fix=FIX,
                references=["OWASP ASVS 4.0.3 V2.10.4", "OWASP API8:2023 Security Misconfiguration"],
                data={"rule": rule_id, "fingerprint": fp, "in_head": in_head, "length": len(c.secret)},
            )

    @staticmethod
    def _scan(repo: Path) -> dict:
        scanner = Scanner()
        groups: dict[str, dict] = {}

        def add(h: Hit, head: bool) -> None:
            # One finding per secret value, whichever rules matched it; a provider-specific rule
            # names it better than a generic one, and the oldest commit tells when it leaked.
            key = secret_fingerprint(h.candidate.secret)
            g = groups.setdefault(key, {"hits": [], "first": h, "in_head": False})
            g["hits"].append(h)
            g["in_head"] |= head
            first = g["first"]
            if first.candidate.rule.confidence != "high" and h.candidate.rule.confidence == "high":
                g["first"] = h
            elif h.candidate.rule is first.candidate.rule and h.date and (first.date is None or h.date < first.date):
                g["first"] = h

        for h in scan_history(repo, scanner):
            add(h, False)
        for h in scan_tree(repo, scanner):
            add(h, True)
        return groups
