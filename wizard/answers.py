"""Answers: checking a value against its question, and the scripted answers file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wizard.checklist.schema import Checklist, Question, QuestionKind, parse_duration
from wizard.errors import UserError
from wizard.model import Answer, Status

DONT_KNOW = {"unknown", "don't know", "dont know", "dont-know", "?"}
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}


def coerce(question: Question, raw: Any) -> Any:
    """Normalise a raw answer for its question; None means "don't know". Raises ValueError."""
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in DONT_KNOW):
        if not question.allow_unknown:
            raise ValueError("'don't know' is not allowed for this question")
        return None
    kind = question.kind
    if kind is QuestionKind.YES_NO:
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        text = str(raw).strip().lower()
        if text in _YES:
            return "yes"
        if text in _NO:
            return "no"
        raise ValueError(f"expected yes or no, got '{raw}'")
    if kind is QuestionKind.CHOICE:
        text = str(raw).strip()
        for choice in question.choices:
            if text.lower() == choice.lower():
                return choice
        raise ValueError(f"'{raw}' is not one of: {', '.join(question.choices)}")
    if kind is QuestionKind.NUMBER:
        if isinstance(raw, bool):
            raise ValueError("expected a number")
        try:
            return float(raw) if not isinstance(raw, int) else raw
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got '{raw}'") from None
    if kind is QuestionKind.DURATION:
        parse_duration(raw)
        return str(raw).strip()
    if kind is QuestionKind.URL:
        from wizard.config import check_url

        return check_url(str(raw).strip())
    text = str(raw).strip()
    return text if text else None


def evaluate(question: Question, answer: Answer | None) -> Status | None:
    """The status an answer gives its item; None when it says nothing about the status."""
    if answer is None or question.informational:
        return None
    if answer.value is None:
        return Status.UNKNOWN
    fail = question.on_fail
    kind = question.kind
    value = answer.value
    if kind is QuestionKind.YES_NO and question.pass_if:
        return Status.PASS if value == question.pass_if else fail
    if kind is QuestionKind.CHOICE and (question.pass_choices or question.warn_choices):
        if value in question.pass_choices:
            return Status.PASS
        if value in question.warn_choices:
            return Status.WARN
        return fail
    if kind is QuestionKind.NUMBER:
        v = float(value)
        if question.max is not None and v > float(question.max):
            return fail
        if question.min is not None and v < question.min:
            return fail
        return Status.PASS
    if kind is QuestionKind.DURATION and question.max is not None:
        return Status.PASS if parse_duration(value) <= parse_duration(question.max) else fail
    # text, url, evidence: a substantive answer passes
    return Status.PASS if str(value).strip() else Status.UNKNOWN


def contradicting(question: Question, answer: Answer | None, findings) -> list[str]:
    """Titles of the failing findings that disprove a passing answer (rules the question lists in
    `checked_by`); empty when the answer does not pass or nothing it claims was tested and failed."""
    if evaluate(question, answer) is not Status.PASS:
        return []
    return _failing(question, findings)


def settled_by_audit(question: Question, answer: Answer | None, findings) -> list[str]:
    """For a "don't know": the failing findings that already answer it (no need to go and find out)."""
    if answer is None or answer.value is not None:
        return []
    return _failing(question, findings)


def audit_says(question: Question, answer: Answer | None, findings) -> str:
    """One line for the wizard under a question: a passing answer the audit disproves, or a "don't know"
    it already answered; "" otherwise. The report shows the same two lists."""
    disproved = contradicting(question, answer, findings)
    if disproved:
        return "The audit found otherwise: " + "; ".join(disproved)
    settled = settled_by_audit(question, answer, findings)
    return "The audit answered it: " + "; ".join(settled) if settled else ""


def _failing(question: Question, findings) -> list[str]:
    if not question.checked_by:
        return []
    from fnmatch import fnmatchcase

    titles = [f.title for f in findings
              if f.status is Status.FAIL and any(fnmatchcase(f.rule, g) for g in question.checked_by)]
    return list(dict.fromkeys(titles))


def load_answers_file(path: Path, checklist: Checklist) -> list[Answer]:
    """Read a scripted answers file; any bad entry names the file, the line and the question."""
    from wizard.yamlsource import load_yaml, yaml_line

    data, node = load_yaml(path, "answers file")
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("answers", {}), dict):
        raise UserError("expected a mapping with an 'answers' mapping", where=f"{path}:1")
    extra = set(data) - {"checklist", "answers"}
    if extra:
        key = sorted(extra)[0]
        raise UserError(f"field '{key}': unknown field (typo?)", where=f"{path}:{yaml_line(node, (key,))}")
    if data.get("checklist") not in (None, checklist.id):
        raise UserError(
            f"field 'checklist': these answers are for '{data['checklist']}', not '{checklist.id}'",
            where=f"{path}:{yaml_line(node, ('checklist',))}",
        )
    out: list[Answer] = []
    for qid, entry in (data.get("answers") or {}).items():
        where = f"{path}:{yaml_line(node, ('answers', qid))}"
        try:
            _, question = checklist.question(str(qid))
        except KeyError:
            raise UserError(f"field 'answers.{qid}': no such question in checklist '{checklist.id}'", where=where) from None
        note = evidence = ""
        raw = entry
        if isinstance(entry, dict):
            unknown_keys = set(entry) - {"value", "note", "evidence"}
            if unknown_keys:
                raise UserError(f"field 'answers.{qid}.{sorted(unknown_keys)[0]}': unknown field (typo?)", where=where)
            raw = entry.get("value")
            note = str(entry.get("note") or "")
            evidence = str(entry.get("evidence") or "")
        try:
            value = coerce(question, raw)
        except ValueError as err:
            raise UserError(f"field 'answers.{qid}': {err}", where=where) from None
        out.append(Answer(question=str(qid), value=value, note=note, evidence=evidence))
    return out
