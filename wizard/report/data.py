"""The report's one view-model: plain data that every format renders from.

No Jinja, no HTML and no Markdown here: only the facts, in the order a stakeholder reads them.
Every string is scrubbed once more when the model is built, *before* any writer escapes it, because
escaping (`&` -> `&amp;`, `_` -> `\\_`) would hide a registered secret from the final scrub.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wizard import __version__
from wizard.answers import evaluate
from wizard.checklist.schema import Checklist, Item, Question
from wizard.config import Branding
from wizard.model import SEVERITY_RANK, STATUS_RANK, TIER_RANK, Finding, Severity, Status
from wizard.paths import templates_dir
from wizard.redact import scrub
from wizard.report.comparison import FindingChange, finding_changes, item_change
from wizard.report.figures import LatencySeries, MatrixView, latency_series, matrix_view
from wizard.snippets import pick_snippet
from wizard.report.handover import HANDOVER_FIELDS, NOT_PROVIDED, HandoverEntry, HandoverField, build_handover
from wizard.session import AuditSession
from wizard.verdict import READY, ItemResult, Verdict

SELF_ASSESSMENT = "self-assessment"
DONT_KNOW = "don't know"

_OPEN = (Status.FAIL, Status.WARN, Status.UNKNOWN)
_MAX_EVIDENCE_CHARS = 4000  # one minified line must not turn into fifty pages
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_WINDOW = re.compile(r"(\d+)\s*-\s*(\d+)")
_LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_MAX_LOGO_BYTES = 512 * 1024


# -- the view-model ----------------------------------------------------------------------------
@dataclass
class Cover:
    title: str
    app_url: str
    scope: list[str]
    environment: str
    repo: str
    domain: str
    date: str
    prepared_by: str  # the assessor, or "self-assessment"
    self_assessed: bool
    organisation: str
    client: str
    contact: str
    session_name: str
    created: str
    updated: str


@dataclass
class Look:
    accent: str
    tint: str  # a pale version of the accent, for backgrounds
    footer: str
    logo: str  # a data: URI, so no format needs a file beside it


@dataclass
class ItemRef:
    id: str
    title: str
    status: str
    label: str


@dataclass
class BarLine:
    id: str
    title: str
    status: str
    label: str
    passed: bool
    verify: str  # only when the entry could not be verified
    items: list[ItemRef]


@dataclass
class RedFlagView:
    question: str
    title: str
    why: str
    item_title: str
    answer: str
    note: str


@dataclass
class BandView:
    low: int
    high: int
    band: str


@dataclass
class VerdictView:
    status: str  # READY / NOT READY
    unverified: bool
    reason: str
    headline: str  # "NOT READY: 3 launch blockers"
    tone: str  # ready / not-ready / unverified (a css class)
    score: int
    band: str
    bands: list[BandView]
    bar: list[BarLine]
    blockers: list[ItemRef]
    red_flags: list[RedFlagView]
    red_flag_threshold: int
    senior_engineer: bool
    senior_advice: str
    to_verify: list[str]


@dataclass
class ItemRow:
    id: str
    title: str
    area: str
    status: str
    label: str
    severity: str
    pass_criteria: str
    why: str
    breaks: str
    bar: list[str]  # titles of the launch-bar entries this item belongs to
    blocker: bool
    before_launch: bool
    scorecard: bool
    override_note: str
    references: list[str]
    before: str = ""  # retest: the status in the audit this one was retested from
    change: str = ""  # retest: fixed / partially-fixed / still-failing / new / not-rechecked / unchanged
    change_label: str = ""


@dataclass
class LocationView:
    text: str  # Location.describe()
    url: str | None
    method: str | None
    path: str | None
    line: int | None
    column: int | None
    commit: str | None


@dataclass
class FindingView:
    id: str
    item: str | None
    item_title: str
    probe: str
    rule: str
    status: str
    label: str
    severity: str
    title: str
    detail: str
    location: LocationView
    evidence: list[str]
    fix: str
    references: list[str]
    data: dict[str, Any]
    at: str
    retest: str = ""  # the retest outcome, when this report is a retest
    retest_label: str = ""


@dataclass
class SnippetView:
    stack: str
    language: str
    code: str


@dataclass
class PlanRow:
    number: int
    item_id: str
    title: str
    status: str
    label: str
    blocker: bool
    summary: str
    steps: list[str]
    snippet: SnippetView | None  # the one for the app's stack (or the generic one)
    snippets: list[SnippetView]  # every stack, for the HTML report
    other_stacks: list[str]
    effort_hours: float
    timeline: str
    start: float
    end: float
    before_launch: bool
    when: str  # "Before launch" / "After launch"
    why_when: str
    owner: str
    rule: str = ""  # why_when in two words, for the PDF's plan table: launch bar / risk area / polish


@dataclass
class TimelineRow:
    window: str
    start: float
    end: float
    items: list[str]
    effort_hours: float
    before_launch: bool


@dataclass
class AnswerView:
    question: str  # "<item>.<question>"
    item: str
    item_title: str
    text: str
    value: str  # the answer as shown, "don't know" when unknown
    raw: Any  # the stored value, for JSON
    unknown: bool
    status: str  # pass / fail / ... or "info" when it does not change the status
    label: str
    note: str
    evidence: str
    at: str
    next_step: str = ""  # what to do to find out, for a "don't know"
    contradicted_by: list[str] = field(default_factory=list)  # failing findings that disprove a passing answer
    settled_by: list[str] = field(default_factory=list)  # failing findings that answer a "don't know"


@dataclass
class FindingGroup:
    """One checklist item in the findings chapter: the evidence, what people said, and the fix."""

    item_id: str
    item_title: str
    area: str
    status: str
    label: str
    severity: str
    blocker: bool
    bar: list[str]
    why: str
    breaks: str
    open: list[FindingView]  # fail / warn / unknown, shown in full
    passing: list[FindingView]  # everything else, one line each
    answers: list[AnswerView]  # answers that fail, warn or say "don't know"
    manual_check: list[str]  # how to check it by hand, when nothing verified it
    verify: list[str]  # the launch bar's "to verify" advice, when unverified
    fix: PlanRow | None
    common_fix: str  # the fix sentence its open findings share (shown once), or ""
    references: list[str]
    latency: list[LatencySeries]
    matrices: list[MatrixView]
    distinct_fixes: list[tuple[str, int]] = field(default_factory=list)  # (fix, how many open findings it fixes)


@dataclass
class PassingItem:
    id: str
    title: str
    status: str
    label: str
    findings: int
    answers: int
    # the pictures behind the pass (timings, the role grid), when no findings group draws them
    latency: list[LatencySeries] = field(default_factory=list)
    matrices: list[MatrixView] = field(default_factory=list)

    @property
    def item_id(self) -> str:  # the name a FindingGroup uses, so both draw through one loop
        return self.id


@dataclass
class Unanswered:
    question: str
    text: str


@dataclass
class RequestCount:
    probe: str
    count: int


@dataclass
class RunView:
    id: int
    started: str
    finished: str
    probes: list[str]
    tiers: list[str]
    outcome: str
    requests: list[RequestCount]
    total_requests: int
    tool_version: str
    endpoints: list[str]


@dataclass
class TrendPoint:
    label: str  # the session name
    date: str
    status: str
    score: int
    band: str


@dataclass
class RetestView:
    since: str  # the date of the audit retested
    score_before: int
    score_now: int
    trend: list[TrendPoint]  # oldest first, this audit last
    changes: list[FindingChange]
    counts: dict[str, int]  # outcome -> number of findings


@dataclass
class ChecklistInfo:
    id: str
    title: str
    version: str
    description: str


@dataclass
class ReportData:
    generated: str
    tool_version: str
    checklist: ChecklistInfo
    target: dict[str, Any]
    stack: str  # the stack whose fix snippets the PDF shows ("" = none named)
    p95_ms: float  # the latency bar, for the latency picture
    cover: Cover
    look: Look
    verdict: VerdictView
    items: list[ItemRow]
    finding_groups: list[FindingGroup]
    passing_items: list[PassingItem]
    findings: list[FindingView]
    plan: list[PlanRow]
    timeline: list[TimelineRow]
    effort_before_launch: float
    effort_after_launch: float
    handover: list[HandoverField]
    answers: list[AnswerView]
    unanswered: list[Unanswered]
    runs: list[RunView]
    last_run: RunView | None
    probes_not_run: list[str]
    limitations: list[str]
    retest: RetestView | None
    counts: dict[str, int] = field(default_factory=dict)  # finding status -> number


# -- building it -------------------------------------------------------------------------------
def build_report_data(
    checklist: Checklist, session: AuditSession, verdict: Verdict, branding: Branding | None = None
) -> ReportData:
    branding = branding or _session_branding(session)
    target = _target(session)
    stack = report_stack(session)
    now = datetime.now(timezone.utc)
    results = {r.item.id: r for r in verdict.items}
    runs = [_run(r) for r in session.data.runs]
    overrides = session.data.overrides

    changes = _changes(session, checklist)
    by_finding = {c.id: c for c in changes}
    findings = [_finding(f, checklist, by_finding.get(f.id)) for f in _ordered_findings(session.findings, results)]
    plan = _plan(verdict, stack)
    answers, unanswered = _answers(checklist, session)
    _mark_contradicted(answers, checklist, session)
    items = [_item_row(r, checklist, overrides.get(r.item.id), session, changes) for r in verdict.items]
    groups, passing_items = _groups(verdict, findings, answers, plan)

    data = ReportData(
        generated=now.isoformat(timespec="seconds"),
        tool_version=session.data.tool_version or __version__,
        checklist=ChecklistInfo(checklist.id, checklist.title, checklist.version, checklist.description),
        target=target,
        stack=stack,
        p95_ms=checklist.settings.p95_ms,
        cover=_cover(checklist, session, target, branding, now),
        look=_look(branding, checklist),
        verdict=_verdict(verdict, session, checklist),
        items=items,
        finding_groups=groups,
        passing_items=passing_items,
        findings=findings,
        plan=plan,
        timeline=_timeline(plan),
        effort_before_launch=sum(p.effort_hours for p in plan if p.before_launch),
        effort_after_launch=sum(p.effort_hours for p in plan if not p.before_launch),
        handover=build_handover(checklist, session, target, findings, plan, _value),
        answers=answers,
        unanswered=unanswered,
        runs=runs,
        last_run=runs[-1] if runs else None,
        probes_not_run=_probes_not_run(runs),
        limitations=_limitations(verdict, runs, target, findings),
        retest=_retest(session, verdict, changes, now),
        counts=_counts(findings),
    )
    step = {p.item_id: p.number for p in plan}  # blockers in the order the plan fixes them
    data.verdict.blockers.sort(key=lambda b: step.get(b.id, len(step) + 1))
    return scrub_tree(data)


def scrub_tree(value: Any) -> Any:
    """A copy of the view-model with every string passed through the shared redaction."""
    if isinstance(value, str):
        return scrub(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: scrub_tree(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        )
    if isinstance(value, list):
        return [scrub_tree(v) for v in value]
    if isinstance(value, tuple):
        return tuple(scrub_tree(v) for v in value)
    if isinstance(value, dict):
        return {scrub_tree(k): scrub_tree(v) for k, v in value.items()}
    return value


def report_stack(session: AuditSession) -> str:
    """The stack whose fix snippets the PDF shows: the one the config names, else the one the repository
    showed in the latest run that read it (the wizard shows the same), else "" (none known: one snippet
    per fix, naming the stacks the HTML report also covers)."""
    from wizard.session import detected_stack

    raw = session.data.target or {}
    target = raw.get("target") if isinstance(raw.get("target"), dict) else raw
    stack = target.get("stack")
    return stack.strip().lower() if isinstance(stack, str) and stack.strip() else detected_stack(session.data)


def _ref(r: ItemResult) -> ItemRef:
    return ItemRef(r.item.id, r.item.title, r.status.value, r.status.label)


def _target(session: AuditSession) -> dict[str, Any]:
    # The session stores Config.public_dict(): {"target": {...}, "roles": ..., ...}; tests may store
    # the target section alone.
    raw = session.data.target or {}
    target = raw.get("target") if isinstance(raw.get("target"), dict) else raw
    return {k: v for k, v in target.items() if k not in ("branding",)}


def _session_branding(session: AuditSession) -> Branding:
    """Branding saved in the session's config. Its logo path is ignored: a session file may come from
    someone else, and must not make the report read an arbitrary local file."""
    raw = (session.data.target or {}).get("branding")
    if isinstance(raw, dict):
        try:
            return Branding.model_validate({**raw, "logo": None})
        except ValueError:
            pass
    return Branding()


def _accent(colour: str) -> str:
    # The colour lands inside a <style> block: only a plain hex colour may get there.
    return colour if _HEX_COLOUR.match(colour or "") else Branding().accent


def _tint(colour: str, keep: float = 0.1) -> str:
    """The colour mixed with white (keep 10%): a background that still prints light in greyscale."""
    hexes = colour.lstrip("#")
    if len(hexes) == 3:
        hexes = "".join(c * 2 for c in hexes)
    rgb = [int(hexes[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(255 - (255 - c) * keep):02x}" for c in rgb)


def _look(branding: Branding, checklist: Checklist) -> Look:
    accent = _accent(branding.accent)
    return Look(
        accent=accent,
        tint=_tint(accent),
        footer=branding.footer or f"{branding.organisation or 'Launch Ready'} · {checklist.title}",
        logo=_logo(branding.logo),
    )


def _logo(path: str | None) -> str:
    """The consultant's logo, or the bundled one, as a data: URI (read here, never fetched by a renderer)."""
    candidates = [Path(path).expanduser()] if path else []
    candidates.append(templates_dir() / "assets" / "logo.svg")
    for p in candidates:
        mime = _LOGO_TYPES.get(p.suffix.lower())
        try:
            if mime and p.is_file() and p.stat().st_size <= _MAX_LOGO_BYTES:
                return f"data:{mime};base64,{base64.b64encode(p.read_bytes()).decode()}"
        except OSError:
            continue
    return ""


