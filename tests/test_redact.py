"""One redaction function: secrets are shown as rule, 4 characters, length and fingerprint only."""

import logging

from wizard.logs import setup_logging
from wizard.redact import mask_window, redact, register_secret, scrub


def test_redacted_form_keeps_only_a_prefix_length_and_fingerprint():
    value = "sk_live_" + "Q7xv2LmPz9Rt5WkYh3Nc8Bd"
    out = redact(value, "stripe-secret-key")
    assert value not in out and "sk_l…" in out and f"len={len(value)}" in out and "fp=" in out
    assert redact(value) == redact(value)  # stable: the same secret always reads the same


def test_short_values_show_no_prefix():
    out = redact("passw0rd!", "password")
    assert "passw0rd" not in out and "pass…" not in out


def test_registered_values_are_scrubbed_from_any_text():
    value = "demo-credential-" + "x9f3k2"
    register_secret(value, "admin-credential")
    text = scrub(f"login as admin with {value} then {value}")
    assert value not in text and text.count("[REDACTED admin-credential") == 2


def test_long_minified_lines_become_a_short_window():
    secret = "ghp_" + "A" * 18 + "b" * 18
    line = "x" * 50_000 + secret + "y" * 50_000
    start = line.index(secret)
    window = mask_window(line, start, start + len(secret), "github-token")
    assert secret not in window and len(window) < 200


def test_logs_are_scrubbed(tmp_path):
    value = "log-secret-" + "7a7a7a7a"
    register_secret(value)
    setup_logging(tmp_path / "l.log")
    logging.getLogger("launch_ready.test").info("token is %s", value)
    assert value not in (tmp_path / "l.log").read_text()


def test_fingerprints_are_keyed_so_a_report_is_no_password_oracle():
    import hashlib

    out = redact("password", "generic")
    assert hashlib.sha256(b"password").hexdigest()[:12] not in out
