"""`launch-ready secrets` as a person, a CI job or a pre-commit hook calls it: a click command like the others."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wizard.cli import cli
from wizard.demo.repo import make_demo_repo

OPTIONS = ("--staged", "--since", "--no-history", "--no-tree", "--log", "--rules", "--baseline", "--write-baseline",
           "--explain", "--min-confidence", "--format", "--out", "--help")


def launch_ready(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real entry point (wizard.cli:main), so its error handling is what is tested."""
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory):
    return make_demo_repo(tmp_path_factory.mktemp("repo") / "demo", fixed=False)


def test_secrets_help_lists_every_option_and_the_exit_codes():
    run = CliRunner().invoke(cli, ["secrets", "--help"])
    assert run.exit_code == 0, run.output
    assert "Usage:" in run.output and "[PATH]" in run.output and "Exit codes" in run.output
    for option in OPTIONS:
        assert option in run.output, option
    assert "[default: medium]" in run.output and "[default: text]" in run.output
    short = CliRunner().invoke(cli, ["secrets", "-h"])
    assert short.exit_code == 0 and short.output == run.output


def test_top_level_help_summarises_secrets_like_any_command():
    run = CliRunner().invoke(cli, ["--help"])
    line = next(ln for ln in run.output.splitlines() if ln.strip().startswith("secrets "))
    assert "Scan a repo, folder or logs for secrets (redacted)." in line


def test_staged_with_since_is_one_usage_error():
    run = launch_ready("secrets", "--staged", "--since", "v1.0", ".")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("cannot be used together") == 1 and "Traceback" not in run.stderr
    assert "secrets --help' for help" in run.stderr  # click's pointer to the help, as for every command


def test_unknown_option_is_a_usage_error():
    run = launch_ready("secrets", "--no-such-flag")
    assert run.returncode == 2 and "No such option" in run.stderr and "Traceback" not in run.stderr
    bad_choice = launch_ready("secrets", "--format", "xml")
    assert bad_choice.returncode == 2 and "'xml' is not one of" in bad_choice.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_out_writes_the_redacted_report_and_prints_nothing(demo_repo, tmp_path, fmt):
    out = tmp_path / "reports" / f"secrets.{fmt}"  # the folder is created, as for the other reports
    run = launch_ready("secrets", str(demo_repo.path), "--format", fmt, "--out", str(out))
    assert run.returncode == 1, run.stderr  # the demo repo has planted secrets
    assert run.stdout == "" and out.is_file()
    text = out.read_text()
    if fmt == "json":
        assert json.loads(text)["findings"]
    elif fmt == "sarif":
        assert json.loads(text)["runs"][0]["results"]
    else:
        assert "REDACTED" in text and "secret(s) in" in text
    markers = [m for p in demo_repo.planted for m in p.leak_markers]
    assert markers
    leaked = [m[:6] + "…" for m in markers if m in text or m in run.stderr]
    assert not leaked, f"{fmt} report leaks {leaked}"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600  # written like every report: temp file, rename
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temp file left behind


def test_out_that_cannot_be_written_is_one_clear_line(demo_repo, tmp_path):
    (tmp_path / "a-file").write_text("x")
    run = launch_ready("secrets", str(demo_repo.path), "--out", str(tmp_path / "a-file" / "report.txt"))
    assert run.returncode == 2 and "cannot write" in run.stderr and "Traceback" not in run.stderr
    assert (tmp_path / "a-file").read_text() == "x"


def test_help_loads_neither_the_scanner_nor_git():
    code = ("import sys\nfrom wizard.cli import cli\n"
            "try:\n    cli.main(['--help'], prog_name='launch-ready')\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    loaded = set(run.stderr.split())
    assert "wizard.cli" in loaded and "wizard.secretscan.cli" in loaded
    heavy = {m for m in loaded if m in ("git", "re2", "json", "argparse", "wizard.redact", "wizard.session")
             or m.startswith(("git.", "wizard.secretscan.")) and m != "wizard.secretscan.cli"}
    assert not heavy, f"launch-ready --help imports {sorted(heavy)}"
