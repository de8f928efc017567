"""Sessions never lose an answer and never overwrite a file they cannot read."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from wizard.errors import SessionError
from wizard.model import Answer, Finding, Status
from wizard.session import SCHEMA_VERSION, AuditSession, ChecklistRef

REF = ChecklistRef(id="internal-admin-app", version="1")


def test_every_answer_and_finding_is_on_disk_before_the_call_returns(tmp_path):
    path = tmp_path / "s.json"
    s = AuditSession.create(path, REF, {"target": {"url": "https://x"}})
    s.set_answer(Answer(question="monitoring.alert-owner", value="Dana"))
    assert json.loads(path.read_text())["answers"]["monitoring.alert-owner"]["value"] == "Dana"
    s.add_finding(Finding.make(probe="p", rule="headers.hsts", status=Status.FAIL, title="t"))
    assert len(AuditSession.load(path).findings) == 1


def test_sigkill_right_after_an_answer_loses_nothing(tmp_path):
    path = tmp_path / "s.json"
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from wizard.model import Answer
        from wizard.session import AuditSession, ChecklistRef
        s = AuditSession.create(Path({str(path)!r}), ChecklistRef(id="internal-admin-app", version="1"), {{}})
        for i in range(200):
            s.set_answer(Answer(question=f"item.q{{i}}", value=i))
            print(i, flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    last = None
    for line in proc.stdout:  # kill in the middle of the stream of saves
        last = int(line)
        if last == 57:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    answers = AuditSession.load(path).data.answers
    assert "item.q57" in answers  # everything acknowledged is there


def test_truncated_file_gives_a_clear_error_and_is_kept(tmp_path):
    path = tmp_path / "s.json"
    s = AuditSession.create(path, REF, {})
    s.set_answer(Answer(question="a.b", value="yes"))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SessionError, match="corrupt or truncated") as err:
        AuditSession.load(path)
    assert str(path) in str(err.value)
    assert path.read_bytes() == data[: len(data) // 2]


def test_newer_schema_is_refused_not_rewritten(tmp_path):
    path = tmp_path / "s.json"
    doc = {"schema_version": SCHEMA_VERSION + 1, "checklist": {"id": "x", "version": "1"}}
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match="newer launch-ready"):
        AuditSession.load(path)
    assert json.loads(path.read_text()) == doc


def test_session_for_another_checklist_is_refused(tmp_path):
    path = tmp_path / "s.json"
    AuditSession.create(path, ChecklistRef(id="other-list", version="1"), {})
    with pytest.raises(SessionError, match="other-list"):
        AuditSession.load(path, expect_checklist="internal-admin-app")


def test_creating_over_an_existing_file_is_refused(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("precious")
    with pytest.raises(SessionError, match="already exists"):
        AuditSession.create(path, REF, {})
    assert path.read_text() == "precious"


def test_rerun_replaces_only_the_rerun_probes_findings(tmp_path):
    s = AuditSession.create(tmp_path / "s.json", REF, {})
    s.add_finding(Finding.make(probe="a", rule="headers.hsts", status=Status.FAIL, title="t"))
    s.add_finding(Finding.make(probe="b", rule="secrets.clean", status=Status.PASS, title="t"))
    s.start_run(["a"], ["passive"])
    assert [f.probe for f in s.findings] == ["b"]