def _cover(checklist: Checklist, session: AuditSession, target: dict, branding: Branding, now: datetime) -> Cover:
    return Cover(
        title=checklist.title,
        app_url=str(target.get("url") or "not configured"),
        scope=[str(h) for h in target.get("scope") or []],
        environment=str(target.get("environment") or "not stated"),
        repo=str(target.get("repo") or ""),
        domain=str(target.get("domain") or ""),
        date=now.strftime("%Y-%m-%d"),
        prepared_by=branding.assessor or SELF_ASSESSMENT,
        self_assessed=not branding.assessor,
        organisation=branding.organisation,
        client=branding.client,
        contact=branding.contact,
        session_name=session.data.name,
        created=session.data.created,
        updated=session.data.updated,
    )


def _headline(verdict: Verdict) -> str:
    if verdict.unverified:
        return f"{verdict.status} (unverified): {verdict.reason.removeprefix('unverified: ')}"
    return f"{verdict.status}: {verdict.reason}"


def _bands(checklist: Checklist) -> list[BandView]:
    ordered = sorted(checklist.score_bands, key=lambda b: b.min)
    out = []
    for i, b in enumerate(ordered):
        high = ordered[i + 1].min if i + 1 < len(ordered) else 101
        out.append(BandView(b.min, high - 1, b.band))
    return out


