"""Every probe on the demo, with the scripted interview: the access-control flaws sit beside the
others in the flawed build, and the fixed build still comes out READY (no report rendering here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.answers import load_answers_file
from wizard.audit import Audit
from wizard.demo.flaws import FLAWS, matches
from wizard.demo.repo import make_demo_repo
from wizard.demo.server import DemoServer
from wizard.engine.http import is_unsafe_path

from targets.audit import demo_config

pytestmark = pytest.mark.slow
ANSWERS = Path(__file__).parent.parent / "wizard" / "demo"


@pytest.mark.parametrize("fixed", [False, True])
def test_whole_demo_audit(tmp_path, fixed, monkeypatch):
    repo = make_demo_repo(tmp_path / "repo", fixed=fixed)
    with DemoServer(fixed=fixed, workdir=tmp_path) as server:
        for k, v in server.credentials_env().items():
            monkeypatch.setenv(k, v)
        audit = Audit.start(demo_config(tmp_path, server, repo.path, fixed), None, name="t")
        summary = audit.run_probes()
        log = list(server.access_log)
    audit.apply_answers(load_answers_file(ANSWERS / f"answers-{'fixed' if fixed else 'flawed'}.yaml", audit.checklist))
    verdict = audit.verdict()
    found = audit.session.findings
    assert all(outcome == "ok" for outcome in summary.outcomes.values()), summary.outcomes
    # the one deny-listed call: the session check logs out the fresh session it opened itself
    assert [(e["method"], e["path"]) for e in log if is_unsafe_path(e["path"])] == [("POST", "/logout")]
    assert not [e for e in log if e["method"] == "DELETE"]
    if fixed:
        assert verdict.status == "READY", verdict.reason
        assert not [f.id for flaw in FLAWS for f in found if matches(flaw, f)]
    else:
        assert verdict.status == "NOT READY"
        assert [flaw.id for flaw in FLAWS if not any(matches(flaw, f) for f in found)] == []
