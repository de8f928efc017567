"""`--dns-server` end to end: `launch-ready scan` as a user runs it, against nsd and an openssl server."""

from __future__ import annotations

import json
import subprocess
import sys

import pki
from nsd import nsd  # noqa: F401  (fixture)
from tlsserver import openssl_server


def scan(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wizard", "scan", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_scan_with_dns_server_resolves_checks_and_reports(tmp_path, nsd):
    root = pki.authority("CLI test root")
    ca, _ = root.write(tmp_path / "ca", "root")
    with openssl_server(tmp_path / "srv", pki.leaf(root, ["www.good.test"])) as port:
        result = scan("--url", f"https://www.good.test:{port}", "--domain", "good.test", "--dns-server", nsd.address,
                      "--ca-bundle", str(ca), "--only", "tls,dns,email", "--format", "json", "--out", "report.json",
                      "--fail-on", "never", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / "report.json").read_text())
    findings = {(f["rule"], f["location"]["text"]): f["status"] for f in doc["findings"]}
    # www.good.test exists only in nsd: the TLS probe reached it through --dns-server, and it is all good.
    tls = {rule: status for (rule, where), status in findings.items() if rule.startswith("tls.")}
    assert tls and set(tls.values()) == {"pass"}, tls
    assert findings[("dns.resolve", "www.good.test")] == "pass"
    assert findings[("dns.caa", "good.test")] == "pass"  # a private CA: CAA does not bind it
    email = {rule: status for (rule, _), status in findings.items() if rule.startswith("email.")}
    assert email == {"email.spf": "pass", "email.dmarc": "pass", "email.dkim": "pass", "email.mx": "pass",
                     "email.mta-sts": "pass", "email.tls-rpt": "pass"}
    items = {i["id"]: i["status"] for i in doc["items"]}
    assert items["tls-dns"] == "pass" and items["email-auth"] == "pass"


def test_bad_dns_server_is_one_clear_error(tmp_path):
    result = scan("--url", "https://127.0.0.1:1", "--dns-server", "127.0.0.1:abc", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "launch-ready: error: --dns-server: '127.0.0.1:abc' has no valid port; write e.g. 10.0.0.2:53"
