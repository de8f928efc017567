"""A new audit: what to audit, within which scope, and how test accounts log in (by env var name)."""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.validation import Function, ValidationResult, Validator
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from wizard.errors import UserError

_ROLE = re.compile(r"^([a-z][\w-]*):([A-Za-z_]\w*):([A-Za-z_]\w*)$")


class UrlValidator(Validator):
    def validate(self, value: str) -> ValidationResult:
        from wizard.config import check_url

        try:
            check_url(value.strip())
            return self.success()
        except ValueError as err:
            return self.failure(str(err))


def _roles_ok(value: str) -> bool:
    return all(_ROLE.match(p.strip()) for p in value.split(",") if p.strip())


def _path_ok(value: str) -> bool:
    return not value.strip() or Path(value.strip()).expanduser().is_dir()


class SetupScreen(Screen):
    HELP_TOPIC = "setup"
    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+t", "test_connection", "Test connection")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="setup-form"):
            yield Static("New audit", classes="title")
            yield Label("Name of this audit")
            yield Input(placeholder="e.g. acme-admin-staging", id="name")
            yield Label("App URL (required)")
            yield Input(placeholder="https://admin.staging.example.com", id="url", validators=[UrlValidator()])
            yield Label("Hosts we may contact, comma separated (the URL's host is always included)")
            yield Input(placeholder="api.staging.example.com", id="scope")
            yield Label("Is this staging or production?")
            yield Select([("staging", "staging"), ("production", "production")], value="staging", allow_blank=False, id="environment")
            yield Label("Repository path (optional; scanned for leaked secrets, history included)")
            yield Input(placeholder="/path/to/checkout", id="repo",
                        validators=[Function(_path_ok, "not a folder on this machine")])
            yield Label("Endpoint list file (optional; one 'METHOD /path [tags]' a line)", markup=False)
            yield Input(placeholder="endpoints.txt", id="endpoints")
            yield Label("Domain for DNS and email checks (optional)")
            yield Input(placeholder="example.com", id="domain")
            yield Label("Domain that sends password-reset emails, if different (optional)")
            yield Input(placeholder="mail.example.com", id="email_domain")
            yield Label("DNS server to ask, host:port (optional; default: this machine's resolver)")
            yield Input(placeholder="10.0.0.2:53", id="dns_server")
            yield Label("Test accounts: role:USERNAME_ENV:PASSWORD_ENV, comma separated\n(names of environment variables, never the values)")
            yield Input(placeholder="admin:LR_ADMIN_USER:LR_ADMIN_PASS, support:LR_SUPPORT_USER:LR_SUPPORT_PASS", id="roles",
                        validators=[Function(_roles_ok, "write role:USER_ENV:PASS_ENV")])
        with Horizontal(id="setup-actions"):
            yield Button("Test connection", id="test")
            yield Button("Create audit", id="create", variant="primary")
            yield Static("", id="setup-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def _value(self, wid: str) -> str:
        return self.query_one(f"#{wid}", Input).value.strip()

    def build_config(self):
        from wizard.config import Config, LoginRecipe, Role, Target

        url = self._value("url")
        scope = [h.strip() for h in self._value("scope").split(",") if h.strip()]
        from urllib.parse import urlsplit

        host = urlsplit(url).hostname or ""
        target = Target(url=url, scope=[host] + [h for h in scope if h != host],
                        environment=self.query_one("#environment", Select).value,
                        repo=str(Path(self._value("repo")).expanduser().resolve()) if self._value("repo") else None,
                        domain=self._value("domain") or None,
                        email_domain=self._value("email_domain") or None,
                        dns_server=self._value("dns_server") or None)
        roles = {}
        for part in self._value("roles").split(","):
            m = _ROLE.match(part.strip())
            if m:
                roles[m.group(1)] = Role(login=LoginRecipe(username_env=m.group(2), password_env=m.group(3)))
        config = Config(target=target, roles=roles)
        if self._value("endpoints"):
            config.endpoints.list = str(Path(self._value("endpoints")).expanduser().resolve())
        config.consent.login = bool(roles)  # still asked on screen before every run
        return config

    def _error(self, text: str) -> None:
        self.query_one("#setup-error", Static).update(Text(text, style="red"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "test":
            self.action_test_connection()
        else:
            self.create()

    def create(self) -> None:
        for wid in ("url", "repo", "roles"):
            inp = self.query_one(f"#{wid}", Input)
            result = inp.validate(inp.value)
            if (wid == "url" or inp.value.strip()) and result is not None and not result.is_valid:
                self._error(f"{wid}: {'; '.join(result.failure_descriptions)}")
                inp.focus()
                return
        try:
            config = self.build_config()
            self.app.create_audit(config, self._value("name") or "audit")
        except UserError as err:
            self._error(str(err))
        except ValueError as err:  # pydantic's ValidationError: show its first, plain message
            errors = getattr(err, "errors", None)
            first = errors()[0] if callable(errors) else None
            self._error(f"{'.'.join(map(str, first['loc']))}: {first['msg']}" if first else str(err))

    def action_test_connection(self) -> None:
        url = self._value("url")
        if not url:
            self._error("Type the app URL first.")
            return
        self.query_one("#setup-error", Static).update(Text("Connecting…"))
        self._probe(url)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _probe(self, url: str) -> None:
        import asyncio
        from urllib.parse import urlsplit

        from wizard.engine.http import ClientPolicy, RequestFailed, BlockedRequest, ScopedClient

        async def go() -> str:
            async with ScopedClient(ClientPolicy(scope={urlsplit(url).hostname or ""}, budget=2, timeout=8)) as c:
                resp = await c.request("GET", url, probe="setup")
                return f"Connected: {resp.status} from {resp.url} in {resp.elapsed * 1000:.0f} ms"

        try:
            text = Text(asyncio.run(go()), style="green")
        except (RequestFailed, BlockedRequest) as err:
            text = Text(f"Could not connect: {err.reason}", style="red")
        except Exception as err:
            text = Text(f"Could not connect: {err}", style="red")
        self.app.call_from_thread(self.query_one("#setup-error", Static).update, text)

    def action_back(self) -> None:
        self.app.pop_screen()
