"""Secret scanning: rules as data (a gitleaks-compatible TOML subset), one engine for every source.

Public API (stable; the HTTP-surface probe calls `scan_text` on the JS bundles and source maps it
fetches):

    scan_text(text: str | bytes, label: str, *, source: str = "bundle") -> list[SecretFinding]
        Scan one text (a fetched bundle, a page, a source map). `label` names it in the results
        (e.g. the URL). A source map (JSON with `sourcesContent`) is opened and each original source
        is scanned as `label!<source name>`. Each result is one secret, deduped, redacted:
        `rule`, `description`, `severity` (critical/high/medium/low), `confidence`, `fingerprint`
        (rule + secret hash; the baseline key), `redacted` ("[REDACTED rule abcd… len=40 fp=…]"),
        `prefix` (first 4 characters, or "" for short values), `length`, `first`/`occurrences`
        (path=label, line, column, a short `window` of the line with the secret masked) and
        `to_dict()`. The raw value is never exposed; it is registered with `wizard.redact` so every
        output scrubs it.

    scan_repo(root: Path, options: ScanOptions | None = None) -> ScanResult
        History (`git log -p -U0 --all --full-history`, added lines only; or `since` a revision;
        or the staged changes), the working tree with untracked-but-not-ignored files and built
        output, and extra log paths; deduped by (rule, secret hash) with first commit, author date
        and whether it is still in HEAD; the baseline applied.

    load_rules(path=None) -> RuleSet,  Scanner(ruleset)  for callers who scan many texts.

    wizard.probes.secrets.secret_finding(probe_id, secret_finding) -> Finding
        The redacted `secrets.exposed` Finding (title, detail, evidence windows, fix path: rotate,
        purge history, move to the environment) for one result, so a bundle found by the HTTP
        probe reads exactly like one found in the repository. A bundle hit is client-side, so it
        is critical and fails the "no exposed secrets" bar item.

Command line: `launch-ready secrets [PATH] [--staged | --since REV] [--log PATH] [--rules FILE]
[--baseline FILE] [--write-baseline FILE] [--explain] [--format text|json|sarif]` (wizard/secretscan/cli.py);
`launch-ready scan` takes `--secrets-since REV` and `--staged`, and launch-ready.toml a `[secrets]` table
(rules, baseline, since, staged, paths).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `from typing import ...`: ~10 ms of every start

if TYPE_CHECKING:  # heavy parts load on first use, not at `import wizard.secretscan`
    from wizard.secretscan.results import SecretFinding

__all__ = ["scan_text", "scan_repo", "ScanOptions", "ScanResult", "load_rules", "Scanner", "SecretFinding"]

_default_scanner = None


def scan_text(text: str | bytes, label: str, *, source: str = "bundle", scanner=None) -> list["SecretFinding"]:
    from wizard.secretscan.engine import Scanner
    from wizard.secretscan.results import Aggregator
    from wizard.secretscan.tree import _source_map

    global _default_scanner
    if scanner is None:
        if _default_scanner is None:
            _default_scanner = Scanner()
        scanner = _default_scanner
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    agg = Aggregator()
    parts = _source_map(data) if label.endswith(".map") or data[:1] == b"{" else None
    for name, content in parts if parts is not None else [(None, data)]:
        for c in scanner.scan_bytes(content, f"{label}!{name}" if name else label, source=source):
            agg.add(c)
    return agg.results()


def __getattr__(name: str):
    if name in ("scan_repo", "ScanOptions", "ScanResult"):
        from wizard.secretscan import scan

        return getattr(scan, name)
    if name == "load_rules":
        from wizard.secretscan.rules import load_rules

        return load_rules
    if name == "Scanner":
        from wizard.secretscan.engine import Scanner

        return Scanner
    if name == "SecretFinding":
        from wizard.secretscan.results import SecretFinding

        return SecretFinding
    raise AttributeError(name)
