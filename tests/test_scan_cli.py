"""`launch-ready scan`: the non-interactive command a CI job gates on."""

from __future__ import annotations

import json
import subprocess
import sys

from servers import http_server, reply


def scan(*args, cwd):
    return subprocess.run([sys.executable, "-m", "wizard", "scan", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_exit_codes_follow_the_gate_and_scans_can_be_rerun(tmp_path):
    with http_server(lambda h: reply(h, 200, b"<html>ok</html>")) as (url, log):
        first = scan("--url", url, "--format", "json", "--out", "r.json", cwd=tmp_path)
        assert first.returncode == 1, first.stderr  # plain HTTP, no headers: launch blockers
        assert first.stdout.startswith("NOT READY")
        doc = json.loads((tmp_path / "r.json").read_text())
        assert doc["verdict"]["status"] == "NOT READY" and doc["findings"]
        assert {"id", "item", "probe", "rule", "status", "severity", "title", "location", "evidence"} <= set(doc["findings"][0])
        never = scan("--url", url, "--fail-on", "never", cwd=tmp_path)  # a second scan in the same folder
        assert never.returncode == 0, never.stderr
        assert len(list((tmp_path / ".launch-ready" / "sessions").glob("scan-*.json"))) == 2
        resumed = scan("--resume", "--url", url, "--only", "headers", "--fail-on", "never", cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
    assert all(method in ("GET", "HEAD", "OPTIONS") for method, _, _ in log)  # passive by default


def test_only_and_skip_pick_probes(tmp_path):
    with http_server(lambda h: reply(h)) as (url, log):
        result = scan("--url", url, "--only", "headers", "--fail-on", "never", "--session", "s.json", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    session = json.loads((tmp_path / "s.json").read_text())
    assert {f["probe"] for f in session["findings"].values()} == {"http-surface"}


def test_login_consent_without_credentials_is_a_clear_error(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[target]\nurl = "https://127.0.0.1:9"\n[roles.admin]\n'
                   'login = { username_env = "LR_T_USER", password_env = "LR_T_PASS" }\n[consent]\nlogin = true\n')
    result = scan("--config", str(cfg), cwd=tmp_path)
    assert result.returncode == 2 and "LR_T_USER" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_url_in_the_config_names_the_file_line_and_field_in_our_words(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[target]\nurl = "htp://x"\n')
    result = scan("--config", str(cfg), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{cfg}:2: field 'target.url': 'htp://x' is not an http(s) URL" in result.stderr
    assert "Value error" not in result.stderr  # pydantic's prefix, not ours


def test_a_repo_folder_without_git_is_scanned_with_a_warning(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("DEBUG = False\n")
    result = scan("--repo", "src", "--only", "secrets", "--fail-on", "never", "--session", "s.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is not a git repository" in result.stderr and "history" in result.stderr


def test_a_misspelt_config_field_gets_a_suggestion(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[target]\nurl = "https://x.example"\nscpoe = ["x.example"]\n')
    result = scan("--config", str(cfg), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{cfg}:3: field 'target.scpoe': unknown field: did you mean 'scope'?" in result.stderr
