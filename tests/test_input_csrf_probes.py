"""Input validation and CSRF (write tier): ground truth on the demo (cookies, a form) and the Ledger
API (bearer JWTs, a create route), records put back or deleted, and request counts within the plan."""

from __future__ import annotations

import time

import pytest

from wizard.demo.app import DEMO_USERS, demo_env
from wizard.demo.repo import make_demo_repo
from wizard.demo.server import DemoServer
from wizard.engine.http import is_unsafe_path
from wizard.inventory import load_inventory
from wizard.probes import mutations as mut
from wizard.probes.csrf_active import max_requests as csrf_max
from wizard.probes.htmlforms import forms_in
from wizard.probes.input_validation import per_route_requests, write_routes

from targets.audit import bad, demo_config, ledger_config, run_probes
from targets.ledger_api import LedgerApi, ledger_env

PROBES = ["input", "csrf-active"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_demo_repo(tmp_path_factory.mktemp("repo") / "r", fixed=False)


def pairs(findings):
    return {(f.rule, f.title) for f in bad(findings)}


DEMO_FLAWED = {
    ("input.server-error", "PATCH /api/me answers bad input with a server error (5xx)"),  # B6
    ("input.verbose-error", "PATCH /api/me shows internal error details (Python stack trace)"),  # B9
    ("input.mass-assignment", "PATCH /api/me lets a caller set 'role' (mass assignment)"),  # B7
    ("csrf.forged-request", "POST /preferences accepts a forged cross-site form"),  # B8
    # H02's CORS layer answers any Origin's preflight with credentials allowed, so the JSON routes
    # can be driven from another site too (H02b)
    ("csrf.forged-request", "PATCH /api/me accepts a forged cross-site request"),
    ("csrf.forged-request", "PATCH /api/customers/{customer_id} accepts a forged cross-site request"),
}


@pytest.mark.parametrize("fixed", [False, True])
def test_demo_write_checks(tmp_path, repo, fixed):
    with DemoServer(fixed=fixed, workdir=tmp_path) as server:
        config = demo_config(tmp_path, server, repo.path, fixed)
        state = server.app.state.demo
        snapshot = lambda: ({u: dict(p) for u, p in state.profiles.items()}, [dict(c) for c in state.customers],
                            {u: dict(p) for u, p in state.preferences.items()})
        before = snapshot()
        findings, summary = run_probes(config, demo_env(), PROBES)
        log = list(server.access_log)
        after = snapshot()
    assert pairs(findings) == (set() if fixed else DEMO_FLAWED)
    assert summary.outcomes == {"input": "ok", "csrf-active": "ok"}
    # every change was put back: the same profiles (role included), customer notes and preferences as before
    assert after == before
    assert after[0]["support"]["role"] == DEMO_USERS["support"]["role"]
    endpoints = load_inventory(config)
    assert summary.requests["input"] <= per_route_requests() * len(write_routes(config, endpoints))
    assert summary.requests["csrf-active"] <= csrf_max(config, endpoints)
    assert not [e for e in log if is_unsafe_path(e["path"]) or e["method"] == "DELETE"]
    if not fixed:
        csrf = next(f for f in findings if f.rule == "csrf.forged-request" and f.title.startswith("POST /preferences"))
        assert "SameSite=unset" in csrf.detail and any("Origin: https://launch-ready-csrf-test.invalid" in e for e in csrf.evidence)
        mass = next(f for f in findings if f.rule == "input.mass-assignment")
        assert any("'role' took the value sent" in e for e in mass.evidence)
    nothing_sent = {e["path"] for e in log if e["method"] in ("POST", "PATCH")} - {"/login", "/api/me", "/preferences",
                                                                                  "/api/customers/101"}
    assert nothing_sent == set()  # only the test role's own records and its own profile were written


LEDGER_FLAWED = {
    ("input.server-error", "POST /v1/invoices answers bad input with a server error (5xx)"),  # L11
    ("input.verbose-error", "POST /v1/invoices shows internal error details (Python stack trace)"),
    ("input.mass-assignment", "POST /v1/invoices lets a caller set 'role' (mass assignment)"),  # L12
}


@pytest.mark.parametrize("fixed", [False, True])
@pytest.mark.parametrize("allow_delete", [False, True])
def test_ledger_write_checks(tmp_path, fixed, allow_delete):
    with LedgerApi(fixed=fixed) as api:
        config = ledger_config(tmp_path, api.base_url, write=True)
        config.consent.delete = allow_delete
        memos = {k: v["memo"] for k, v in api.invoices.items()}
        findings, summary = run_probes(config, ledger_env(), PROBES, allow_delete=allow_delete)
        left = {k: v for k, v in api.invoices.items() if k not in memos}
        log = list(api.access_log)
    assert pairs(findings) == (set() if fixed else LEDGER_FLAWED)
    assert {k: api.invoices[k]["memo"] for k in memos} == memos  # changes to alice's invoice put back
    cleanup = [f for f in findings if f.rule == "input.cleanup"]
    deletes = [e for e in log if e["method"] == "DELETE"]
    if allow_delete:
        assert all(e["path"].startswith("/v1/invoices/inv-2") for e in deletes)  # only what the checks created
        assert len(api.deleted) == len(deletes) >= 1
        assert not cleanup or all(f.status.value == "skipped" for f in cleanup)
    else:
        assert deletes == []
        assert cleanup and cleanup[0].status.value == "skipped" and len(cleanup[0].evidence) == len(left)
    csrf = next(f for f in findings if f.rule == "csrf.forged-request")
    assert csrf.status.value == "n/a"  # bearer tokens: nothing a browser attaches by itself
    assert summary.requests["input"] <= per_route_requests() * 2  # POST /v1/invoices and PATCH /v1/invoices/{id} (from the spec)


def test_write_checks_refuse_production_even_with_consent(tmp_path, repo):
    with DemoServer(fixed=False, workdir=tmp_path) as server:
        config = demo_config(tmp_path, server, repo.path, False)
        config.target.environment = "production"
        findings, _ = run_probes(config, demo_env(), PROBES)
        log = list(server.access_log)
    assert {f.status.value for f in findings} == {"skipped"}
    assert not [e for e in log if e["method"] in ("PATCH", "PUT") or (e["method"] == "POST" and e["path"] != "/login")]


@pytest.mark.parametrize("behaviour", ["slow", "storm"])
def test_a_slow_or_failing_write_route_ends_with_unknown_and_a_reason(tmp_path, behaviour):
    from servers import http_server, reply

    def route(h):
        if h.path == "/login":
            return reply(h, 200, b'{"token": "write-test-token-123"}')
        if h.command == "GET" and h.path == "/api/profile":
            return reply(h, 200, b'{"id": 7, "name": "Test User"}', {"Content-Type": "application/json"})
        if behaviour == "slow":
            time.sleep(1.5)
        reply(h, 503, b"upstream unavailable")

    with http_server(route) as (url, log):
        started = time.monotonic()
        config = notes_config(tmp_path, url, timeout=1.0, routes="GET /api/profile\nPATCH /api/profile\n")
        findings, summary = run_probes(config, {"W_USER": "u", "W_PASS": "p-secret-2"}, ["input"])
        took = time.monotonic() - started
    assert summary.outcomes == {"input": "ok"} and took < 15
    f = next(f for f in findings if f.rule == "input.validated")
    assert f.status.value == "unknown" and "fails even a valid body" in f.title
    assert ("not answered (no complete answer within 1 s)" if behaviour == "slow" else "-> 503") in f.evidence[0]
    assert len([1 for m, p, _ in log if m == "PATCH"]) == 1  # nothing more was sent to it


def test_mutations_never_carry_anything_that_executes():
    values = [mut.value_for(m, "x") for m in mut.MUTATIONS]
    text = " ".join(str(v) for v in values)
    for needle in ("{{", "$(", "`", ";", "|", "&&", "<script", "__reduce__"):
        assert needle not in text
    assert any(isinstance(v, str) and "\ud800" in v for v in values)  # the lone surrogate is really there
    assert max(len(str(v)) for v in values) == mut.ONE_MB


def test_a_valid_body_from_a_spec():
    schema = {"properties": {"customer": {"type": "string"}, "amount_cents": {"type": "integer", "minimum": 100},
                             "currency": {"type": "string", "enum": ["EUR", "USD"]}, "id": {"type": "string", "readOnly": True},
                             "email": {"type": "string", "format": "email"}},
              "required": ["amount_cents", "currency", "id"]}
    body = mut.example_body(schema)
    assert body["amount_cents"] == 100 and body["currency"] == "EUR" and body["customer"].startswith("launch-ready-")
    assert "id" not in body and "email" not in body
    assert mut.example_body({"properties": {}, "required": [], "example": {"a": 1}}) == {"a": 1}
    assert mut.verbose_error('Traceback (most recent call last):\n  File "app.py", line 3') == "Python stack trace"
    assert mut.verbose_error("ERROR: syntax error at or near \"'\"") == "SQL error"
    assert mut.verbose_error('{"error": "name must be text"}') is None


def test_forms_keep_their_fields_tokens_and_selected_values():
    page = """<form method="POST" action="/save"><input type="hidden" name="csrfmiddlewaretoken" value="tok">
    <input name="title" value="A &amp; B"><textarea name="note">hello</textarea>
    <select name="plan"><option value="a">A</option><option value="b" selected>B</option></select>
    <input type="checkbox" name="notify" checked><input type="checkbox" name="off"><input type="submit" name="go" value="Save">
    </form><form><input name="q"></form>"""
    forms = forms_in(page)
    assert [f.method for f in forms] == ["post", "get"]
    form = forms[0]
    assert form.token_fields == ["csrfmiddlewaretoken"]
    assert form.data() == {"csrfmiddlewaretoken": "tok", "title": "A & B", "note": "hello", "plan": "b", "notify": "on"}
    assert forms_in("<form><input name='x' value='1'>")[0].value("x") == "1"  # a page cut off mid-form still parses


class NotesApi:
    """A cookie-session JSON API: POST /api/notes/{id} changes a note. `strict` requires a JSON
    content type (a cross-site form cannot send one); otherwise any body that parses is taken."""

    def __init__(self, strict: bool, behaviour: str = ""):
        self.strict, self.behaviour = strict, behaviour
        self.notes = {"n1": {"id": "n1", "owner": "tester", "note": "first note"}}

    def __call__(self, h):
        import json

        from servers import reply

        if h.path == "/login":
            return reply(h, 200, b'{"ok": true}', {"Set-Cookie": "sid=notes-session-value-1; Path=/; HttpOnly; SameSite=None"})
        if self.behaviour == "slow":
            time.sleep(1.5)
        if self.behaviour == "storm":
            return reply(h, 503, b"upstream unavailable")
        if "sid=notes-session-value-1" not in h.headers.get("cookie", ""):
            return reply(h, 401, b'{"error": "login"}')
        if h.command == "GET" and h.path == "/api/notes":
            return reply(h, 200, json.dumps({"notes": list(self.notes.values())}).encode(), {"Content-Type": "application/json"})
        if h.command == "GET" and h.path.startswith("/api/notes/"):
            note = self.notes.get(h.path.rsplit("/", 1)[1])
            return reply(h, 200 if note else 404, json.dumps(note or {}).encode(), {"Content-Type": "application/json"})
        if h.command == "POST" and h.path.startswith("/api/notes/"):
            if self.strict and h.headers.get("content-type") != "application/json":
                return reply(h, 415, b'{"error": "send JSON"}')
            doc = json.loads(h.body or b"{}")
            self.notes[h.path.rsplit("/", 1)[1]].update(note=str(doc.get("note", "")))
            return reply(h, 204, b"")
        return reply(h, 405, b"")


NOTES_ROUTES = "GET /api/notes\nGET /api/notes/{id}\nPOST /api/notes/{id}\n"


def notes_config(tmp_path, url, timeout: float = 3.0, routes: str = NOTES_ROUTES):
    """A write-tier config for a small local server: one test role, these routes, no discovery."""
    from wizard.config import load_config

    (tmp_path / "endpoints.txt").write_text(routes, encoding="utf-8")
    path = tmp_path / "c.toml"
    path.write_text(f"""[target]
url = "{url}"
[endpoints]
list = "endpoints.txt"
from_source = false
discover = false
[roles.tester]
login = {{ route = "POST /login", username_env = "W_USER", password_env = "W_PASS" }}
[consent]
login = true
write = true
[limits]
request_timeout = {timeout}
""", encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize("strict", [False, True])
def test_a_json_post_that_a_cross_site_form_can_send_as_text_plain(tmp_path, strict):
    from servers import http_server

    api = NotesApi(strict)
    with http_server(api) as (url, log):
        findings, _ = run_probes(notes_config(tmp_path, url), {"W_USER": "u", "W_PASS": "p-secret-3"}, ["csrf-active"])
    f = next(f for f in findings if f.rule == "csrf.forged-request")
    sent = [h for m, p, h in log if m == "POST" and p == "/api/notes/n1"]
    assert sent[0]["content-type"] == "text/plain" and sent[0]["origin"] == "https://launch-ready-csrf-test.invalid"
    if strict:
        assert f.status.value == "pass" and len(sent) == 1
    else:
        assert f.status.value == "fail" and f.title == "POST /api/notes/{id} accepts a forged cross-site request"
        assert len(sent) == 2  # the forged change, then the original text put back
    assert api.notes["n1"]["note"] == "first note"


@pytest.mark.parametrize("behaviour", ["slow", "storm"])
def test_csrf_checks_end_with_unknown_and_a_reason_on_a_failing_server(tmp_path, behaviour):
    from servers import http_server

    with http_server(NotesApi(False, behaviour)) as (url, log):
        started = time.monotonic()
        findings, summary = run_probes(notes_config(tmp_path, url, timeout=1.0), {"W_USER": "u", "W_PASS": "p-secret-3"},
                                       ["csrf-active"])
    assert summary.outcomes == {"csrf-active": "ok"} and time.monotonic() - started < 20
    assert [(f.rule, f.status.value) for f in findings] == [("csrf.forged-request", "unknown")]  # nothing judged
    why = "GET /api/notes got no answer (no complete answer within 1 s)" if behaviour == "slow" else "GET /api/notes answered 503"
    assert why in findings[0].title


def test_a_put_route_gets_the_whole_record_so_nothing_else_is_wiped(tmp_path):
    import json

    from wizard.config import load_config

    from servers import http_server, reply

    record = {"id": "p1", "title": "Quarterly plan", "budget": 1200, "updated_at": "2026-01-01T00:00:00Z"}
    bodies = []

    def route(h):
        if h.path == "/login":
            return reply(h, 200, b'{"token": "put-test-token-123"}')
        if h.command == "GET" and h.path == "/api/plans":
            return reply(h, 200, json.dumps([record]).encode(), {"Content-Type": "application/json"})
        if h.command == "GET":
            return reply(h, 200, json.dumps(record).encode(), {"Content-Type": "application/json"})
        doc = json.loads(h.body)
        bodies.append(doc)
        if (set(doc) != {"title", "budget"} or not isinstance(doc["title"], str) or len(doc["title"]) > 100
                or "\ud800" in doc["title"] or not isinstance(doc["budget"], int)):
            return reply(h, 422, b'{"error": "invalid"}')
        record.update(doc)  # a PUT: the whole record as sent
        return reply(h, 204, b"")

    with http_server(route) as (url, log):
        (tmp_path / "endpoints.txt").write_text("GET /api/plans\nGET /api/plans/{id}\nPUT /api/plans/{id}\n")
        path = tmp_path / "c.toml"
        path.write_text(f'[target]\nurl = "{url}"\n[endpoints]\nlist = "endpoints.txt"\nfrom_source = false\ndiscover = false\n'
                        '[roles.t]\nlogin = { route = "POST /login", username_env = "W_USER", password_env = "W_PASS" }\n'
                        '[consent]\nlogin = true\nwrite = true\n')
        findings, _ = run_probes(load_config(path), {"W_USER": "u", "W_PASS": "p-secret-4"}, ["input"])
    assert [f.status.value for f in findings] == ["pass"]
    assert bodies[0] == {"title": "Quarterly plan", "budget": 1200}  # the whole record, minus what the server owns
    assert all("budget" in b for b in bodies)
    assert record["title"] == "Quarterly plan" and record["budget"] == 1200
