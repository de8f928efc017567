"""The checklist schema. Every field a consultant may edit is declared here, with what it means."""

from __future__ import annotations

import fnmatch
import re
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wizard.model import Severity, Status

ID_RE = r"^[a-z0-9][a-z0-9-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuestionKind(str, Enum):
    YES_NO = "yes_no"
    CHOICE = "choice"
    TEXT = "text"
    NUMBER = "number"
    DURATION = "duration"
    URL = "url"
    EVIDENCE = "evidence"  # pasted text: a log line, an alert message


_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)\s*$", re.I)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: Any) -> float:
    """'15m', '4 hours', '2d' -> seconds. Raises ValueError with a hint."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    m = _DURATION_RE.match(str(text))
    if not m:
        raise ValueError(f"'{text}' is not a duration; write e.g. 15m, 4h or 2d")
    return float(m.group(1)) * _DURATION_UNITS[m.group(2)[0].lower()]


class Question(Strict):
    id: str = Field(pattern=ID_RE, description="Stable id, unique within the item.")
    text: str = Field(description="The question, in plain words.")
    kind: QuestionKind
    help: str = Field("", description="Why we ask and how to find out, for a non-specialist.")
    example: str = Field("", description="An example of a good answer.")
    choices: list[str] = Field(default_factory=list, description="For kind=choice.")
    pass_if: str | None = Field(None, description="yes_no: 'yes' or 'no' is the passing answer.")
    pass_choices: list[str] = Field(default_factory=list, description="choice: answers that pass.")
    warn_choices: list[str] = Field(default_factory=list, description="choice: answers that warn.")
    max: float | str | None = Field(None, description="number/duration: the largest passing value.")
    min: float | None = Field(None, description="number: the smallest passing value.")
    informational: bool = Field(False, description="Recorded for the report; does not change the status.")
    on_fail: Status = Field(Status.FAIL, description="Status of a failing answer: fail or warn.")
    allow_unknown: bool = Field(True, description="Whether 'don't know' may be answered.")
    unknown_next_step: str = Field("", description="What to do to find out, shown when the answer is 'don't know'.")
    red_flag: bool = Field(False, description="A failing answer raises a red flag (two or more: bring in a senior engineer).")
    red_flag_title: str = ""
    handover: str | None = Field(None, description="Handover checklist field this answer fills.")
    verify: Literal["audit-log-line", "alert-challenge", "status-page", "revocation-drill"] | None = Field(
        None, description="A guided verification that checks this answer and records evidence (wizard/verify).")
    checked_by: list[str] = Field(default_factory=list, description=(
        "Probe rule ids (globs) that test what this question asks: when one of them fails, a passing answer "
        "is shown as contradicted by the audit, beside the evidence."))

    @field_validator("pass_if", mode="before")
    @classmethod
    def _yaml_bool(cls, v: object) -> object:
        # YAML reads a bare `yes`/`no` as a boolean; accept what a consultant naturally writes.
        return ("yes" if v else "no") if isinstance(v, bool) else v

    @model_validator(mode="after")
    def _consistent(self) -> "Question":
        if self.kind is QuestionKind.CHOICE and not self.choices:
            raise ValueError("a choice question needs 'choices'")
        for c in self.pass_choices + self.warn_choices:
            if c not in self.choices:
                raise ValueError(f"'{c}' is not one of the choices")
        if self.pass_if is not None and self.pass_if not in ("yes", "no"):
            raise ValueError("pass_if must be 'yes' or 'no'")
        if self.kind is QuestionKind.DURATION and self.max is not None:
            parse_duration(self.max)
        if self.on_fail not in (Status.FAIL, Status.WARN):
            raise ValueError("on_fail must be 'fail' or 'warn'")
        if self.red_flag and self.informational:
            raise ValueError("a red-flag question cannot be informational")
        needs = {"audit-log-line": QuestionKind.EVIDENCE, "alert-challenge": QuestionKind.EVIDENCE,
                 "status-page": QuestionKind.URL, "revocation-drill": QuestionKind.DURATION}
        if self.verify and self.kind is not needs[self.verify]:
            raise ValueError(f"verify: {self.verify} needs a question of kind {needs[self.verify].value}")
        return self


class Snippet(Strict):
    stack: str = Field(description="e.g. express, django, flask, fastapi, rails, nginx, any")
    language: str = ""
    code: str


class FixPath(Strict):
    summary: str
    steps: list[str] = Field(default_factory=list)
    snippets: list[Snippet] = Field(default_factory=list)
    effort_hours: float = Field(ge=0)
    timeline: str = Field(description="Window in the remediation plan, e.g. 'hours 6-24' or 'after launch'.")
    before_launch: bool = Field(description="Seed rule: access control, secrets, deployment safety and email deliverability are fixed before launch.")
    when_why: str = Field("", description=(
        "Why this fix comes before or after launch, in a few plain words, when the seed's rule does not name "
        "its area (shown in the remediation plan instead of the rule's generic wording)."))


class Item(Strict):
    id: str = Field(pattern=ID_RE)
    title: str
    area: str
    scorecard: bool = Field(False, description="One of the ten checks of the quick scorecard.")
    severity: Severity = Severity.HIGH
    pass_criteria: str
    why: str = Field(description="Why it matters.")
    breaks: str = Field(description="What breaks if it fails.")
    manual_check: list[str] = Field(default_factory=list, description="How to check it by hand.")
    checks: list[str] = Field(default_factory=list, description="Probe rule ids (globs) whose findings inform this item.")
    needs_person: bool = Field(False, description="Evidence from code alone cannot pass it: a person must answer too "
                                                  "(e.g. only a person can say alerts reach a human).")
    questions: list[Question] = Field(default_factory=list)
    fix: FixPath
    references: list[str] = Field(default_factory=list)

    @field_validator("questions")
    @classmethod
    def _unique_questions(cls, qs: list[Question]) -> list[Question]:
        seen: set[str] = set()
        for q in qs:
            if q.id in seen:
                raise ValueError(f"question id '{q.id}' is used twice")
            seen.add(q.id)
        return qs

    def informed_by(self, rule: str) -> bool:
        return any(fnmatch.fnmatchcase(rule, pattern) for pattern in self.checks)


class BarEntry(Strict):
    id: str = Field(pattern=ID_RE)
    title: str
    items: list[str] = Field(min_length=1)
    verify: str = Field(description="What to do to verify it when its status is unknown.")


class ScoreBand(Strict):
    min: int = Field(ge=0, le=100)
    band: str


class Settings(Strict):
    """Opinionated defaults from the seed, editable per checklist."""

    p95_ms: float = Field(500, gt=0, description="Launch bar: p95 latency of normal admin actions.")
    login_attempts_per_minute: int = Field(10, gt=0, description="Rate limit to expect on login routes.")
    admin_session_hours: float = Field(8, gt=0, description="Longest acceptable admin session lifetime.")
    session_fail_hours: float = Field(24, gt=0, description="A session cookie living longer than this fails (between the two: warn).")
    hsts_min_days: int = Field(180, ge=0)
    cert_warn_days: int = Field(30, ge=0)
    cert_fail_days: int = Field(7, ge=0)
    red_flag_threshold: int = Field(2, ge=1, description="Red flags at which we recommend a senior engineer.")
    ratelimit_max_attempts: int = Field(15, ge=1, le=60, description="Most wrong sign-in attempts the rate-limit check "
                                        "sends in one minute (the burst), unknown-user tries included.")
    ratelimit_slowdown_ms: float = Field(1000, gt=0, description="A login that slows down by this much after repeated "
                                         "failures counts as being limited.")
    enumeration_timing_ms: float = Field(100, gt=0, description="A difference this large between 'unknown user' and "
                                         "'wrong password' answer times (every sample apart) reveals which users exist.")
    revocation_max_minutes: float = Field(60, gt=0, description="Longest an open session may keep working after its "
                                          "account is disabled.")
    revocation_drill_minutes: float = Field(5, gt=0, le=120, description="How long the revocation drill watches the "
                                            "open session after the account is disabled, at most.")


class Checklist(Strict):
    id: str = Field(pattern=ID_RE)
    title: str
    version: str
    description: str = ""
    order: list[str] = Field(min_length=1, description="Item ids, in the order the wizard walks them.")
    bar: list[BarEntry] = Field(min_length=1)
    settings: Settings = Field(default_factory=Settings)
    score_bands: list[ScoreBand] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list, exclude=True)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def question(self, qualified: str) -> tuple[Item, Question]:
        item_id, _, qid = qualified.partition(".")
        item = self.item(item_id)
        for q in item.questions:
            if q.id == qid:
                return item, q
        raise KeyError(qualified)

    def all_questions(self) -> list[tuple[Item, Question]]:
        return [(it, q) for it in self.items for q in it.questions]

    def item_for_rule(self, rule: str) -> str | None:
        for it in self.items:
            if it.informed_by(rule):
                return it.id
        return None

    def bar_for_item(self, item_id: str) -> list[BarEntry]:
        return [b for b in self.bar if item_id in b.items]

    def band(self, score: int) -> str:
        for b in sorted(self.score_bands, key=lambda b: -b.min):
            if score >= b.min:
                return b.band
        return ""
