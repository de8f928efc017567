"""The demo's DNS: nsd serving acme-ops.test, the TLS, DNS and email probes on both builds, and no nsd at all."""

from __future__ import annotations

import pytest

from conftest import require_binary
from wizard.demo.flaws import FLAWS, matches
from wizard.demo.run import DemoAudit
from wizard.model import Status

OURS = ("tls", "dns", "email")
DNS_FLAWS = [f for f in FLAWS if f.rule.split(".")[0] in ("tls", "dns", "email")]


def audit_demo(tmp_path, fixed: bool):
    demo = DemoAudit(fixed, tmp_path, None, "test")
    try:
        demo.audit.run_probes(only=list(OURS))
    finally:
        demo.stop()
    return demo


@pytest.fixture(scope="module")
def flawed(tmp_path_factory):
    require_binary("nsd")
    return audit_demo(tmp_path_factory.mktemp("flawed"), fixed=False)


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    require_binary("nsd")
    return audit_demo(tmp_path_factory.mktemp("fixed"), fixed=True)


def test_demo_config_points_at_its_own_dns_server(flawed):
    target = flawed.audit.config.target
    assert target.domain == target.email_domain == "acme-ops.test"
    assert target.dns_server == flawed.nsd.address and target.dns_server.startswith("127.0.0.1:")
    assert target.scope == ["127.0.0.1", "admin.acme-ops.test", "status.acme-ops.test"]
    assert flawed.nsd.proc is None  # stopped with the demo


def test_flawed_demo_reports_every_planted_dns_and_email_flaw(flawed):
    found = flawed.audit.session.findings
    for flaw in DNS_FLAWS:
        assert [f for f in found if matches(flaw, f)], f"{flaw.id} ({flaw.rule} {flaw.marker}) was not reported"
    tls = [f for f in found if f.probe == "tls" and f.location.url == flawed.audit.config.target.url]
    assert tls and {f.status for f in tls} == {Status.PASS}


def test_fixed_demo_passes_tls_dns_and_email(fixed):
    found = fixed.audit.session.findings
    assert not [f.title for flaw in DNS_FLAWS for f in found if matches(flaw, f)]
    bad = [(f.rule, f.status.value, f.title) for f in found if f.status not in (Status.PASS, Status.NA)]
    assert bad == []
    hosts = {f.location.url for f in found if f.probe == "tls"}
    assert len(hosts) == 3  # 127.0.0.1, admin. and status.acme-ops.test, each checked on the HTTPS port
    verdict = fixed.audit.verdict()
    assert {r.item.id: r.status for r in verdict.items if r.item.id in ("tls-dns", "email-auth")} == {
        "tls-dns": Status.PASS, "email-auth": Status.PASS}


def test_without_nsd_the_demo_says_how_to_get_it_and_skips_dns_and_email(tmp_path, monkeypatch, capsys):
    import wizard.demo.nsd

    monkeypatch.setattr(wizard.demo.nsd, "find_nsd", lambda: None)  # as on a machine without the package
    demo = audit_demo(tmp_path, fixed=True)
    err = capsys.readouterr().err
    assert "nsd (a small DNS server) is not installed" in err and "sudo apt-get install nsd" in err
    assert demo.nsd is None and demo.audit.config.target.dns_server is None
    outcomes = {f.probe: f.status for f in demo.audit.session.findings if f.rule.endswith(".not-run")}
    assert outcomes == {"dns": Status.SKIPPED, "email": Status.SKIPPED}
    tls = [f for f in demo.audit.session.findings if f.probe == "tls"]
    assert tls and {f.status for f in tls} == {Status.PASS}


def test_nsd_never_outlives_the_process_that_started_it(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    require_binary("nsd")
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from wizard.demo.nsd import NsdServer, Record, zone_text\n"
        "ns = NsdServer({'k.test': zone_text('k.test', [Record('@', 'A', '127.0.0.1')])}, Path(sys.argv[1])).start()\n"
        "print(ns.nsd_pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    nsd_pid = int(parent.stdout.readline())
    assert _running(nsd_pid)
    parent.send_signal(signal.SIGKILL)  # no clean-up code runs in the parent
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while _running(nsd_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(nsd_pid)
    assert os.path.exists(tmp_path / "nsd.conf")


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped
    except FileNotFoundError:
        return False


def test_a_hang_up_sent_to_the_whole_process_group_leaves_no_nsd_behind(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    require_binary("nsd")
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from wizard.demo.nsd import NsdServer, Record, zone_text\n"
        "ns = NsdServer({'k.test': zone_text('k.test', [Record('@', 'A', '127.0.0.1')])}, Path(sys.argv[1])).start()\n"
        "print(ns.nsd_pid, ns.proc.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    # As when a terminal (or `tmux kill-session`) goes away: SIGHUP to the parent's group, then to the guard.
    parent = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    nsd_pid, guard_pid = map(int, parent.stdout.readline().split())
    os.killpg(parent.pid, signal.SIGHUP)
    os.kill(guard_pid, signal.SIGHUP)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while _running(nsd_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(nsd_pid)