def _verdict(verdict: Verdict, session: AuditSession, checklist: Checklist) -> VerdictView:
    answers = session.data.answers
    flags = []
    for rf in verdict.red_flags:
        ans = answers.get(rf.question)
        item_id = rf.question.partition(".")[0]
        item_title = next((r.item.title for r in verdict.items if r.item.id == item_id), item_id)
        flags.append(RedFlagView(rf.question, rf.title, rf.why, item_title, _value(ans.value) if ans else "", ans.note if ans else ""))
    n = len(flags)
    advice = ""
    if verdict.senior_engineer:
        advice = (
            f"{n} red flags were raised. At this point, stop do-it-yourself fixes and bring in a senior "
            "engineer: one bad permission bug usually costs more than doing the launch properly."
        )
    tone = "ready" if verdict.status == READY else "unverified" if verdict.unverified else "not-ready"
    return VerdictView(
        status=verdict.status,
        unverified=verdict.unverified,
        reason=verdict.reason,
        headline=_headline(verdict),
        tone=tone,
        score=verdict.score,
        band=verdict.band,
        bands=_bands(checklist),
        bar=[
            BarLine(
                b.entry.id, b.entry.title, b.status.value, b.status.label,
                b.status in (Status.PASS, Status.WARN, Status.NA),
                b.entry.verify if b.status is Status.UNKNOWN else "", [_ref(m) for m in b.items],
            )
            for b in verdict.bar
        ],
        blockers=[_ref(r) for r in verdict.blockers],
        red_flags=flags,
        red_flag_threshold=checklist.settings.red_flag_threshold,
        senior_engineer=verdict.senior_engineer,
        senior_advice=advice,
        to_verify=[b.entry.title for b in verdict.to_verify],
    )


