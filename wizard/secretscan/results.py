"""Candidates folded into one result per secret: dedupe by (rule, secret hash), first commit, HEAD.

`SecretFinding` is the public, redacted view (safe to print, save and serialise). The raw value
lives only in a private attribute used for the HEAD check and never leaves this process.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from wizard.redact import redact
from wizard.secretscan.engine import Candidate

MAX_OCCURRENCES = 5
CLIENT_SIDE_HINTS = ("frontend/", "static/", "public/", "client/", "web/", "assets/", "src/components/", "www/")
_CLIENT_EXT = (".js", ".mjs", ".jsx", ".ts", ".tsx", ".vue", ".svelte", ".html", ".map")


@dataclass
class Occurrence:
    path: str
    line: int
    column: int
    source: str  # history | tree | build | staged | log | text
    window: str
    commit: str | None = None
    date: str | None = None


@dataclass
class SecretFinding:
    rule: str
    description: str
    severity: str
    confidence: str
    fingerprint: str
    redacted: str
    prefix: str
    length: int
    first: Occurrence
    occurrences: list[Occurrence] = field(default_factory=list)
    count: int = 1
    sources: list[str] = field(default_factory=list)
    in_head: bool = False  # still in the committed HEAD version of a file where it was added
    in_working_tree: bool = False  # found in the files on disk right now
    first_commit: str | None = None
    first_date: str | None = None
    baseline: str | None = None  # baseline status when the fingerprint is listed
    baseline_reason: str = ""
    _secret: str = field(default="", repr=False, compare=False)
    _timestamp: int = field(default=0, repr=False, compare=False)
    _generic: bool = field(default=False, repr=False, compare=False)

    @property
    def in_history(self) -> bool:
        return "history" in self.sources

    @property
    def client_side(self) -> bool:
        """Shipped to browsers: built output, or frontend source files."""
        if "build" in self.sources or "bundle" in self.sources:
            return True
        paths = [o.path for o in self.occurrences]
        return any(p.lower().endswith(_CLIENT_EXT) and any(h in p for h in CLIENT_SIDE_HINTS) for p in paths)

    @property
    def still_present(self) -> bool:
        return self.in_head or self.in_working_tree

    def to_dict(self) -> dict:
        d = asdict(self)
        for private in ("_secret", "_timestamp", "_generic"):
            d.pop(private, None)
        d.update(in_history=self.in_history, client_side=self.client_side)
        return d


class Aggregator:
    def __init__(self) -> None:
        self._by_fp: dict[str, SecretFinding] = {}

    def add(self, c: Candidate) -> None:
        occ = Occurrence(c.path, c.line, c.column, c.source, c.window, c.commit, c.date)
        fp = c.fingerprint
        f = self._by_fp.get(fp)
        if f is None:
            f = SecretFinding(
                rule=c.rule.id, description=c.rule.description, severity=c.rule.severity, confidence=c.confidence,
                fingerprint=fp, redacted=redact(c.secret, c.rule.id), prefix=c.secret[:4] if len(c.secret) >= 12 else "",
                length=len(c.secret), first=occ, occurrences=[occ], sources=[c.source], _secret=c.secret,
                _generic=c.rule.generic,
            )
            self._by_fp[fp] = f
        else:
            f.count += 1
            if c.source not in f.sources:
                f.sources.append(c.source)
            if len(f.occurrences) < MAX_OCCURRENCES and all((o.path, o.line, o.commit) != (occ.path, occ.line, occ.commit)
                                                            for o in f.occurrences):
                f.occurrences.append(occ)
            if _rank(c.confidence) > _rank(f.confidence):
                f.confidence = c.confidence
        if c.source in ("tree", "build"):
            f.in_working_tree = True
        if c.commit and (f.first_commit is None or c.timestamp <= f._timestamp):
            # git log lists newest first; an equal timestamp seen later is older in the graph
            f.first_commit, f.first_date, f._timestamp, f.first = c.commit, c.date, c.timestamp, occ
            if occ not in f.occurrences:
                if len(f.occurrences) >= MAX_OCCURRENCES:
                    f.occurrences[-1] = occ
                else:
                    f.occurrences.append(occ)

    def results(self) -> list[SecretFinding]:
        """One result per secret: a generic rule's match folds into a provider rule's for the same value."""
        specific: dict[str, SecretFinding] = {}
        for f in self._by_fp.values():
            if not f._generic:
                specific.setdefault(f._secret, f)
        out = []
        for f in self._by_fp.values():
            target = specific.get(f._secret)
            if f._generic and target is not None:
                target.count += f.count
                for s in f.sources:
                    if s not in target.sources:
                        target.sources.append(s)
                target.in_working_tree |= f.in_working_tree
                continue
            out.append(f)
        return sorted(out, key=lambda f: (-_SEVERITY.get(f.severity, 0), f.first.path, f.first.line))

    def __len__(self) -> int:
        return len(self._by_fp)


_SEVERITY = {"critical": 4, "high": 3, "medium": 2, "low": 1}


def _rank(confidence: str) -> int:
    return {"low": 0, "medium": 1, "high": 2}.get(confidence, 0)
