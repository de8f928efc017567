"""The list of saved audits on the welcome screen, read with plain json (fast, no models)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wizard.tui.locations import sessions_dir


@dataclass
class SessionSummary:
    path: Path
    name: str
    url: str
    answers: int
    findings: int
    updated: str
    problem: str = ""

    @property
    def label(self) -> str:
        if self.problem:
            return f"{self.path.name}: cannot be resumed ({self.problem})"
        saved = self.updated
        try:
            saved = datetime.fromisoformat(self.updated).astimezone().strftime("%d %b %H:%M")
        except ValueError:
            pass
        return f"Resume '{self.name}' · {self.url or 'no URL'} · {self.answers} answers, {self.findings} findings · saved {saved}"


def list_sessions(folder: Path | None = None) -> list[SessionSummary]:
    folder = folder or sessions_dir()
    out = []
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            out.append(SessionSummary(
                path=path, name=str(doc.get("name", path.stem)),
                url=str(((doc.get("target") or {}).get("target") or {}).get("url") or ""),
                answers=len(doc.get("answers") or {}), findings=len(doc.get("findings") or {}),
                updated=str(doc.get("updated", "")),
            ))
        except (OSError, ValueError, AttributeError) as err:
            out.append(SessionSummary(path, path.stem, "", 0, 0, "", problem=type(err).__name__))
    return out
