"""Command line: `launch-ready` (wizard), `scan` (CI), `report` (render a saved session), `retest`, `demo`.

Only click is imported at start-up; everything heavy is imported inside the command that needs it.
Exit codes: 0 ok, 1 the --fail-on gate tripped, 2 bad input, 130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wizard import __version__
from wizard.secretscan.cli import secrets_command

EXIT_GATE = 1
EXIT_INPUT = 2
REPORT_FORMATS = ["json", "html", "md", "sarif", "pdf", "csv"]  # wizard.report.FORMATS, without importing it


def _fail(message: str, code: int = EXIT_INPUT) -> None:
    click.echo(f"launch-ready: error: {message}", err=True)
    sys.exit(code)


def _split(values: tuple[str, ...]) -> list[str] | None:
    out = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return out or None


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="launch-ready")
@click.option("--plain", is_flag=True, help="Plain prompts instead of the full-screen wizard.")
@click.option("--call", "call_mode", is_flag=True, help="Discovery-call mode: plain wording, less technical detail.")
@click.option("--session", "session_path", type=click.Path(path_type=Path), help="Open this saved session.")
@click.pass_context
def cli(ctx: click.Context, plain: bool, call_mode: bool, session_path: Path | None) -> None:
    """Is this internal admin app ready for production traffic?

    Run without a command for the interactive wizard. Try `launch-ready demo` to audit the bundled
    demo app and get a PDF report in sample_reports/.
    """
    if ctx.invoked_subcommand is not None:
        return
    import os

    if plain or not sys.stdout.isatty() or os.environ.get("TERM") == "dumb":
        from wizard.plain import run_plain

        sys.exit(run_plain(session_path, call_mode))
    from wizard.tui import run_tui

    sys.exit(run_tui(session_path, call_mode))


@cli.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="The audit config (launch-ready.toml: target, scope, roles, consent; see the README).")
@click.option("--url", help="Target base URL (overrides the config).")
@click.option("--repo", type=click.Path(path_type=Path), help="Repository to scan (overrides the config).")
@click.option("--domain", help="Domain for DNS/email checks (overrides the config).")
@click.option("--endpoints", type=click.Path(path_type=Path), help="Plain endpoint list (METHOD /path [tags]).")
@click.option("--ca-bundle", type=click.Path(path_type=Path), help="Extra CA bundle (PEM) to trust.")
@click.option("--dns-server", help="Resolver host:port for DNS checks.")
@click.option("--only", multiple=True, help="Probe ids, item ids or areas (headers, secrets, authn, latency, ...).")
@click.option("--skip", multiple=True, help="Probe ids, item ids or areas to leave out.")
@click.option("--answers", "answers_path", type=click.Path(path_type=Path), help="Scripted answers (YAML).")
@click.option("--checklist", "checklist_dir", type=click.Path(path_type=Path), help="A checklist folder (default: internal-admin-app).")
@click.option("--session", "session_path", type=click.Path(path_type=Path), help="Session file (default: a new one in .launch-ready/sessions/).")
@click.option("--resume", is_flag=True, help="Continue the session file instead of starting a new one.")
@click.option("--format", "formats", multiple=True, type=click.Choice(REPORT_FORMATS), help="Report format(s); default json.")
@click.option("--out", type=click.Path(path_type=Path), help="Report path (or folder when several formats).")
@click.option("--fail-on", type=click.Choice(["blocker", "not-ready", "warn", "never"]), default="blocker", show_default=True,
              help="When to exit 1: a launch blocker; any NOT READY (also unverified); any warning; never.")
@click.option("--consent-login", is_flag=True, help="Allow logging in with the configured test accounts.")
@click.option("--consent-write", is_flag=True, help="Allow write-tier probes (staging only).")
@click.option("--allow-delete", is_flag=True, help="Allow DELETE on objects the tool created.")
@click.option("--log", "log_file", type=click.Path(path_type=Path), help="Write a full log here (secrets redacted).")
@click.option("--secrets-since", metavar="REV", help="Secret scan: only history not reachable from REV (e.g. the last audited commit).")
@click.option("--staged", is_flag=True, help="Secret scan: only the staged changes (no history, no working tree).")
def scan(config_path, url, repo, domain, endpoints, ca_bundle, dns_server, only, skip, answers_path, checklist_dir,
         session_path, resume, formats, out, fail_on, consent_login, consent_write, allow_delete, log_file,
         secrets_since, staged) -> None:
    """Audit without questions (CI). Progress goes to stderr when it is a terminal."""
    from wizard.commands import run_scan

    code = run_scan(
        config_path=config_path, url=url, repo=repo, domain=domain, endpoints=endpoints, ca_bundle=ca_bundle,
        dns_server=dns_server, only=_split(only), skip=_split(skip), answers_path=answers_path,
        checklist_dir=checklist_dir, session_path=session_path, resume=resume, formats=list(formats) or ["json"],
        out=out, fail_on=fail_on, consent_login=consent_login, consent_write=consent_write,
        allow_delete=allow_delete, log_file=log_file, secrets_since=secrets_since, staged=staged,
    )
    sys.exit(code)


@cli.command()
@click.argument("session_path", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output file; format from its suffix unless --format.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS))
@click.option("--checklist", "checklist_dir", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Take the [branding] (logo included) from this launch-ready.toml.")
def report(session_path: Path, out: Path, fmt: str | None, checklist_dir: Path | None, config_path: Path | None) -> None:
    """Render a report from a saved session."""
    from wizard.commands import run_report

    sys.exit(run_report(session_path, out, fmt, checklist_dir, config_path))


@cli.command()
@click.argument("session_path", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Folder for the new session and its reports (default: beside SESSION).")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Rerun against this launch-ready.toml instead of the config saved in the session.")
@click.option("--answers", "answers_path", type=click.Path(path_type=Path), help="Updated answers (YAML), applied after the probes.")
@click.option("--format", "formats", multiple=True, type=click.Choice(REPORT_FORMATS), help="Report format(s); default pdf, html, json.")
def retest(session_path: Path, out: Path | None, config_path: Path | None, answers_path: Path | None, formats) -> None:
    """Rerun an earlier audit's probes: what was fixed, what still fails, what is new."""
    from wizard.commands import run_retest

    sys.exit(run_retest(session_path, out, config_path, answers_path, list(formats) or ["pdf", "html", "json"]))


