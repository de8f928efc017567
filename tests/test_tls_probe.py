"""The TLS, DNS and email probes as the engine runs them: applicability, scope, config paths, titles."""

from __future__ import annotations

from pathlib import Path

import pki
from tlsserver import openssl_server
from wizard.audit import Audit
from wizard.config import Config, Target
from wizard.model import Status


def run(config: Config, only: list[str]) -> list:
    audit = Audit.start(config, None)
    audit.run_probes(only=only)
    return audit.session.findings


def test_a_relative_ca_bundle_is_read_from_the_config_folder_and_titles_name_the_host(tmp_path):
    root = pki.authority("Probe test root")
    root.write(tmp_path / "certs", "internal-ca")
    with openssl_server(tmp_path / "srv", pki.leaf(root, ["localhost", "127.0.0.1"])) as port:
        config = Config(target=Target(url=f"https://127.0.0.1:{port}", scope=["127.0.0.1", "localhost"],
                                      ca_bundle="certs/internal-ca.pem"))
        config.base_dir = str(tmp_path)
        found = run(config, ["tls"])
    assert {f.status for f in found} == {Status.PASS}
    trust = sorted(f.title for f in found if f.rule == "tls.trust")
    assert trust == [f"127.0.0.1:{port}: Certificate chain is trusted", f"localhost:{port}: Certificate chain is trusted"]
    assert {f.item for f in found} == {"tls-dns"}
    assert all(f.location.url in (f"https://127.0.0.1:{port}", f"https://localhost:{port}") for f in found)


def test_plain_http_target_skips_tls_and_no_domain_skips_dns_and_email():
    found = run(Config(target=Target(url="http://127.0.0.1:9")), ["tls", "dns", "email"])
    skipped = {f.probe: f for f in found}
    assert set(skipped) == {"tls", "dns", "email"}
    assert all(f.status is Status.SKIPPED for f in found)
    assert "plain http://" in skipped["tls"].title
    assert "no host name in scope and no domain" in skipped["dns"].title
    assert "no email domain" in skipped["email"].title
