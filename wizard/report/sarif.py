"""SARIF 2.1.0 for code scanning: one result per open finding that points at a file in the repo.

Findings about URLs (headers, cookies, latency) have no file to annotate and stay out; so do
passing findings. Messages carry the finding's title and detail, which hold redacted evidence only.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from wizard.redact import scrub
from wizard.report.data import FindingView, ReportData

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVEL = {"fail": "error", "warn": "warning", "unknown": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}


def code_findings(data: ReportData) -> list[FindingView]:
    return [f for f in data.findings if f.location.path and f.status in _LEVEL]


def _rule(f: FindingView, item_titles: dict[str, str]) -> dict[str, Any]:
    return {
        "id": f.rule,
        "name": f.rule.replace(".", "-"),
        "shortDescription": {"text": item_titles.get(f.item or "", f.rule)},
        "fullDescription": {"text": f.title},
        "help": {"text": f.fix or "See the Launch Ready report for the fix path."},
        "properties": {"tags": ["security", "launch-ready"], "security-severity": _SECURITY_SEVERITY[f.severity]},
    }


def _result(f: FindingView, rule_index: int) -> dict[str, Any]:
    region: dict[str, Any] = {}
    if f.location.line:
        region["startLine"] = f.location.line
        if f.location.column:
            region["startColumn"] = f.location.column
    path = f.location.path or ""
    artifact = (
        {"uri": "file://" + quote(path)}  # absolute: a file URI of its own
        if path.startswith("/")
        else {"uri": quote(path.removeprefix("./")), "uriBaseId": "%SRCROOT%"}  # relative to the repo root
    )
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if region:
        physical["region"] = region
    text = f.title if not f.detail else f"{f.title}: {f.detail}"
    properties: dict[str, Any] = {"status": f.status, "severity": f.severity, "item": f.item}
    if f.location.commit:
        properties["commit"] = f.location.commit
    return {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.status],
        "kind": "fail" if f.status != "unknown" else "open",
        "message": {"text": text},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"launchReady/v1": f.id},
        "properties": properties,
    }


def sarif_json(data: ReportData) -> dict[str, Any]:
    findings = code_findings(data)
    item_titles = {it.id: it.title for it in data.items}
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for f in findings:
        if f.rule not in index:
            index[f.rule] = len(rules)
            rules.append(_rule(f, item_titles))
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Launch Ready",
                        "semanticVersion": data.tool_version,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"launch-ready/{data.checklist.id}/"},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.rule]) for f in findings],
                "properties": {
                    "checklist": {"id": data.checklist.id, "version": data.checklist.version},
                    "verdict": data.verdict.headline,
                },
            }
        ],
    }


def render(data: ReportData) -> str:
    return scrub(json.dumps(sarif_json(data), indent=2, ensure_ascii=False) + "\n")
