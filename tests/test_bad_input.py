"""Bad input gets one clear line naming the file, line and field, exit code 2, and no traceback."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.answers import load_answers_file
from wizard.checklist import load_checklist
from wizard.config import load_config
from wizard.errors import UserError
from wizard.paths import default_checklist_dir


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def assert_one_clear_line(result, *needles):
    assert result.returncode == 2, result.stderr
    lines = [l for l in result.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def test_broken_toml_names_file_and_line(tmp_path):
    cfg = tmp_path / "launch-ready.toml"
    cfg.write_text('[target]\nurl = "https://admin.example.com"\nscope = [\n')
    assert_one_clear_line(cli("scan", "--config", str(cfg)), f"{cfg}:", "invalid TOML")


def test_unknown_config_field_names_the_line(tmp_path):
    cfg = tmp_path / "launch-ready.toml"
    cfg.write_text('[target]\nurl = "https://admin.example.com"\n\n[consent]\nlogin = true\nwrte = true\n')
    with pytest.raises(UserError) as err:
        load_config(cfg)
    assert str(err.value) == f"{cfg}:6: field 'consent.wrte': unknown field: did you mean 'write'?"


def test_bad_url_in_config(tmp_path):
    cfg = tmp_path / "launch-ready.toml"
    cfg.write_text('[target]\nurl = "admin.example.com"\n')
    assert_one_clear_line(cli("scan", "--config", str(cfg)), f"{cfg}:2", "not an http(s) URL")


def test_missing_config_file(tmp_path):
    assert_one_clear_line(cli("scan", "--config", str(tmp_path / "nope.toml")), "not found")


def test_broken_checklist_yaml_names_file_line_and_field(tmp_path):
    copy = tmp_path / "my-checklist"
    shutil.copytree(default_checklist_dir(), copy)
    item = copy / "authentication.yaml"
    lines = item.read_text().splitlines()
    n = next(i for i, l in enumerate(lines) if l.strip().startswith("effort_hours:"))
    lines[n] = lines[n].split("effort_hours:")[0] + "effort_hours: lots"
    item.write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError) as err:
        load_checklist(copy)
    assert f"{item}:{n + 1}" in str(err.value) and "fix.effort_hours" in str(err.value)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[target]\nurl = "https://127.0.0.1:9"\n')
    assert_one_clear_line(cli("scan", "--config", str(cfg), "--checklist", str(copy), "--session", str(tmp_path / "s.json")),
                          f"{item}:{n + 1}", "effort_hours")


def test_yaml_syntax_error_in_checklist(tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(default_checklist_dir(), copy)
    (copy / "latency.yaml").write_text("id: latency\ntitle: [unclosed\n")
    with pytest.raises(UserError, match=r"latency.yaml:\d+: invalid YAML"):
        load_checklist(copy)


def test_answers_file_errors_name_the_question_and_line(tmp_path):
    checklist = load_checklist(default_checklist_dir())
    item, question = next((it, q) for it, q in checklist.all_questions() if q.kind.value == "yes_no")
    bad = tmp_path / "answers.yaml"
    bad.write_text(f"answers:\n  {item.id}.{question.id}: perhaps\n")
    with pytest.raises(UserError) as err:
        load_answers_file(bad, checklist)
    assert str(err.value).startswith(f"{bad}:2: field 'answers.{item.id}.{question.id}': expected yes or no")
    bad.write_text("answers:\n  nosuch.question: yes\n")
    with pytest.raises(UserError, match="no such question"):
        load_answers_file(bad, checklist)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[target]\nurl = "https://127.0.0.1:9"\n')
    assert_one_clear_line(cli("scan", "--config", str(cfg), "--answers", str(bad), "--session", str(tmp_path / "s.json"), "--only", "headers"),
                          f"{bad}:2", "no such question")


def test_corrupt_session_on_report_is_kept(tmp_path):
    s = tmp_path / "s.json"
    s.write_text('{"schema_version": 1, "checklist": {"id": "internal-admin-app", "ver')
    before = s.read_bytes()
    assert_one_clear_line(cli("report", str(s), "--out", str(tmp_path / "r.pdf")), "corrupt or truncated")
    assert s.read_bytes() == before


def test_a_report_that_cannot_be_written_is_one_line(tmp_path):
    session = Path(__file__).resolve().parent.parent / "sample_reports" / "demo-flawed.session.json"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "r.html"  # its folder is a file: nothing can be written there
    assert_one_clear_line(cli("report", str(session), "--out", str(out)), str(out), "cannot write the report")
    assert blocker.read_text() == "not a folder"


def test_unknown_only_token(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[target]\nurl = "https://127.0.0.1:9"\n')
    assert_one_clear_line(cli("scan", "--config", str(cfg), "--only", "nonsense", "--session", str(tmp_path / "s.json")),
                          "'nonsense' is not a probe, item or area")