@cli.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True, help="The audit config (launch-ready.toml) whose endpoint sources to read.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--no-discover", is_flag=True, help="Do not look for an OpenAPI spec on the live app.")
def endpoints(config_path: Path, as_json: bool, no_discover: bool) -> None:
    """Show the merged route inventory: who should reach each route, its tags and sources."""
    from wizard.config import load_config
    from wizard.inventory.show import run_endpoints

    sys.exit(run_endpoints(load_config(config_path), as_json, discover=not no_discover))


@cli.command()
@click.option("--fixed", is_flag=True, help="Audit the fixed build of the demo app (comes out READY).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("sample_reports"), show_default=True)
@click.option("--serve", is_flag=True, help="Only start the demo app and keep it running (Ctrl-C stops it).")
@click.option("--retest", "retest_", is_flag=True,
              help="Audit the flawed build, then switch the app to the fixed build and retest the same session.")
def demo(fixed: bool, out: Path, serve: bool, retest_: bool) -> None:
    """Audit the bundled, deliberately flawed demo app and write its reports."""
    from wizard.demo.run import run_demo, run_demo_retest, serve_demo

    if serve:
        sys.exit(serve_demo(fixed))
    sys.exit(run_demo_retest(out) if retest_ else run_demo(fixed, out))


# The secrets command lives with the scanner (wizard/secretscan/cli.py); at import it needs only click.
cli.add_command(secrets_command)


def main() -> None:
    from wizard.errors import UserError

    try:
        cli.main(standalone_mode=False)
    except UserError as err:
        _fail(str(err), err.exit_code)
    except click.exceptions.Abort:
        _fail("interrupted", 130)
    except KeyboardInterrupt:
        _fail("interrupted; answers and results so far are saved in the session file", 130)
    except click.ClickException as err:
        err.show()
        sys.exit(EXIT_INPUT)
    except BrokenPipeError:
        sys.exit(1)
