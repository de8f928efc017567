"""From findings and answers to item statuses, the launch bar, the verdict and the score.

Rules (DESIGN.md, from the seed):
- an item's status is the worst of its findings and answers; with no evidence it is `unknown`;
- READY only when every launch-bar entry passes (warn passes, with a caveat);
- a failing bar entry, or a failing item that must be fixed before launch, is a blocker;
- an `unknown` bar entry makes the verdict NOT READY (unverified), with how to verify it;
- red flags at or over the checklist's threshold add the senior-engineer recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.answers import evaluate
from wizard.checklist.schema import BarEntry, Checklist, Item, Question
from wizard.model import STATUS_RANK, Answer, Finding, Status, worst

READY = "READY"
NOT_READY = "NOT READY"

_POINTS = {Status.PASS: 1.0, Status.WARN: 0.6, Status.FAIL: 0.0, Status.UNKNOWN: 0.0, Status.SKIPPED: 0.0}
_OPEN = (Status.FAIL, Status.UNKNOWN, Status.SKIPPED)


@dataclass
class ItemResult:
    item: Item
    status: Status
    findings: list[Finding] = field(default_factory=list)
    answers: list[tuple[Question, Answer, Status | None]] = field(default_factory=list)
    unanswered: list[Question] = field(default_factory=list)
    override: str | None = None
    bar: list[str] = field(default_factory=list)

    @property
    def blocker(self) -> bool:
        return self.status is Status.FAIL and (bool(self.bar) or self.item.fix.before_launch)


@dataclass
class BarResult:
    entry: BarEntry
    status: Status
    items: list[ItemResult]


@dataclass
class RedFlag:
    question: str
    title: str
    why: str


@dataclass
class Verdict:
    status: str
    unverified: bool
    reason: str
    score: int
    band: str
    items: list[ItemResult]
    bar: list[BarResult]
    blockers: list[ItemResult]
    red_flags: list[RedFlag]
    senior_engineer: bool
    to_verify: list[BarResult]

    @property
    def headline(self) -> str:
        return f"{self.status}: {self.reason}"

    def item(self, item_id: str) -> ItemResult:
        return next(r for r in self.items if r.item.id == item_id)


def item_result(
    item: Item,
    findings: list[Finding],
    answers: dict[str, Answer],
    override: str | None = None,
    bar: list[str] | None = None,
) -> ItemResult:
    result = ItemResult(item=item, status=Status.UNKNOWN, override=override, bar=bar or [])
    result.findings = sorted(
        (f for f in findings if f.item == item.id), key=lambda f: -STATUS_RANK[f.status]
    )
    evidence: list[Status] = [f.status for f in result.findings]
    for q in item.questions:
        ans = answers.get(f"{item.id}.{q.id}")
        if ans is None:
            if not q.informational:
                result.unanswered.append(q)
            continue
        st = evaluate(q, ans)
        result.answers.append((q, ans, st))
        if st is not None:
            evidence.append(st)

    if override in (Status.NA.value, Status.SKIPPED.value):
        result.status = Status(override)
        return result
    decisive = [s for s in evidence if s not in (Status.NA, Status.SKIPPED)]
    if decisive:
        result.status = worst(decisive)  # type: ignore[assignment]
    elif evidence and all(s is Status.NA for s in evidence):
        result.status = Status.NA
    else:
        result.status = Status.UNKNOWN  # nothing verified it: never silently a pass
    return result


def compute_verdict(
    checklist: Checklist,
    findings: list[Finding],
    answers: list[Answer],
    overrides: dict[str, str] | None = None,
) -> Verdict:
    overrides = overrides or {}
    by_question = {a.question: a for a in answers}
    items = [
        item_result(
            it, findings, by_question, overrides.get(it.id), [b.id for b in checklist.bar_for_item(it.id)]
        )
        for it in checklist.items
    ]
    by_id = {r.item.id: r for r in items}

    bar: list[BarResult] = []
    for entry in checklist.bar:
        members = [by_id[i] for i in entry.items]
        statuses = [m.status for m in members if m.status is not Status.NA]
        # A skipped bar item was not verified: the bar treats it as unknown.
        statuses = [Status.UNKNOWN if s is Status.SKIPPED else s for s in statuses]
        bar.append(BarResult(entry, worst(statuses) or Status.NA, members))

    blockers = [r for r in items if r.blocker]
    to_verify = [b for b in bar if b.status is Status.UNKNOWN]
    red_flags = [
        RedFlag(f"{r.item.id}.{q.id}", q.red_flag_title or q.text, q.help)
        for r in items
        for q, _, st in r.answers
        if q.red_flag and st in (Status.FAIL, Status.WARN)
    ]
    senior = len(red_flags) >= checklist.settings.red_flag_threshold

    failing_bar = [b for b in bar if b.status is Status.FAIL]
    if failing_bar or blockers:
        n = len(blockers)
        reason = f"{n} launch blocker{'s' if n != 1 else ''}"
        if to_verify:
            reason += f", {len(to_verify)} bar item{'s' if len(to_verify) != 1 else ''} unverified"
        status, unverified = NOT_READY, False
    elif to_verify:
        status, unverified = NOT_READY, True
        n = len(to_verify)
        reason = f"unverified: {to_verify[0].entry.title}" if n == 1 else f"unverified: {n} launch-bar items not yet verified"
    else:
        status, unverified = READY, False
        warns = [r for r in items if r.status is Status.WARN]
        reason = "every launch-bar item passes"
        if warns:
            reason += f"; {len(warns)} warning{'s' if len(warns) != 1 else ''} to fix after launch"

    score = readiness_score(items)
    return Verdict(
        status=status,
        unverified=unverified,
        reason=reason,
        score=score,
        band=checklist.band(score),
        items=items,
        bar=bar,
        blockers=blockers,
        red_flags=red_flags,
        senior_engineer=senior,
        to_verify=to_verify,
    )


def readiness_score(items: list[ItemResult]) -> int:
    """0-100, weighted: bar items count 3, fix-before-launch items 2, the rest 1; n/a is left out."""
    total = earned = 0.0
    for r in items:
        if r.status is Status.NA:
            continue
        weight = 3.0 if r.bar else 2.0 if r.item.fix.before_launch else 1.0
        total += weight
        earned += weight * _POINTS[r.status]
    score = round(100 * earned / total) if total else 0
    if any(r.blocker for r in items):
        score = min(score, 69)  # a blocker keeps the score out of the "ready" bands
    return score
