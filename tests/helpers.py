"""Small builders shared by the tests: a tiny checklist and findings/answers for it."""

from __future__ import annotations

from wizard.checklist.schema import BarEntry, Checklist, FixPath, Item, Question, ScoreBand
from wizard.model import Answer, Finding, Status


def fix(before: bool = True) -> FixPath:
    return FixPath(summary="fix it", effort_hours=2, timeline="hours 1-8", before_launch=before)


def tiny_checklist() -> Checklist:
    items = [
        Item(id="authentication", title="Authentication", area="access", pass_criteria="login on every route",
             why="w", breaks="b", checks=["authn.*"], fix=fix(),
             questions=[Question(id="third-party", text="3rd party auth but open API?", kind="yes_no", pass_if="no", red_flag=True)]),
        Item(id="secrets", title="Secrets", area="secrets", pass_criteria="none", why="w", breaks="b",
             checks=["secrets.*"], fix=fix(),
             questions=[Question(id="shared", text="shared across envs?", kind="yes_no", pass_if="no", red_flag=True)]),
        Item(id="headers", title="Headers", area="web", pass_criteria="set", why="w", breaks="b",
             checks=["headers.*"], fix=fix(before=False)),
        Item(id="session", title="Session", area="access", pass_criteria="flags", why="w", breaks="b",
             checks=["cookies.*"], fix=fix(before=True)),
        Item(id="revocation", title="Revocation", area="ops", pass_criteria="fast", why="w", breaks="b", fix=fix(False),
             questions=[Question(id="how-fast", text="how fast?", kind="duration", max="1h", red_flag=True),
                        Question(id="owner", text="who?", kind="text", informational=True, handover="alert_owner")]),
    ]
    return Checklist(
        id="tiny", title="Tiny", version="1", order=[i.id for i in items],
        bar=[BarEntry(id="no-bypass", title="No auth bypass", items=["authentication"], verify="run the authn probe"),
             BarEntry(id="no-secrets", title="No exposed secrets", items=["secrets"], verify="scan the repo")],
        score_bands=[ScoreBand(min=90, band="Launch-ready"), ScoreBand(min=50, band="Needs work"), ScoreBand(min=0, band="Not ready")],
        items=items,
    )


def finding(rule: str, status: Status, item: str, key: str = "k") -> Finding:
    return Finding.make(probe="test", rule=rule, key=key, status=status, title=f"{rule} {status.value}", item=item)


def answer(qid: str, value) -> Answer:
    return Answer(question=qid, value=value)