def _item_row(r: ItemResult, checklist: Checklist, override, session: AuditSession,
              changes: list[FindingChange]) -> ItemRow:
    bar_titles = [b.title for b in checklist.bar_for_item(r.item.id)]
    severity = (override.severity if override and override.severity else r.item.severity.value)
    row = ItemRow(
        id=r.item.id,
        title=r.item.title,
        area=r.item.area,
        status=r.status.value,
        label=r.status.label,
        severity=severity,
        pass_criteria=r.item.pass_criteria,
        why=r.item.why,
        breaks=r.item.breaks,
        bar=bar_titles,
        blocker=r.blocker,
        before_launch=r.item.fix.before_launch,
        scorecard=r.item.scorecard,
        override_note=override.note if override else "",
        references=list(r.item.references),
    )
    if session.data.history:
        before = session.data.history[-1].items.get(r.item.id, "")
        change = item_change(before, r.status, [c for c in changes if c.item == r.item.id])
        if change:
            row.before, row.change, row.change_label = change.before, change.outcome, change.label
    return row


def _ordered_findings(findings: list[Finding], results: dict[str, ItemResult]) -> list[Finding]:
    order = {item_id: pos for pos, item_id in enumerate(results)}
    return sorted(
        findings,
        key=lambda f: (
            order.get(f.item or "", len(order)),
            -STATUS_RANK[f.status],
            -SEVERITY_RANK[f.severity],
            _reach(f),
            f.title,
        ),
    )


