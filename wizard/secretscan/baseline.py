"""The baseline: secrets a person has looked at, keyed on the fingerprint (rule + secret hash).

No line numbers and no paths in the key, so editing a file never churns it. Each entry has a
status: `false_positive` (not a secret: dropped), `accepted_risk` (a real secret someone chose to
live with, with a reason: reported as accepted, not failed) or `unaudited` (listed but nobody
decided yet: the finding stays, as a warning instead of a failure). An entry without a reason
counts as unaudited.

```yaml
version: 1
secrets:
  - fingerprint: 0f1e2d3c4b5a6978
    rule: generic-password
    status: false_positive
    reason: "test fixture for the login form, not a real account"
    where: tests/test_login.py   # informational only
```
Also read: a `.gitleaksignore` beside the repo (lines `[commit:]path:rule[:line]`; matched on
path and rule, so moved lines do not resurrect an ignored finding).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from wizard.errors import UserError
from wizard.secretscan.results import SecretFinding

DEFAULT_BASELINE = ".launch-ready-baseline.yaml"
STATUSES = ("false_positive", "accepted_risk", "unaudited")


@dataclass
class Entry:
    fingerprint: str
    rule: str = ""
    status: str = "unaudited"
    reason: str = ""
    where: str = ""

    @property
    def audited(self) -> bool:
        return self.status != "unaudited" and bool(self.reason.strip())


@dataclass
class Baseline:
    entries: dict[str, Entry] = field(default_factory=dict)
    ignore: set[tuple[str, str]] = field(default_factory=set)  # (path, rule) from .gitleaksignore
    path: Path | None = None

    def apply(self, findings: list[SecretFinding]) -> tuple[list[SecretFinding], int]:
        """Mark baselined findings; drop audited false positives. Returns (kept, dropped count)."""
        kept, dropped = [], 0
        for f in findings:
            if any((o.path, f.rule) in self.ignore for o in f.occurrences):
                dropped += 1
                continue
            entry = self.entries.get(f.fingerprint)
            if entry is None:
                kept.append(f)
                continue
            status = entry.status if entry.audited else "unaudited"
            if status == "false_positive":
                dropped += 1
                continue
            f.baseline, f.baseline_reason = status, entry.reason
            kept.append(f)
        return kept, dropped


def load_baseline(path: Path | None, repo: Path | None = None) -> Baseline:
    """The named baseline (must exist), else the repo's default one if present, else an empty one."""
    baseline = Baseline()
    if path is None and repo is not None and (repo / DEFAULT_BASELINE).is_file():
        path = repo / DEFAULT_BASELINE
    if path is not None:
        baseline = _read(path)
    if repo is not None and (repo / ".gitleaksignore").is_file():
        baseline.ignore = _gitleaksignore(repo / ".gitleaksignore")
    return baseline


def _read(path: Path) -> Baseline:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as err:
        raise UserError(f"cannot read the secrets baseline: {err.strerror}", where=str(path)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise UserError(f"the secrets baseline is not valid YAML: {str(err).splitlines()[0]}", where=str(path)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("secrets", []), list):
        raise UserError("the secrets baseline must be a mapping with a `secrets:` list", where=str(path))
    entries: dict[str, Entry] = {}
    for n, raw in enumerate(doc.get("secrets") or [], 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("fingerprint"), str):
            raise UserError(f"entry {n} needs a `fingerprint`", where=str(path))
        status = str(raw.get("status", "unaudited"))
        if status not in STATUSES:
            raise UserError(f"entry {n}: status must be one of {', '.join(STATUSES)}", where=str(path))
        e = Entry(raw["fingerprint"], str(raw.get("rule", "")), status, str(raw.get("reason", "") or ""),
                  str(raw.get("where", "") or ""))
        entries[e.fingerprint] = e
    return Baseline(entries, path=path)


def _gitleaksignore(path: Path) -> set[tuple[str, str]]:
    out = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.strip().split(":")
        if not line.strip() or line.lstrip().startswith("#") or len(parts) < 2:
            continue
        if parts[-1].isdigit():
            parts = parts[:-1]
        out.add((parts[-2], parts[-1]))
    return out


def write_baseline(path: Path, findings: list[SecretFinding], previous: Baseline | None = None) -> int:
    """Write every current finding as an entry; audited entries already there keep their decision."""
    old = previous.entries if previous else {}
    entries = dict(old)
    for f in findings:
        if f.fingerprint not in entries:
            entries[f.fingerprint] = Entry(f.fingerprint, f.rule, "unaudited", "", f.first.path)
    doc = {
        "version": 1,
        "secrets": [
            {"fingerprint": e.fingerprint, "rule": e.rule, "status": e.status, "reason": e.reason, "where": e.where}
            for e in sorted(entries.values(), key=lambda e: (e.where, e.rule, e.fingerprint))
        ],
    }
    header = ("# Launch Ready secrets baseline. Keyed on fingerprints (rule + hash of the secret), never on lines.\n"
              "# status: false_positive | accepted_risk | unaudited; give a reason for every decision.\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return len(entries) - len(old)
