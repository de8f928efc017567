"""`launch-ready secrets`: the secret scan on its own, for a terminal, CI or a pre-commit hook.

    launch-ready secrets [PATH] [--staged | --since REV] [--log PATH ...] [--rules FILE]
                         [--baseline FILE] [--write-baseline FILE] [--explain] [--format text|json|sarif]

Exit codes: 0 nothing to fix, 1 secrets found (not false positives or accepted risks), 2 bad input.
Every line printed is redacted; the secret values never reach the screen or a file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wizard import __version__
from wizard.errors import UserError
from wizard.redact import scrub

EXIT_FOUND = 1
EXIT_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="launch-ready secrets", description="Scan a repository for secrets (redacted).")
    p.add_argument("path", nargs="?", default=".", type=Path, help="repository or folder (default: .)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--staged", action="store_true", help="only the staged changes (pre-commit hook)")
    mode.add_argument("--since", metavar="REV", help="only history not reachable from REV")
    p.add_argument("--no-history", action="store_true", help="skip git history")
    p.add_argument("--no-tree", action="store_true", help="skip the working tree and built output")
    p.add_argument("--log", dest="logs", action="append", type=Path, default=[], help="a log file or folder (repeatable)")
    p.add_argument("--rules", type=Path, help="gitleaks-style rules file ([extend] useDefault = true keeps ours)")
    p.add_argument("--baseline", type=Path, help="baseline file (default: .launch-ready-baseline.yaml in the repo)")
    p.add_argument("--write-baseline", type=Path, metavar="FILE", help="write current findings as unaudited entries")
    p.add_argument("--explain", action="store_true", help="also show every dropped candidate and why")
    p.add_argument("--min-confidence", choices=["high", "medium", "low"], default="medium")
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    p.add_argument("--out", type=Path, help="write the report here instead of standard output")
    return p


def main(argv: list[str] | None = None) -> int:
    from wizard.secretscan.baseline import load_baseline, write_baseline
    from wizard.secretscan.history import GitError
    from wizard.secretscan.scan import ScanOptions, scan_repo

    args = _parser().parse_args(argv)
    if not args.path.exists():
        print(f"launch-ready: error: {args.path}: no such file or folder", file=sys.stderr)
        return EXIT_INPUT
    options = ScanOptions(
        history=not args.no_history, tree=not args.no_tree, since=args.since, staged=args.staged, paths=args.logs,
        rules=args.rules, baseline=args.baseline, min_confidence=args.min_confidence, explain=args.explain,
    )
    try:
        result = scan_repo(args.path.resolve(), options)
        if args.write_baseline:
            added = write_baseline(args.write_baseline, result.findings, load_baseline(args.baseline, args.path))
            print(f"wrote {args.write_baseline}: {added} new unaudited entries", file=sys.stderr)
    except (GitError, UserError) as err:
        print(f"launch-ready: error: {err}", file=sys.stderr)
        return EXIT_INPUT
    text = {"text": render_text, "json": render_json, "sarif": render_sarif}[args.format](result)
    text = scrub(text)  # belt and braces: every value the scan kept is registered
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    failing = [f for f in result.findings if f.baseline not in ("accepted_risk",)]
    return EXIT_FOUND if failing else 0


def render_text(result) -> str:
    lines = []
    for f in result.findings:
        o = f.first
        where = f"{o.path}:{o.line}:{o.column}" + (f" @ {f.first_commit[:10]} {(f.first_date or '')[:10]}" if f.first_commit else "")
        state = "in code" if f.still_present else "history only" if f.in_history else ",".join(f.sources)
        tag = {"accepted_risk": " [accepted risk]", "unaudited": " [baseline: unaudited]"}.get(f.baseline or "", "")
        lines.append(f"{f.severity.upper():8} {f.rule:30} {where}  ({state}){tag}\n         {o.window}")
    for d in result.dropped:
        lines.append(f"dropped  {d.rule:30} {d.path}:{d.line}  {d.redacted}: {d.reason}")
    stats = result.stats
    summary = (f"{len(result.findings)} secret(s) in {', '.join(result.scanned) or 'nothing'}; {result.rules} rules, "
               f"{stats.files} files, {stats.lines} lines" + (f"; {result.suppressed} baselined" if result.suppressed else ""))
    lines += [summary] + result.notes
    return "\n".join(lines) + "\n"


def render_json(result) -> str:
    doc = {
        "tool": "launch-ready secrets", "version": __version__, "scanned": result.scanned, "notes": result.notes,
        "rules": result.rules, "suppressed": result.suppressed,
        "findings": [f.to_dict() for f in result.findings],
        "dropped": [d.__dict__ for d in result.dropped],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_sarif(result) -> str:
    """SARIF 2.1.0 with one rule per scanner rule that fired, locations carrying path/line/column/commit."""
    fired = {f.rule: f for f in result.findings}
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "launch-ready-secrets", "version": __version__, "informationUri": "https://launch-ready.invalid",
                "rules": [{"id": f"secrets.{rid}", "shortDescription": {"text": f.description},
                           "properties": {"security-severity": _SARIF_SCORE[f.severity]}} for rid, f in fired.items()],
            }},
            "results": [{
                "ruleId": f"secrets.{f.rule}",
                "level": "warning" if f.baseline or f.severity == "low" else "error",
                "message": {"text": f"{f.description}: {f.redacted}"},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": o.path},
                                         "region": {"startLine": o.line, "startColumn": o.column}},
                    **({"properties": {"commit": o.commit, "date": o.date}} if o.commit else {}),
                } for o in f.occurrences],
                "partialFingerprints": {"secretFingerprint/v1": f.fingerprint},
                **({"suppressions": [{"kind": "external", "justification": f.baseline_reason}]}
                   if f.baseline == "accepted_risk" else {}),
            } for f in result.findings],
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_SARIF_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


if __name__ == "__main__":
    sys.exit(main())