def _reach(f: Finding) -> tuple[int, int]:
    """Among equally severe findings, the most exposed and surest first: a secret the browser downloads,
    then one in the current code, then one only in history; high confidence before medium and low.
    (Other findings carry none of these keys and keep their order.)"""
    d = f.data
    where = 0 if d.get("client_side") else 1 if d.get("in_head") or d.get("in_working_tree") else 2 if "in_history" in d else 0
    return where, {"high": 0, "medium": 1, "low": 2}.get(str(d.get("confidence", "high")), 0)


def _evidence_line(line: str) -> str:
    if len(line) <= _MAX_EVIDENCE_CHARS:
        return line
    return f"{line[:_MAX_EVIDENCE_CHARS]}… ({len(line) - _MAX_EVIDENCE_CHARS} more characters)"


def _finding(f: Finding, checklist: Checklist, change: FindingChange | None) -> FindingView:
    try:
        item_title = checklist.item(f.item).title if f.item else "Not mapped to a checklist item"
    except KeyError:
        item_title = f.item or ""
    loc = f.location
    return FindingView(
        id=f.id,
        item=f.item,
        item_title=item_title,
        probe=f.probe,
        rule=f.rule,
        status=f.status.value,
        label=f.status.label,
        severity=f.severity.value,
        title=f.title,
        detail=f.detail,
        location=LocationView(loc.describe(), loc.url, loc.method, loc.path, loc.line, loc.column, loc.commit),
        evidence=[_evidence_line(e) for e in f.evidence],
        fix=f.fix,
        references=list(f.references),
        data=dict(f.data),
        at=f.at,
        retest=change.outcome if change else "",
        retest_label=change.label if change else "",
    )


