"""Builders for TUI tests: an app opened on a fixed, offline audit (stable screens for snapshots)."""

from __future__ import annotations

from pathlib import Path

from wizard.audit import Audit
from wizard.config import Config, Target
from wizard.model import Finding, Location, Severity, Status
from wizard.tui.app import LaunchReadyApp

FIXED_URL = "https://admin.example.test"


def offline_audit(tmp_path: Path, findings: bool = True) -> Audit:
    config = Config(target=Target(url=FIXED_URL))
    audit = Audit.start(config, tmp_path / "snap.json", name="snapshot")
    if findings:
        for f in [
            Finding.make(probe="authn", rule="authn.unauthenticated-access", key="GET /admin/export", status=Status.FAIL,
                         severity=Severity.CRITICAL, title="GET /admin/export is open without logging in",
                         location=Location(url=FIXED_URL + "/admin/export", method="GET"),
                         evidence=["GET /admin/export (no cookie, no token) -> 200: text/csv, 822 bytes; first line: [bold]id[/bold],name"],
                         item="authentication", at="2026-01-01T00:00:00+00:00"),
            Finding.make(probe="http-surface", rule="headers.hsts", key="x", status=Status.PASS, title="HSTS set for 365 days",
                         item="security-headers", at="2026-01-01T00:00:00+00:00"),
        ]:
            audit.session.add_finding(f)
    return audit


def OpenedApp(audit: Audit, **kw) -> LaunchReadyApp:
    """The app with an audit already open on the overview (what a resumed session looks like)."""
    return LaunchReadyApp(audit=audit, **kw)
