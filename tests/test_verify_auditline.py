"""The audit-log line checker: JSON and key=value lines, each missing field named, UTC required."""

from __future__ import annotations

import pytest

from wizard.model import Status
from wizard.verify.auditline import check_audit_line

SIX = {"actor", "action", "target", "timestamp", "request", "outcome"}


def missing(line: str) -> set[str]:
    return {f.id for f in check_audit_line(line).missing}


@pytest.mark.parametrize("line", [
    '{"ts": "2026-11-12T14:03:11Z", "actor_id": 42, "action": "user.role_changed", "target_id": 1017, '
    '"request_id": "req_9f2c", "outcome": "success"}',
    # nested keys, camelCase, +00:00, after a log prefix
    '2026-11-12 14:03:11,402 INFO audit {"timestamp": "2026-11-12T14:03:11+00:00", "actor": {"id": 42}, '
    '"event": {"action": "record.deleted"}, "target": {"type": "ticket", "id": 88}, "requestId": "abc", "result": "denied"}',
    # key=value (logfmt), quoted values, epoch time
    'time=1731420191 actor_id=42 action="user.role_changed" target_id=1017 request_id=req-9f2c outcome=success',
    # a key ending in _id names the record
    "ts=2026-11-12T14:03:11Z user_id=7 action=export ticket_id=55 request_id=r1 status=ok",
])
def test_well_formed_lines_pass(line):
    result = check_audit_line(line)
    assert result.format in ("json", "key=value")
    assert result.missing == [], result.lines()
    assert result.status is Status.PASS
    assert result.title() == "The pasted audit log line has all six fields"


def test_json_line_names_each_missing_field():
    result = check_audit_line('{"ts": "2026-11-12T14:03:11Z", "user_id": 42, "msg": "export downloaded"}')
    assert {f.id for f in result.missing} == {"action", "target", "request", "outcome"}
    assert result.status is Status.WARN  # who and when are there
    assert result.title() == "The pasted audit log line says who and when, but lacks: action type, target id, request id, outcome"
    lines = result.lines()
    assert "present: actor id (who), as 'user_id'" in lines and "missing: request id" in lines


def test_key_value_line_names_each_missing_field():
    line = 'time=2026-11-12T14:03:11 level=info msg="customer export downloaded" user=dana'
    result = check_audit_line(line)
    assert result.format == "key=value"
    assert {f.id for f in result.missing} == {"action", "target", "timestamp", "request", "outcome"}
    assert result.status is Status.FAIL
    ts = result.field("timestamp")
    assert ts.key == "time" and "no time zone" in ts.problem
    assert "UTC timestamp" in result.title() and "target id" in result.title()


@pytest.mark.parametrize(("value", "problem"), [
    ("2026-11-12T14:03:11+02:00", "not in UTC (+02:00)"),
    ("2026-11-12T14:03:11", "no time zone"),
    ("yesterday", "not a date and time"),
    ("", "empty"),
])
def test_timestamp_must_be_utc(value, problem):
    result = check_audit_line(f'ts="{value}" actor_id=1 action=a target_id=2 request_id=3 outcome=ok')
    assert missing(result.line) == {"timestamp"}
    assert problem in result.field("timestamp").problem


def test_a_utc_log_prefix_counts_as_the_time():
    line = "2026-11-12T14:03:11Z audit actor_id=1 action=user.deleted target_id=9 request_id=r outcome=success"
    assert missing(line) == set()
    assert check_audit_line(line).field("timestamp").key == "(log line prefix)"


def test_empty_values_are_missing():
    assert missing('{"ts": "2026-11-12T14:03:11Z", "actor_id": null, "action": "", "target_id": "-", '
                   '"request_id": "r", "outcome": "ok"}') == {"actor", "action", "target"}


@pytest.mark.parametrize("text", ["", "the export worked fine", "INFO admin did something"])
def test_unreadable_text_fails_with_every_field_named(text):
    result = check_audit_line(text)
    assert result.format is None and result.status is Status.FAIL
    assert {f.id for f in result.missing} == SIX
    assert "could not be read" in result.title()


def test_the_first_readable_line_of_a_paste_is_checked():
    pasted = "Here is what we found:\n\n" + 'ts=2026-11-12T14:03:11Z actor_id=1 action=x target_id=2 request_id=3 outcome=ok\nmore text'
    result = check_audit_line(pasted)
    assert result.format == "key=value" and result.status is Status.PASS


def test_record_ids_that_are_not_targets_do_not_count():
    assert "target" in missing('{"ts": "2026-11-12T14:03:11Z", "actor_id": 1, "action": "x", "id": 5, '
                               '"session_id": "s", "request_id": "r", "outcome": "ok"}')


def test_huge_input_is_bounded():
    result = check_audit_line('{"actor_id": 1, "pad": "' + "x" * 1_000_000 + '"}')
    assert len(result.line) <= 20_000