def _groups(verdict: Verdict, findings: list[FindingView], answers: list[AnswerView],
            plan: list[PlanRow]) -> tuple[list[FindingGroup], list[PassingItem]]:
    """One group per open item (fail, unknown, warn; blockers first) with its findings, the answers that
    count against it and its fix; a group for findings no item claims; passing items in one short list."""
    by_item: dict[str, list[FindingView]] = {}
    for f in findings:
        by_item.setdefault(f.item or "", []).append(f)
    answers_by_item: dict[str, list[AnswerView]] = {}
    for a in answers:
        answers_by_item.setdefault(a.item, []).append(a)
    fixes = {p.item_id: p for p in plan}
    verify = {}
    for b in verdict.bar:
        if b.status is Status.UNKNOWN:
            for m in b.items:
                verify.setdefault(m.item.id, []).append(b.entry.verify)

    groups: list[FindingGroup] = []
    passing: list[PassingItem] = []
    for r in verdict.items:
        members = by_item.pop(r.item.id, [])
        item_answers = answers_by_item.get(r.item.id, [])
        if r.status not in _OPEN:
            row = PassingItem(r.item.id, r.item.title, r.status.value, r.status.label, len(members), len(item_answers))
            passing.append(row)
            # a passing item may still carry a warning or unknown finding: keep it visible
            if not any(Status(m.status) in _OPEN for m in members):
                row.latency, row.matrices = _figures(members)
                continue
        opened = [m for m in members if Status(m.status) in _OPEN]
        distinct = _distinct_fixes(opened)
        latency, matrices = _figures(members)
        groups.append(FindingGroup(
            item_id=r.item.id,
            item_title=r.item.title,
            area=r.item.area,
            status=r.status.value,
            label=r.status.label,
            severity=r.item.severity.value,
            blocker=r.blocker,
            bar=list(r.bar),
            why=r.item.why,
            breaks=r.item.breaks,
            open=opened,
            passing=[m for m in members if Status(m.status) not in _OPEN],
            answers=[a for a in item_answers if a.status in ("fail", "warn") or a.unknown or a.contradicted_by],
            manual_check=list(r.item.manual_check) if r.status is Status.UNKNOWN else [],
            verify=verify.get(r.item.id, []),
            fix=fixes.get(r.item.id),
            common_fix=_common_fix(distinct, len(opened)),
            distinct_fixes=distinct,
            references=list(dict.fromkeys([*r.item.references, *(ref for m in opened for ref in m.references)])),
            latency=latency,
            matrices=matrices,
        ))
    stray = [f for fs in by_item.values() for f in fs]
    if stray:
        worst = max((Status(f.status) for f in stray), key=STATUS_RANK.__getitem__)
        groups.append(FindingGroup(
            item_id="", item_title="Not mapped to a checklist item", area="", status=worst.value,
            label=worst.label, severity=max((f.severity for f in stray), key=lambda s: SEVERITY_RANK[Severity(s)]),
            blocker=False, bar=[], why="", breaks="",
            open=[f for f in stray if Status(f.status) in _OPEN],
            passing=[f for f in stray if Status(f.status) not in _OPEN], answers=[], manual_check=[], verify=[],
            fix=None, common_fix="", references=[], latency=[], matrices=[],
        ))
    rank = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.WARN: 2}
    order = {g.item_id: i for i, g in enumerate(groups)}
    groups.sort(key=lambda g: (not g.blocker, rank.get(Status(g.status), 3), order[g.item_id]))
    return groups, passing


def _distinct_fixes(findings: list[FindingView]) -> list[tuple[str, int]]:
    """Each different fix sentence once, in order of first use, with how many findings it fixes: the PDF
    prints these under the findings instead of the same recipe under each of them."""
    counts: dict[str, int] = {}
    for f in findings:
        if f.fix:
            counts[f.fix] = counts.get(f.fix, 0) + 1
    return list(counts.items())


def _common_fix(fixes: list[tuple[str, int]], count: int) -> str:
    """The fix every one of several open findings shares, else ""."""
    return fixes[0][0] if count > 1 and len(fixes) == 1 and fixes[0][1] == count else ""


def _figures(members: list[FindingView]) -> tuple[list[LatencySeries], list[MatrixView]]:
    """The latency series and role grids a check's findings carry, for its pictures."""
    return ([s for s in (latency_series(m) for m in members) if s],
            [mv for mv in (matrix_view(m) for m in members) if mv])


def _window(timeline: str) -> tuple[float, float]:
    m = _WINDOW.search(timeline)
    return (float(m.group(1)), float(m.group(2))) if m else (float("inf"), float("inf"))


def _owner(r: ItemResult) -> str:
    # An owner is whoever a free-text "...owner" question in this item names (dns_owner, alert_owner).
    for q, ans, _ in r.answers:
        named = "owner" in q.id or "owner" in (q.handover or "")
        if named and q.kind.value == "text" and ans.value is not None:
            return str(ans.value)
    return ""


def _plan(verdict: Verdict, stack: str) -> list[PlanRow]:
    rows = []
    for r in verdict.items:
        if r.status not in _OPEN:
            continue
        fix = r.item.fix
        before = fix.before_launch or bool(r.bar)
        if r.bar:
            why_when, rule = "on the launch bar", "launch bar"
        elif fix.before_launch:
            why_when = fix.when_why or "access control, secrets, deployment safety or email deliverability"
            rule = "risk area"
        else:
            why_when, rule = "polish: " + (fix.when_why or "fix after launch unless it blocks use"), "polish"
        snippets = [SnippetView(s.stack, s.language, s.code) for s in fix.snippets]
        chosen = pick_snippet(snippets, stack)
        # an hour window is a slot in the 48 hours before launch; later work has none of its own
        timeline = fix.timeline if before else "after launch"
        start, end = _window(timeline)
        rows.append(
            PlanRow(
                number=0,
                item_id=r.item.id,
                title=r.item.title,
                status=r.status.value,
                label=r.status.label,
                blocker=r.blocker,
                summary=fix.summary,
                steps=list(fix.steps),
                snippet=chosen,
                snippets=snippets,
                other_stacks=[s.stack for s in snippets if s is not chosen],
                effort_hours=fix.effort_hours,
                timeline=timeline,
                start=start,
                end=end,
                before_launch=before,
                when="Before launch" if before else "After launch",
                why_when=why_when,
                owner=_owner(r),
                rule=rule,
            )
        )
    rows.sort(key=lambda p: (not p.before_launch, _window(p.timeline), not p.blocker, -STATUS_RANK[Status(p.status)]))
    for n, row in enumerate(rows, 1):
        row.number = n
    return rows


