"""The JSON report: a versioned, documented shape (docs/report-json.md) for CI jobs and other tools.

Bump SCHEMA_VERSION when a key is removed or changes meaning; adding a key is not a breaking change.
Version 2: `retest` lists every compared finding with its outcome and the score trend (version 1 had
three lists of titles); `handover` fields are objects with entries that name their source; `plan`
rows carry steps, the chosen snippet and every snippet.
"""

from __future__ import annotations

import json
import math
from typing import Any

from wizard.redact import scrub
from wizard.report.data import FindingView, PlanRow, ReportData, SnippetView

SCHEMA_VERSION = 2

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
        "retest": f.retest or None,
    }


def _snippet(s: SnippetView | None) -> dict[str, str] | None:
    return {"stack": s.stack, "language": s.language, "code": s.code} if s else None


def _plan(p: PlanRow) -> dict[str, Any]:
    return {
        "number": p.number, "item": p.item_id, "title": p.title, "status": p.status, "blocker": p.blocker,
        "before_launch": p.before_launch, "why_when": p.why_when, "timeline": p.timeline,
        "window_hours": [p.start, p.end] if math.isfinite(p.start) else None,
        "effort_hours": p.effort_hours, "owner": p.owner or None, "summary": p.summary, "steps": p.steps,
        "snippet": _snippet(p.snippet), "snippets": [_snippet(s) for s in p.snippets],
    }


def report_json(data: ReportData) -> dict[str, Any]:
    v = data.verdict
    rt = data.retest
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
                "retest": {"before": it.before, "outcome": it.change} if it.change else None,
            }
            for it in data.items
        ],
        "findings": [finding_json(f) for f in data.findings],
        "answers": [
            {
                "question": a.question, "item": a.item, "text": a.text, "value": a.raw,
                "unknown": a.unknown, "status": a.status, "contradicted_by": a.contradicted_by, "settled_by": a.settled_by, "note": a.note,
                "evidence": a.evidence, "at": a.at,
            }
            for a in data.answers
        ],
        "runs": [
            {
                "id": r.id, "started": r.started, "finished": r.finished or None, "probes": r.probes,
                "tiers": r.tiers, "outcome": r.outcome,
                "requests": {q.probe: q.count for q in r.requests}, "tool_version": r.tool_version,
                "endpoints": r.endpoints,
            }
            for r in data.runs
        ],
        "plan": [_plan(p) for p in data.plan],
        "handover": {
            h.key: {
                "heading": h.heading,
                "provided": h.provided,
                "confirmed": h.confirmed,
                "entries": [
                    {"label": e.label, "value": e.value if e.provided else None, "note": e.note, "source": e.source}
                    for e in h.entries
                ],
            }
            for h in data.handover
        },
        "retest": (
            {
                "since": rt.since or None,
                "score_before": rt.score_before,
                "score_now": rt.score_now,
                "trend": [{"session": p.label, "date": p.date, "status": p.status, "score": p.score, "band": p.band}
                          for p in rt.trend],
                "counts": rt.counts,
                "changes": [
                    {"id": c.id, "title": c.title, "item": c.item, "probe": c.probe, "before": c.before or None,
                     "now": c.now or None, "outcome": c.outcome, "caveat": c.caveat}
                    for c in rt.changes
                ],
            }
            if rt else None
        ),
    }
    return doc


def _finite(value: Any) -> Any:
    """JSON has no Infinity: an open-ended confidence interval becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def render(data: ReportData) -> str:
    doc = _finite(report_json(data))
    text = json.dumps(doc, indent=2, ensure_ascii=False, default=str, allow_nan=False) + "\n"
    return scrub(text)
