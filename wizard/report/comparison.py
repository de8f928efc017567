"""A retest compared with the audit it started from: per finding and per check, and the score trend.

Per finding (the baseline is the earlier audit's findings, kept in the session as `baseline`):
- fixed: it was open (fail / warn / unknown) and now passes, or it is gone and its probe ran again;
- partially fixed: still open, but less bad (fail -> warn);
- still failing: still open, as bad or worse;
- not rechecked: its probe did not run again, was skipped, or could not decide this time (unknown);
- new: open now, and passing or absent before (a passing check that could not be tested this time is
  "not rechecked", not new).
A finding that is gone counts as fixed only if its probe ran again *and could see the target*: a probe
that now reports the app unreachable, or anything it could not decide (unknown), says nothing about
the findings it no longer reports. Otherwise an app that is down would read as "everything fixed".
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.model import STATUS_RANK, Finding, Status

OPEN = (Status.FAIL, Status.WARN, Status.UNKNOWN)

FIXED = "fixed"
PARTIAL = "partially-fixed"
STILL = "still-failing"
NEW = "new"
NOT_RECHECKED = "not-rechecked"
UNCHANGED = "unchanged"

LABELS = {
    FIXED: "FIXED",
    PARTIAL: "PARTIALLY FIXED",
    STILL: "STILL FAILING",
    NEW: "NEW",
    NOT_RECHECKED: "NOT RECHECKED",
    UNCHANGED: "NO CHANGE",
}
ORDER = (STILL, NEW, PARTIAL, NOT_RECHECKED, FIXED)


@dataclass
class FindingChange:
    id: str
    title: str
    item: str | None
    probe: str
    before: str  # a status value, or "" when the finding is new
    now: str  # a status value, or "" when it is gone
    outcome: str
    label: str
    item_title: str = ""  # filled by the report from the checklist
    caveat: str = ""  # what "fixed" cannot show (a leaked secret gone from the code may still work)


@dataclass
class ItemChange:
    before: str
    outcome: str
    label: str


def finding_changes(baseline: dict[str, Finding], now: dict[str, Finding], rerun: set[str]) -> list[FindingChange]:
    """Every baseline finding that was open, and every finding open now that was not open before."""
    out: list[FindingChange] = []
    blind = blind_probes(now)
    for fid, old in baseline.items():
        if old.status not in OPEN:
            continue
        cur = now.get(fid)
        if cur is None:
            outcome = FIXED if old.probe in rerun and old.probe not in blind else NOT_RECHECKED
        elif cur.status in (Status.PASS, Status.NA):
            outcome = FIXED
        elif cur.status is Status.SKIPPED or (cur.status is Status.UNKNOWN and old.status is not Status.UNKNOWN):
            outcome = NOT_RECHECKED
        elif STATUS_RANK[cur.status] < STATUS_RANK[old.status]:
            outcome = PARTIAL
        else:
            outcome = STILL
        # A fixed finding keeps the problem's title ("... is open without logging in"), not today's
        # passing one ("... refused with 401"); one still open shows today's wording and numbers.
        title = cur.title if cur is not None and cur.status in OPEN else old.title
        change = FindingChange(fid, title, old.item, old.probe, old.status.value,
                               cur.status.value if cur else "", outcome, LABELS[outcome])
        if outcome == FIXED and old.rule.startswith("secrets."):
            # the scan sees the code, not the provider: a leaked value stays valid until someone revokes it
            change.caveat = "Confirm the old value was revoked: a leaked secret works until then."
        out.append(change)
    for fid, cur in now.items():
        old = baseline.get(fid)
        if cur.status in OPEN and (old is None or old.status not in OPEN):
            outcome = NOT_RECHECKED if old is not None and cur.status is Status.UNKNOWN else NEW
            out.append(FindingChange(fid, cur.title, cur.item, cur.probe, old.status.value if old else "",
                                     cur.status.value, outcome, LABELS[outcome]))
    rank = {o: i for i, o in enumerate(ORDER)}
    return sorted(out, key=lambda c: (rank[c.outcome], c.item or "", c.title))


def blind_probes(now: dict[str, Finding]) -> set[str]:
    """Probes whose latest run could not see everything: the target unreachable, or something unknown."""
    return {
        f.probe for f in now.values()
        if f.status is Status.UNKNOWN or (f.status is Status.FAIL and f.rule.endswith(".reachable"))
    }


def item_change(before: str | None, now: Status, changes: list[FindingChange]) -> ItemChange | None:
    """A check's status then and now. `changes` are this item's finding changes."""
    if not before:
        return None
    try:
        was = Status(before)
    except ValueError:
        return None
    if was not in OPEN:
        outcome = NEW if now in OPEN else UNCHANGED
    elif now is Status.SKIPPED:
        outcome = NOT_RECHECKED
    elif now not in OPEN:
        outcome = FIXED
    elif STATUS_RANK[now] < STATUS_RANK[was] or any(c.outcome in (FIXED, PARTIAL) for c in changes):
        outcome = PARTIAL
    elif now is Status.UNKNOWN and was is not Status.UNKNOWN:
        outcome = NOT_RECHECKED
    else:
        outcome = STILL
    return ItemChange(was.value, outcome, LABELS[outcome])


__all__ = ["FIXED", "LABELS", "NEW", "NOT_RECHECKED", "PARTIAL", "STILL", "UNCHANGED",
           "FindingChange", "ItemChange", "blind_probes", "finding_changes", "item_change"]