def _timeline(plan: list[PlanRow]) -> list[TimelineRow]:
    windows: dict[tuple[str, bool], TimelineRow] = {}
    for p in plan:
        row = windows.setdefault(
            (p.timeline, p.before_launch), TimelineRow(p.timeline, p.start, p.end, [], 0.0, p.before_launch)
        )
        row.items.append(p.title)
        row.effort_hours += p.effort_hours
    return sorted(windows.values(), key=lambda t: (not t.before_launch, t.start, t.end))


def _value(value: Any) -> str:
    if value is None:
        return DONT_KNOW
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _answers(checklist: Checklist, session: AuditSession) -> tuple[list[AnswerView], list[Unanswered]]:
    answers = dict(session.data.answers)
    out: list[AnswerView] = []
    missing: list[Unanswered] = []
    for item, q in checklist.all_questions():
        qid = f"{item.id}.{q.id}"
        ans = answers.pop(qid, None)
        if ans is None:
            missing.append(Unanswered(qid, q.text))
            continue
        out.append(_answer_view(qid, item, q, ans))
    for qid, ans in answers.items():  # answers to questions this checklist no longer has
        out.append(_answer_view(qid, None, None, ans))
    return out, missing


def _mark_contradicted(answers: list[AnswerView], checklist: Checklist, session: AuditSession) -> None:
    """A passing answer the audit disproves ("every route needs a login: yes" beside an open admin route)
    is what a founder most needs to see: name the failing findings (wizard.answers.contradicting)."""
    from wizard.answers import contradicting, settled_by_audit

    stored = session.data.answers
    for a in answers:
        try:
            q = checklist.question(a.question)[1]
        except KeyError:
            continue
        a.contradicted_by = contradicting(q, stored.get(a.question), session.findings)
        a.settled_by = settled_by_audit(q, stored.get(a.question), session.findings)


def _answer_view(qid: str, item: Item | None, q: Question | None, ans) -> AnswerView:
    status = evaluate(q, ans) if q else None
    return AnswerView(
        question=qid,
        item=item.id if item else qid.partition(".")[0],
        item_title=item.title if item else "",
        text=q.text if q else qid,
        value=_value(ans.value),
        raw=ans.value,
        unknown=ans.value is None,
        status=status.value if status else "info",
        label=status.label if status else "INFO",
        note=ans.note,
        evidence=ans.evidence,
        at=ans.at,
        next_step=q.unknown_next_step if q and ans.value is None else "",
    )


def _run(run) -> RunView:
    requests = [RequestCount(p, n) for p, n in run.requests.items()]
    return RunView(
        id=run.id,
        started=run.started,
        finished=run.finished or "",
        probes=list(run.probes),
        tiers=list(run.tiers),
        outcome=run.outcome,
        requests=requests,
        total_requests=sum(r.count for r in requests),
        tool_version=run.tool_version,
        endpoints=list(run.endpoints),
    )


def _probes_not_run(runs: list[RunView]) -> list[str]:
    from wizard.probes import REGISTRY  # a plain dict; no probe module is imported

    ran = {p for r in runs for p in r.probes}
    return [p for p in REGISTRY if p not in ran]


