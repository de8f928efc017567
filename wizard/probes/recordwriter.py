"""Writing as one test role to its own records, within a per-route share of the announced requests.

Used by the write-tier probes (input validation, CSRF). A route is made concrete as a `Target`: the
test role's own record (its id from the role's own list), where to read it back, and a valid body
to start from (its current value of one text field; for a create route, a body from the config or
the OpenAPI spec with a marker in its text field).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from wizard.engine.http import BlockedRequest, BudgetExhausted, RequestFailed
from wizard.inventory import Endpoint, template_key
from wizard.probes import mutations as mut
from wizard.probes.authz.objects import IdBook, fill
from wizard.probes.authz.requests import Outcome, RoleRequests
from wizard.probes.authz.writes import choose_field, read_template, unwrap

ID_KEYS = ("id", "uuid", "pk", "_id", "key", "slug")
_SERVER_OWNED = re.compile(r"(^|_)(created|updated|modified|deleted)(_?at|_?on|_?by)?$|^(etag|version)$", re.I)


def actor_role(config) -> str | None:
    """The least privileged role that can log in: its own records are the ones changed."""
    roles = [n for n, r in config.roles.items() if r.login or r.token_env or r.cookie_env]
    return min(roles, key=lambda n: (config.roles[n].level, n)) if roles else None


async def open_write_session(probe, ctx, what: str, rule_prefix: str):
    """The gate every write-tier probe passes: staging, consent to writes, a login as the actor role.

    Returns (role, auth state, None) when the probe may go on, else (None, None, the finding that says why)."""
    from wizard.engine.auth import login
    from wizard.model import Status, Tier

    if ctx.config.target.environment != "staging" or not ctx.allows(Tier.WRITE):
        return None, None, probe.finding(f"{rule_prefix}.not-probed", Status.SKIPPED,
                                         f"{what} run only on staging, with consent to writes", key="tier")
    role = actor_role(ctx.config)
    state = await login(ctx, role, probe.id) if role else None
    if state is None or not state.ok:
        return None, None, probe.finding(f"{rule_prefix}.not-probed", Status.UNKNOWN, f"{what} could not log in as '{role}'",
                                         key="login", detail=state.reason if state else "no role that can log in")
    return role, state, None


@dataclass
class Target:
    """A route made concrete: where to write, where to read back, and a valid body to change."""

    ep: Endpoint
    path: str
    read_path: str | None
    base: dict
    text_field: str | None
    typed_field: str | None = None
    required: list[str] = field(default_factory=list)
    record: dict | None = None  # the record before (updates)
    creates: bool = False


@dataclass
class NotConcrete:
    """Why a route could not be made concrete; `server_failed`: the app did not answer properly (unknown)."""

    reason: str
    server_failed: bool = False

    def __str__(self) -> str:
        return self.reason


def as_json(resp):
    try:
        return resp.json()
    except ValueError:
        return None


def created_path(ep: Endpoint, resp) -> str | None:
    """Where the record a create route made lives: its id in the answer, or the Location header."""
    doc = unwrap(as_json(resp)) or {}
    ident = next((str(doc[k]) for k in ID_KEYS if isinstance(doc.get(k), (str, int)) and not isinstance(doc.get(k), bool)), None)
    location = resp.headers.get("location", "")
    if ident is None and location:
        ident = location.rstrip("/").rsplit("/", 1)[-1]
    return ep.path.rstrip("/") + f"/{ident}" if ident else None


class RecordWriter:
    def __init__(self, ctx, probe_id: str, role: str, headers: dict[str, str], allowance: int):
        self.ctx, self.probe_id, self.role, self.headers = ctx, probe_id, role, headers
        self.allowance = allowance
        self.ids = IdBook(RoleRequests(ctx, probe_id, {role: headers}, concurrency=1))
        self.route_start = 0

    def start_route(self) -> None:
        self.route_start = self.ctx.http.sent[self.probe_id]

    @property
    def used(self) -> int:
        return self.ctx.http.sent[self.probe_id] - self.route_start

    async def send(self, method: str, path: str, body=None, *, headers: dict[str, str] | None = None,
                   content: bytes | None = None) -> Outcome:
        """As the role (plus `headers`), a JSON `body` or raw `content`; refused beyond the route's share."""
        if self.used >= self.allowance:
            return Outcome(error="this route's share of the announced requests is used up", blocked=True)
        sent = {**self.headers, **(headers or {})}
        extra = {}
        if body is not None:
            # encoded here: json.dumps escapes a lone surrogate (an encoder that writes UTF-8 would refuse it)
            sent.setdefault("Content-Type", "application/json")
            extra["content"] = json.dumps(body).encode()
        elif content is not None:
            extra["content"] = content
        try:
            resp = await self.ctx.http.request(method, self.ctx.base_url.rstrip("/") + path, probe=self.probe_id,
                                               headers=sent, follow_redirects=False, **extra)
            return Outcome(resp)
        except BudgetExhausted as err:
            return Outcome(error=err.reason, blocked=True, budget=True)
        except BlockedRequest as err:
            return Outcome(error=err.reason, blocked=True)
        except RequestFailed as err:
            return Outcome(error=err.reason)

    async def read(self, path: str | None) -> dict | None:
        if not path:
            return None
        out = await self.send("GET", path)
        return unwrap(as_json(out.resp)) if out.ok else None

    async def _failed_read(self, path: str) -> NotConcrete | None:
        """When a read the target needs failed on the server's side (no answer, 5xx): say so."""
        out = await self.ids.requests.get(self.role, path)  # the answer IdBook already got: no new request
        if out.resp is None and not out.blocked:
            return NotConcrete(f"GET {path} got no answer ({out.error})", True)
        if out.resp is not None and out.resp.status >= 500:
            return NotConcrete(f"GET {path} answered {out.resp.status}", True)
        return None

    async def target(self, ep: Endpoint) -> Target | NotConcrete:
        """The route made concrete, or why it cannot be (in plain words)."""
        gets = {template_key(e.path) for e in self.ctx.endpoints if e.method == "GET"}
        if ep.method == "POST" and not ep.params:
            base = self.ctx.config.input.examples.get(str(ep)) or mut.example_body(ep.body_schema)
            if not base:
                return NotConcrete("no example body: give one in [input] examples, or an OpenAPI spec with the body's schema")
            base = dict(base)
            text = next((k for k, v in base.items() if isinstance(v, str)), None)
            if text:
                base[text] = mut.marker()
            typed = next((k for k, v in base.items() if isinstance(v, (int, float, bool))), None)
            required = list((ep.body_schema or {}).get("required") or base)
            item_path = ep.path.rstrip("/") + "/{}"
            return Target(ep, ep.path, item_path if template_key(item_path) in gets else None, base, text, typed,
                          required, None, creates=True)
        read_tpl = read_template(ep, self.ctx.endpoints)
        if template_key(read_tpl) not in gets:
            return NotConcrete("no GET route to read the record back")
        if ep.params:
            owned = await self.ids.owned(self.role, read_tpl)
            if not owned:
                collection = read_tpl[: read_tpl.index("{")].rstrip("/")
                return (await self._failed_read(collection) if "{" not in collection else None) or NotConcrete(
                    f"no record of '{self.role}' found to change (its list gave no ids)")
            write_path, read_path = fill(ep.path, owned[0]), fill(read_tpl, owned[0])
        else:
            write_path, read_path = ep.path, read_tpl
        out = await self.send("GET", read_path)
        record = unwrap(as_json(out.resp)) if out.ok else None
        if record is None:
            if out.resp is None and not out.blocked:
                return NotConcrete(f"GET {read_path} got no answer ({out.error})", True)
            if out.resp is not None and out.resp.status >= 500:
                return NotConcrete(f"GET {read_path} answered {out.resp.status}", True)
            return NotConcrete(f"GET {read_path} gave no JSON record")
        text = choose_field(record, ep.body_fields)
        if text is None:
            return NotConcrete(f"GET {read_path} shows no text field that is safe to change")
        typed = next((k for k, v in record.items() if isinstance(v, (int, float, bool)) and k in ep.body_fields), None)
        # a PUT replaces the whole record, so its body is the whole record as read (minus what the server owns)
        base = ({k: v for k, v in record.items() if k not in ID_KEYS and not _SERVER_OWNED.search(k)}
                if ep.method == "PUT" else {text: record[text]})
        return Target(ep, write_path, read_path, base, text, typed, [], record)
