"""`launch-ready secrets`: the secret scan on its own, for a terminal, CI or a pre-commit hook.

    launch-ready secrets [PATH] [--staged | --since REV] [--no-history] [--no-tree] [--log PATH ...]
                         [--rules FILE] [--baseline FILE] [--write-baseline FILE] [--explain]
                         [--min-confidence high|medium|low] [--format text|json|sarif] [--out FILE]

Exit codes: 0 nothing to fix, 1 secrets found (not false positives or accepted risks), 2 bad input.
Every line printed is redacted; the secret values never reach the screen or a file.

`wizard/cli.py` registers `secrets_command` in the `launch-ready` group, so this module imports only
click at start-up (`launch-ready --help` loads it); the scanner, json and redaction load on use.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wizard import __version__

EXIT_FOUND = 1
EXIT_INPUT = 2
FORMATS = ["text", "json", "sarif"]


@click.command("secrets")
@click.argument("path", required=False, default=Path("."), type=click.Path(path_type=Path))
@click.option("--staged", is_flag=True, help="Only the staged changes (a pre-commit hook). Not with --since.")
@click.option("--since", metavar="REV", help="Only history not reachable from REV (e.g. the last audited commit).")
@click.option("--no-history", is_flag=True, help="Skip the git history.")
@click.option("--no-tree", is_flag=True, help="Skip the working tree and built output.")
@click.option("--log", "logs", multiple=True, type=click.Path(path_type=Path), metavar="PATH",
              help="A log file or folder to scan as well (repeatable).")
@click.option("--rules", type=click.Path(path_type=Path), metavar="FILE",
              help="Gitleaks-style rules file ([extend] useDefault = true keeps ours).")
@click.option("--baseline", type=click.Path(path_type=Path), metavar="FILE",
              help="Baseline file (default: .launch-ready-baseline.yaml in the repo).")
@click.option("--write-baseline", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the current findings to FILE as unaudited entries.")
@click.option("--explain", is_flag=True, help="Also show every dropped candidate and why.")
@click.option("--min-confidence", type=click.Choice(["high", "medium", "low"]), default="medium", show_default=True,
              help="Leave out findings below this confidence.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), metavar="FILE", help="Write the report here instead of standard output.")
def secrets_command(path: Path, staged: bool, since: str | None, no_history: bool, no_tree: bool,
                    logs: tuple[Path, ...], rules: Path | None, baseline: Path | None, write_baseline: Path | None,
                    explain: bool, min_confidence: str, fmt: str, out: Path | None) -> None:
    """Scan a repo, folder or logs for secrets (redacted).

    PATH is the repository or folder to scan (default: the current folder): its working tree, built
    output and whole git history. Every value shown is redacted.

    Exit codes: 0 nothing to fix, 1 secrets found, 2 bad input.
    """
    if staged and since:
        raise click.UsageError("--staged and --since cannot be used together: --staged scans only the staged changes.")
    sys.exit(run_secrets(path, staged=staged, since=since, history=not no_history, tree=not no_tree, logs=list(logs),
                         rules=rules, baseline=baseline, write_baseline=write_baseline, explain=explain,
                         min_confidence=min_confidence, fmt=fmt, out=out))


def run_secrets(path: Path, *, staged: bool = False, since: str | None = None, history: bool = True, tree: bool = True,
                logs: list[Path] | None = None, rules: Path | None = None, baseline: Path | None = None,
                write_baseline: Path | None = None, explain: bool = False, min_confidence: str = "medium",
                fmt: str = "text", out: Path | None = None) -> int:
    """Scan, print or write the redacted report, return the exit code. Errors are one line on stderr."""
    from wizard.errors import UserError
    from wizard.redact import scrub
    from wizard.secretscan.baseline import load_baseline, write_baseline as save_baseline
    from wizard.secretscan.history import GitError
    from wizard.secretscan.scan import ScanOptions, scan_repo
    from wizard.session import atomic_write

    if not path.exists():
        print(f"launch-ready: error: {path}: no such file or folder", file=sys.stderr)
        return EXIT_INPUT
    options = ScanOptions(
        history=history, tree=tree, since=since, staged=staged, paths=logs or [],
        rules=rules, baseline=baseline, min_confidence=min_confidence, explain=explain,
    )
    try:
        result = scan_repo(path.resolve(), options)
        if write_baseline:
            added = save_baseline(write_baseline, result.findings, load_baseline(baseline, path))
            print(f"wrote {write_baseline}: {added} new unaudited entries", file=sys.stderr)
    except (GitError, UserError) as err:
        print(f"launch-ready: error: {err}", file=sys.stderr)
        return EXIT_INPUT
    text = {"text": render_text, "json": render_json, "sarif": render_sarif}[fmt](result)
    text = scrub(text)  # belt and braces: every value the scan kept is registered
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            atomic_write(out, text)
        except OSError as err:  # a folder that cannot be written, a full disk
            print(f"launch-ready: error: {out}: cannot write ({err.strerror or err})", file=sys.stderr)
            return EXIT_INPUT
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
    import json

    doc = {
        "tool": "launch-ready secrets", "version": __version__, "scanned": result.scanned, "notes": result.notes,
        "rules": result.rules, "suppressed": result.suppressed,
        "findings": [f.to_dict() for f in result.findings],
        "dropped": [d.__dict__ for d in result.dropped],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_sarif(result) -> str:
    """SARIF 2.1.0 with one rule per scanner rule that fired, locations carrying path/line/column/commit."""
    import json

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
    secrets_command(prog_name="launch-ready secrets")