def _limitations(verdict: Verdict, runs: list[RunView], target: dict, findings: list[FindingView]) -> list[str]:
    notes = []
    if runs:
        last = runs[-1]
        # a run records its highest consented tier; each tier includes the ones before it
        order = [t.value for t in sorted(TIER_RANK, key=TIER_RANK.__getitem__)]
        top = max((t for t in last.tiers if t in order), key=order.index, default="passive")
        used = order[:order.index(top) + 1]
        sent = used[0] if len(used) == 1 else ", ".join(used[:-1]) + " and " + used[-1]
        scope = ", ".join(str(h) for h in target.get("scope") or []) or "the configured target"
        notes.append(
            f"Automated probes sent {sent} requests (up to the {top} tier the assessor consented to), and only to "
            f"the hosts in scope ({scope}). Higher tiers were not exercised."
        )
    else:
        notes.append("No automated probes were run: every status in this report comes from answers.")
    notes.append(
        "A passing automated check means no problem was found with the requests that were sent; "
        "it does not prove that none exists."
    )
    notes.append("Answers are recorded as given and were not independently verified unless a probe confirmed them.")
    unknown = [r for r in verdict.items if r.status is Status.UNKNOWN]
    if unknown:
        notes.append(
            f"{len(unknown)} item{'s' if len(unknown) != 1 else ''} could not be verified (UNKNOWN) and "
            "count as not passing: " + ", ".join(r.item.title for r in unknown) + "."
        )
    skipped = [r.item.title for r in verdict.items if r.status in (Status.SKIPPED, Status.NA)]
    if skipped:
        notes.append("Marked skipped or not applicable by the assessor: " + ", ".join(skipped) + ".")
    notes += _gaps(findings)
    return notes


def _gaps(findings: list[FindingView]) -> list[str]:
    """What the automated checks did not cover, so a pass is never read as more than it is."""
    notes = []
    not_run = list(dict.fromkeys(f.title for f in findings if f.status == Status.SKIPPED.value))
    if not_run:
        notes.append(f"{len(not_run)} automated check{'s' if len(not_run) != 1 else ''} did not run: "
                     + "; ".join(not_run[:6]) + ("; …" if len(not_run) > 6 else "") + " (appendix C says why).")
    for m in (mv for mv in (matrix_view(f) for f in findings) if mv):
        unprobed = [r.endpoint for r in m.rows if r.cells and all(c.kind == "not-probed" for c in r.cells)]
        if unprobed:
            notes.append(f"The role checks sent nothing to {len(unprobed)} route{'s' if len(unprobed) != 1 else ''} "
                         f"(not probed: {', '.join(unprobed[:8])}{', …' if len(unprobed) > 8 else ''}): their "
                         "protection is unverified, whatever the role-check status says: check them by hand.")
    few = [s for s in (latency_series(f) for f in findings) if s and s.n < 100]
    if few:
        notes.append("Timings rest on small samples for " + ", ".join(f"{s.label} (n={s.n})" for s in few[:6])
                     + ": the p95's confidence interval in section 4 says how sure each one is.")
    return notes


def _changes(session: AuditSession, checklist: Checklist) -> list[FindingChange]:
    if session.data.baseline is None:
        return []
    rerun = set(session.data.runs[-1].probes) if session.data.runs else set()
    titles = {it.id: it.title for it in checklist.items}
    changes = finding_changes(session.data.baseline, session.data.findings, rerun)
    for c in changes:
        c.item_title = titles.get(c.item or "", c.item or "")
    return changes


def _moment(at: str) -> str:
    """'2026-11-29T14:03:10+00:00' -> '2026-11-29 14:03:10' (UTC): two audits on one day need the time."""
    try:
        return datetime.fromisoformat(at).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return at[:19]


def _retest(session: AuditSession, verdict: Verdict, changes: list[FindingChange], now: datetime) -> RetestView | None:
    """Against the audit the retest started from: what was fixed, what still fails, what is new."""
    if session.data.baseline is None:
        return None
    trend = [TrendPoint(m.session, _moment(m.at), m.status, m.score, m.band) for m in session.data.history]
    trend.append(TrendPoint(session.data.name, now.strftime("%Y-%m-%d %H:%M:%S"), verdict.status, verdict.score, verdict.band))
    # as short as tells the audits apart: the day, else the minute, else the second
    width = next((w for w in (10, 16) if len({t.date[:w] for t in trend}) == len(trend)), 19)
    for t in trend:
        t.date = t.date[:width]
    counts: dict[str, int] = {}
    for c in changes:
        counts[c.outcome] = counts.get(c.outcome, 0) + 1
    before = session.data.history[-1] if session.data.history else None
    return RetestView(
        since=before.at[:10] if before else "",
        score_before=before.score if before else verdict.score,
        score_now=verdict.score,
        trend=trend,
        changes=changes,
        counts=counts,
    )


def _counts(findings: list[FindingView]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in findings:
        out[f.status] = out.get(f.status, 0) + 1
    return out


__all__ = ["HANDOVER_FIELDS", "NOT_PROVIDED", "HandoverEntry", "HandoverField", "ReportData",
           "build_report_data", "pick_snippet", "report_stack", "scrub_tree"]
