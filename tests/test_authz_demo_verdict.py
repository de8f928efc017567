"""Every probe on the demo, with the scripted interview: the access-control flaws sit beside the
others in the flawed build, and the fixed build still comes out READY (no report rendering here)."""

from __future__ import annotations

import pytest

from wizard.demo.flaws import FLAWS, matches
from wizard.demo.run import DemoAudit
from wizard.engine.http import is_unsafe_path

from conftest import require_binary

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("fixed", [False, True])
def test_whole_demo_audit(tmp_path, fixed):
    require_binary("nsd")  # the demo's DNS zone: without it the DNS and email items stay unverified
    demo = DemoAudit(fixed, tmp_path, None, name="t")
    try:
        summary = demo.audit.run_probes()
        demo.audit.apply_answers(demo.scripted_answers())
        log = list(demo.server.access_log)
    finally:
        demo.stop()
    verdict = demo.audit.verdict()
    found = demo.audit.session.findings
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
