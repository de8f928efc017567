"""The JSON report: a versioned, documented shape (docs/report-json.md) for CI jobs and other tools.

Bump SCHEMA_VERSION when a key is removed or changes meaning; adding a key is not a breaking change.
"""

from __future__ import annotations

import json
from typing import Any

from wizard.redact import scrub
from wizard.report.data import FindingView, ReportData

SCHEMA_VERSION = 1

# The documented top-level keys, in order (tests compare them with docs/report-json.md).
TOP_LEVEL_KEYS = (
    "schema_version", "tool_version", "generated", "checklist", "target", "verdict",
    "items", "findings", "answers", "runs", "plan", "handover", "retest",
)


def finding_json(f: FindingView) -> dict[str, Any]:
    loc = f.location
    return {
        "id": f.id,
        "item": f.item,
        "probe": f.probe,
        "rule": f.rule,
        "status": f.status,
        "severity": f.severity,
        "title": f.title,
        "detail": f.detail,
        "location": {
            "text": loc.text, "url": loc.url, "method": loc.method, "path": loc.path,
            "line": loc.line, "column": loc.column, "commit": loc.commit,
        },
        "evidence": f.evidence,
        "fix": f.fix,
        "references": f.references,
        "data": f.data,
        "at": f.at,
    }


def report_json(data: ReportData) -> dict[str, Any]:
    v = data.verdict
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool_version": data.tool_version,
        "generated": data.generated,
        "checklist": {"id": data.checklist.id, "version": data.checklist.version, "title": data.checklist.title},
        "target": data.target,
        "verdict": {
            "status": v.status,
            "unverified": v.unverified,
            "reason": v.reason,
            "headline": v.headline,
            "score": v.score,
            "band": v.band,
            "blockers": [b.id for b in v.blockers],
            "red_flags": [{"question": f.question, "title": f.title, "why": f.why} for f in v.red_flags],
            "senior_engineer": v.senior_engineer,
            "bar": [
                {"id": b.id, "title": b.title, "status": b.status, "items": [m.id for m in b.items], "verify": b.verify}
                for b in v.bar
            ],
        },
        "items": [
            {
                "id": it.id, "title": it.title, "area": it.area, "status": it.status,
                "bar": bool(it.bar), "blocker": it.blocker, "before_launch": it.before_launch,
                "severity": it.severity,
            }
            for it in data.items
        ],
        "findings": [finding_json(f) for f in data.findings],
        "answers": [
            {
                "question": a.question, "item": a.item, "text": a.text, "value": a.raw,
                "unknown": a.unknown, "status": a.status, "note": a.note, "evidence": a.evidence, "at": a.at,
            }
            for a in data.answers
        ],
        "runs": [
            {
                "id": r.id, "started": r.started, "finished": r.finished or None, "probes": r.probes,
                "tiers": r.tiers, "outcome": r.outcome,
                "requests": {q.probe: q.count for q in r.requests}, "tool_version": r.tool_version,
            }
            for r in data.runs
        ],
        "plan": [
            {
                "item": p.item_id, "status": p.status, "before_launch": p.before_launch,
                "timeline": p.timeline, "effort_hours": p.effort_hours, "owner": p.owner or None,
                "summary": p.summary,
            }
            for p in data.plan
        ],
        "handover": {
            h.key: [{"question": e.question, "value": e.value if e.provided else None, "note": e.note} for e in h.entries]
            for h in data.handover
        },
        "retest": (
            {"fixed": data.retest.fixed, "still_failing": data.retest.still_failing, "new": data.retest.new}
            if data.retest else None
        ),
    }
    return doc


def render(data: ReportData) -> str:
    text = json.dumps(report_json(data), indent=2, ensure_ascii=False, default=str) + "\n"
    return scrub(text)
