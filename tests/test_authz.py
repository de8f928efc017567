"""The authorization matrix's parts: content comparison, expected access, ids from lists, writes, data."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from wizard.config import Config, load_config
from wizard.engine.http import ClientPolicy, Response, ScopedClient
from wizard.errors import UserError
from wizard.inventory import Endpoint
from wizard.probes.authz.compare import judge, specific, values_of
from wizard.probes.authz.expect import expected_access, privileged_roles
from wizard.probes.authz.matrix import BYPASSED, Cell, Matrix, Row
from wizard.probes.authz.objects import IdBook, fill, ids_in
from wizard.probes.authz.requests import RoleRequests
from wizard.probes.authz.writes import choose_field, read_template, unwrap
from wizard.redact import register_secret

from servers import http_server, reply


def resp(status: int = 200, body: object = b"", ctype: str = "application/json", **headers) -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response("GET", "http://t/x", status, httpx.Headers({"content-type": ctype, **headers}), raw, 0.0)


ADMIN_USERS = {"users": [{"username": "admin", "name": "Avery Admin", "role": "admin", "last_login": "2024-05-01T10:00:00Z"},
                         {"username": "support", "name": "Sam Support", "role": "support", "csrf_token": "abc123xyz"}],
               "generated_at": "2024-05-02T09:00:00Z", "count": 2}


# --------------------------------------------------------------------------- judging content


def test_values_leave_out_volatile_keys_timestamps_and_trivia():
    values = values_of(resp(body=ADMIN_USERS)).values
    assert set(values) == {"admin", "Avery Admin", "support", "Sam Support"}
    assert values["Avery Admin"] == "users[].name"


def test_a_lower_role_with_the_same_data_is_a_bypass_even_with_other_timestamps():
    spec = specific(values_of(resp(body=ADMIN_USERS)))
    replay = dict(ADMIN_USERS, generated_at="2024-05-02T09:00:07Z")
    j = judge(resp(body=replay), spec, owner="admin")
    assert j.state == "bypassed" and j.shared_keys == ["users[].name", "users[].username"]


@pytest.mark.parametrize("answer,state,reason", [
    (resp(403, {"error": "forbidden"}), "enforced", "refused with 403"),
    (resp(404, {"error": "not found"}), "enforced", "answered 404 (hidden from this role)"),
    (resp(302, b"", location="/login?next=/admin"), "enforced", "redirected to the login page"),
    (resp(200, b"<form><input name=u><input type=password name=p></form>", "text/html"), "enforced", "answered with the login page"),
    (resp(200, {"ok": False, "error": "forbidden"}), "enforced", "answered 200 but without admin's data (0 of 4 specific values)"),
    (resp(500, b"boom", "text/plain"), "inconclusive", "server error 500"),
    (resp(200, b"<html>home</html>", "text/html"), "enforced", "answered with the public home page"),
])
def test_refusals_and_look_alike_answers_are_not_bypasses(answer, state, reason):
    j = judge(answer, specific(values_of(resp(body=ADMIN_USERS))), owner="admin", public_pages=(b"<html>home</html>",))
    assert j.state == state and reason in j.reason


def test_the_callers_own_identity_is_not_specific_to_the_owner():
    admin_view = values_of(resp(body=ADMIN_USERS))
    support_identity = values_of(resp(body={"username": "support", "name": "Sam Support", "role": "support"}))
    only_itself = resp(body={"users": [{"username": "support", "name": "Sam Support"}]})
    assert judge(only_itself, specific(admin_view), owner="admin").state == "bypassed"  # without knowing who asks
    j = judge(only_itself, specific(admin_view, support_identity), owner="admin")
    assert j.state == "enforced" and "0 of 2" in j.reason


def test_nothing_specific_to_compare_is_inconclusive_not_a_pass_or_a_bypass():
    j = judge(resp(body={"ok": True}), specific(values_of(resp(body={"ok": True, "n": 1}))), owner="admin")
    assert j.state == "inconclusive" and "no content specific enough" in j.reason


def test_values_the_attacker_sees_on_its_own_record_and_the_id_are_not_specific():
    owner = values_of(resp(body={"id": 102, "name": "Bruno Costa", "plan": "team", "orders": [{"status": "paid"}]}))
    attacker_own = values_of(resp(body={"id": 101, "name": "Ada Lovelace", "plan": "team", "orders": [{"status": "paid"}]}))
    spec = specific(owner, attacker_own, exclude={"102"})
    assert set(spec.values) == {"Bruno Costa"}


def test_csv_and_html_answers_are_compared_by_their_words():
    csv = b"id,name,email\n101,Ada Lovelace,ada.lovelace@example.com\n102,Bruno Costa,bruno.costa@example.com\n"
    spec = specific(values_of(resp(body=csv, ctype="text/csv")))
    assert judge(resp(body=csv, ctype="text/csv"), spec, owner="admin").state == "bypassed"
    assert judge(resp(body=b"id,name,email\n", ctype="text/csv"), spec, owner="admin").state == "enforced"


# --------------------------------------------------------------------------- expected access


def cfg(**data) -> Config:
    data.setdefault("roles", {"admin": {"level": 10}, "lead": {"level": 10}, "support": {"level": 1}})
    return Config.model_validate(data)


def test_expected_access_defaults_from_tags_and_the_highest_level():
    c = cfg()
    assert privileged_roles(c) == ["admin", "lead"]
    admin_route = Endpoint("GET", "/admin/users", {"admin", "users"})
    assert expected_access(admin_route, c).allowed == ["admin", "lead"]
    assert expected_access(admin_route, c).because == "tag 'admin'"
    assert expected_access(Endpoint("GET", "/api/tickets"), c).allowed == ["admin", "lead", "support"]
    assert "anonymous" in expected_access(Endpoint("GET", "/health", {"public"}), c).allowed


def test_access_rules_come_first_and_the_matrix_section_is_editable():
    c = cfg(access=[{"route": "GET /admin/users", "allow": ["authenticated"]},
                    {"route": "* /api/tickets/*", "allow": ["support"], "owner_only": True},
                    {"route": "/status", "allow": ["anonymous"]}],
            matrix={"privileged_roles": ["admin"], "privileged_tags": ["billing"]})
    assert expected_access(Endpoint("GET", "/admin/users", {"admin"}), c).allowed == ["admin", "lead", "support"]
    tickets = expected_access(Endpoint("PATCH", "/api/tickets/{id}"), c)
    assert tickets.allowed == ["support"] and tickets.owner_only is True and tickets.because == "access[1] * /api/tickets/*"
    assert expected_access(Endpoint("GET", "/status"), c).allowed[0] == "anonymous"
    assert expected_access(Endpoint("GET", "/admin/roles", {"admin"}), c).allowed == ["admin", "lead", "support"]
    assert expected_access(Endpoint("GET", "/invoices", {"billing"}), c).allowed == ["admin"]


def test_an_unknown_role_in_an_access_rule_is_a_clear_error(tmp_path):
    path = tmp_path / "launch-ready.toml"
    path.write_text('[roles.admin]\ntoken_env = "T"\n\n[[access]]\nroute = "GET /admin/*"\nallow = ["admn"]\n')
    with pytest.raises(UserError) as err:
        load_config(path)
    assert "access[0] (GET /admin/*): unknown role 'admn' in allow" in str(err.value)
    path.write_text('[[access]]\nroute = "FETCH admin"\nallow = []\n')
    with pytest.raises(UserError, match="route must look like 'GET /admin/users'"):
        load_config(path)


# --------------------------------------------------------------------------- ids from list responses


def test_ids_are_read_from_the_records_of_a_list_answer():
    assert ids_in([{"id": 101}, {"id": 102}, {"id": 101}], "id") == ["101", "102"]
    assert ids_in({"customers": [{"id": 7, "owner": "x"}], "count": 1}, "customer_id") == ["7"]
    assert ids_in({"data": {"items": [{"invoice_id": "inv-1", "id": 9}]}}, "invoice_id") == ["inv-1"]
    assert ids_in({"users": [{"username": "sam", "id": 3}]}, "username") == ["sam"]
    assert ids_in({"users": [{"id": "../../etc/passwd"}, {"id": "ok-1"}]}, "id") == ["ok-1"]  # never a path
    assert ids_in({"ok": True}, "id") == []
    assert fill("/a/{x}/b/{y}", {"x": "1", "y": "2"}) == "/a/1/b/2"


def test_nested_templates_are_filled_left_to_right_from_each_list():
    def route(h):
        if h.headers.get("authorization") != "Bearer t":
            return reply(h, 401, b"{}")
        bodies = {"/projects": {"projects": [{"id": "p1"}, {"id": "p2"}]},
                  "/projects/p1/tasks": {"tasks": [{"id": 11}, {"id": 12}]}}
        body = bodies.get(h.path)
        reply(h, 200 if body else 404, json.dumps(body or {}).encode(), {"Content-Type": "application/json"})

    class Ctx:
        pass

    async def go(url):
        async with ScopedClient(ClientPolicy(scope={"127.0.0.1"}, timeout=3)) as client:
            ctx = Ctx()
            ctx.http, ctx.base_url = client, url
            book = IdBook(RoleRequests(ctx, "t", {"alice": {"Authorization": "Bearer t"}, "anonymous": {}}))
            return (await book.owned("alice", "/projects/{pid}/tasks/{tid}"),
                    await book.owned("anonymous", "/projects/{pid}"), await book.owned("alice", "/nolist/{id}"))

    with http_server(route) as (url, log):
        tasks, anon, nolist = asyncio.run(go(url))
    assert tasks == [{"pid": "p1", "tid": "11"}, {"pid": "p1", "tid": "12"}]
    assert anon is None and nolist is None  # refused or no list: nothing to try, said as None
    alice = [p for _, p, h in log if h.get("authorization")]
    assert alice.count("/projects") == 1  # the list is fetched once per role


# --------------------------------------------------------------------------- writes


def test_the_write_check_changes_one_free_text_field_and_reads_back_where_it_can():
    record = {"id": 7, "owner": "sam", "email": "a@b.c", "note": "x", "name": "Ada", "status": "open", "memo": "m"}
    assert choose_field(record, []) == "note"
    assert choose_field(record, ["memo"]) == "memo"
    assert choose_field({"id": 1, "role": "admin", "password": "x"}, ["role"]) is None
    eps = [Endpoint("GET", "/api/customers/{id}"), Endpoint("PUT", "/api/customers/{customer_id}/note")]
    assert read_template(eps[1], eps) == "/api/customers/{id}"
    assert unwrap({"data": {"id": 1, "memo": "m"}}) == {"id": 1, "memo": "m"}
    assert unwrap({"id": 1, "data": {"x": 1}, "a": 1, "b": 2}) == {"id": 1, "data": {"x": 1}, "a": 1, "b": 2}


# --------------------------------------------------------------------------- the matrix as data


def test_matrix_data_for_the_grid_is_plain_and_redacted():
    register_secret("tok-very-secret-123", "test")
    m = Matrix(["anonymous", "admin", "support"])
    row = Row("GET", "/admin/users", ["admin"], "tag 'admin'", "list, source")
    row.set("support", Cell(BYPASSED, "answered 200 with 4 of 4 values", evidence=["GET /admin/users as support -> 200 tok-very-secret-123"]))
    row.set("support", Cell("enforced", "weaker verdicts never hide a bypass"))
    m.rows.append(row)
    data = m.to_data()
    assert data["columns"] == ["anonymous", "admin", "support"]
    cell = data["rows"][0]["cells"]["support"]
    assert cell["state"] == "bypassed" and cell["label"] == "BYPASSED"
    assert "tok-very-secret-123" not in json.dumps(data)
    assert m.as_text()[1].split("|")[-1].strip() == "BYPASSED"
