"""One call to scan a repository: history (or a range, or the staged changes), working tree and
built output, extra log paths; deduped, checked against HEAD and the baseline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wizard.secretscan.baseline import Baseline, load_baseline
from wizard.secretscan.engine import Dropped, Scanner, ScanStats
from wizard.secretscan.history import (GitError, RepoState, paths_in_head, repo_state, resolve_revision,
                                       scan_history, scan_staged)
from wizard.secretscan.results import Aggregator, SecretFinding
from wizard.secretscan.rules import load_rules
from wizard.secretscan.tree import scan_paths, scan_tree


@dataclass
class ScanOptions:
    history: bool = True
    tree: bool = True
    since: str | None = None  # only history not reachable from this revision
    staged: bool = False  # only what `git commit` would add now (pre-commit hook)
    paths: list[Path] = field(default_factory=list)  # log files or folders
    rules: Path | None = None  # a gitleaks-style config instead of ours (`[extend] useDefault` merges)
    baseline: Path | None = None
    min_confidence: str = "medium"
    explain: bool = False


@dataclass
class ScanResult:
    findings: list[SecretFinding]
    state: RepoState
    stats: ScanStats
    notes: list[str] = field(default_factory=list)  # what was not scanned and why, in plain words
    scanned: list[str] = field(default_factory=list)  # targets covered: history, tree, ...
    suppressed: int = 0
    dropped: list[Dropped] = field(default_factory=list)
    rules: int = 0
    since: str | None = None


def scan_repo(root: Path, options: ScanOptions | None = None) -> ScanResult:
    """Raises GitError (bad revision) or UserError (bad rules/baseline file) with one plain sentence."""
    opts = options or ScanOptions()
    ruleset = load_rules(opts.rules) if opts.rules else load_rules()
    baseline: Baseline = load_baseline(opts.baseline, root)
    scanner = Scanner(ruleset, min_confidence=opts.min_confidence, explain=opts.explain)
    state = repo_state(root)
    agg = Aggregator()
    result = ScanResult([], state, scanner.stats, rules=len(ruleset))

    if opts.staged:
        if not state.is_repo:
            raise GitError(f"{root} is not a git repository: there are no staged changes to scan")
        for c in scan_staged(root, scanner):
            agg.add(c)
        result.scanned.append("staged changes")
    else:
        if opts.history:
            _history(root, opts, state, scanner, agg, result)
        if opts.tree:
            for c in scan_tree(root, scanner, state.is_repo):
                agg.add(c)
            result.scanned.append("working tree and built output")
    if opts.paths:
        for c in scan_paths(opts.paths, scanner):
            agg.add(c)
        result.scanned.append("log files")

    findings = agg.results()
    if state.is_repo and state.head and not opts.staged:
        _mark_head(root, findings)
    result.findings, result.suppressed = baseline.apply(findings)
    result.dropped = scanner.dropped
    return result


def _history(root: Path, opts: ScanOptions, state: RepoState, scanner: Scanner, agg: Aggregator,
             result: ScanResult) -> None:
    if not state.is_repo:
        result.notes.append("Not a git repository: history was not scanned, only the files on disk.")
        return
    if not state.has_commits:
        result.notes.append("The repository has no commits yet: there is no history to scan.")
        return
    since = resolve_revision(root, opts.since) if opts.since else None
    result.since = since
    for c in scan_history(root, scanner, since):
        agg.add(c)
    result.scanned.append(f"history since {since[:10]}" if since else "full git history")
    if state.shallow:
        result.notes.append("Shallow clone: commits older than the clone depth were not scanned "
                            "(run `git fetch --unshallow` and scan again).")


def _mark_head(root: Path, findings: list[SecretFinding]) -> None:
    wanted: dict[str, list[str]] = {}
    for f in findings:
        for o in f.occurrences:
            if o.source == "history":
                wanted.setdefault(o.path, []).append(f._secret)
    still = paths_in_head(root, wanted)
    for f in findings:
        f.in_head = any(f"{o.path}\x00{f._secret}" in still for o in f.occurrences if o.source == "history")
