"""Importing real-world-shaped OpenAPI, Swagger, Postman and HAR files, and broken ones.

A broken file gives one clear message naming the file and the line (or the field); a HAR file's
cookies and Authorization values never reach the inventory or any output.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.config import Config
from wizard.engine.http import ClientPolicy, ScopedClient
from wizard.errors import UserError
from wizard.inventory import build_inventory, load_inventory
from wizard.inventory.document import read_document
from wizard.inventory.har import parse_har_document
from wizard.inventory.openapi import parse_openapi_document
from wizard.inventory.postman import parse_postman_document
from wizard.redact import scrub

from servers import http_server, reply

FIX = Path(__file__).parent / "fixtures" / "inventory"


def openapi(name: str):
    return {str(e): e for e in parse_openapi_document(read_document(FIX / name, "OpenAPI spec"))}


def config_for(tmp_path: Path, **endpoints) -> Config:
    config = Config.model_validate({"target": {"url": "https://staging.ops.acme.example/api/v2"},
                                    "endpoints": {"from_source": False, "discover": False, **endpoints}})
    config.base_dir = str(FIX)
    return config


# --------------------------------------------------------------------------- OpenAPI / Swagger


def test_openapi3_yaml_with_server_variables_refs_and_public_operations():
    eps = openapi("ops-api.openapi.yaml")
    assert set(eps) == {
        "GET /api/v2/health", "GET /api/v2/customers", "POST /api/v2/customers", "GET /api/v2/customers/{customerId}",
        "PATCH /api/v2/customers/{customerId}", "DELETE /api/v2/customers/{customerId}",
        "GET /api/v2/customers/{customerId}/notes/{noteId}", "GET /api/v2/admin/users", "PUT /api/v2/admin/users/{userId}/roles",
        "GET /api/v2/exports/customers.csv", "POST /api/v2/webhooks/stripe",
    }
    assert "public" in eps["GET /api/v2/health"].tags and eps["GET /api/v2/health"].declared_public is True
    assert "public" in eps["POST /api/v2/webhooks/stripe"].tags  # a path item behind a $ref
    assert eps["GET /api/v2/admin/users"].tags == {"admin"} and eps["GET /api/v2/admin/users"].declared_public is False
    assert eps["GET /api/v2/customers/{customerId}"].examples == {"customerId": "1042"}  # path-level parameter
    assert eps["GET /api/v2/customers/{customerId}/notes/{noteId}"].examples == {"noteId": "note_7f3a"}
    assert eps["PATCH /api/v2/customers/{customerId}"].body_fields == ["name", "note"]  # strings, not email/readOnly
    assert eps["PUT /api/v2/admin/users/{userId}/roles"].body_fields == ["reason"]  # role is an enum


def test_swagger2_json_with_base_path_and_body_parameter():
    eps = openapi("legacy.swagger.json")
    assert set(eps) == {"GET /billing/v1/invoices", "POST /billing/v1/invoices", "GET /billing/v1/invoices/{id}",
                        "GET /billing/v1/invoices/{id}/void", "GET /billing/v1/status"}
    assert eps["POST /billing/v1/invoices"].body_fields == ["memo"]
    assert eps["GET /billing/v1/invoices/{id}"].examples == {"id": "INV-2024-0042"}
    assert "public" in eps["GET /billing/v1/status"].tags


def test_spec_paths_are_made_relative_to_the_target_url(tmp_path):
    eps = {str(e) for e in load_inventory(config_for(tmp_path, openapi="ops-api.openapi.yaml"))}
    assert "GET /customers/{customerId}" in eps and "GET /admin/users" in eps


@pytest.mark.parametrize("name,where,message", [
    ("broken-syntax.openapi.json", ":8", "is not valid JSON: Expecting ',' delimiter"),
    ("broken-indent.openapi.yaml", ":10", "is not valid YAML"),
    ("no-paths.openapi.yaml", "", "the spec has no 'paths'"),
    ("bad-operation.openapi.yaml", ":11", "field 'paths./admin/users.get': an operation must be a mapping"),
    ("old-version.swagger.json", ":1", "field 'swagger': Swagger version '1.2' is not supported"),
    ("not-a-spec.json", "", "not an OpenAPI 3 or Swagger 2 document"),
])
def test_broken_specs_name_the_file_and_the_line(name, where, message):
    with pytest.raises(UserError) as err:
        parse_openapi_document(read_document(FIX / name, "OpenAPI spec"))
    text = str(err.value)
    assert text.startswith(f"{FIX / name}{where}: ") and message in text, text


def test_a_broken_spec_in_the_config_is_one_line_from_the_cli_without_a_traceback(tmp_path):
    (tmp_path / "launch-ready.toml").write_text(
        f'[target]\nurl = "http://127.0.0.1:9"\n[endpoints]\nopenapi = "{FIX / "bad-operation.openapi.yaml"}"\n'
        "from_source = false\n")
    result = subprocess.run([sys.executable, "-m", "wizard", "scan", "--config", str(tmp_path / "launch-ready.toml"),
                             "--only", "authn", "--session", str(tmp_path / "s.json")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "bad-operation.openapi.yaml:11: field 'paths./admin/users.get'" in result.stderr


# --------------------------------------------------------------------------- Postman


def test_postman_v21_folders_variables_and_inherited_auth():
    doc = read_document(FIX / "admin.postman_collection.json", "Postman collection", yaml_ok=False)
    eps = {str(e): e for e in parse_postman_document(doc)}
    # `{{customerId}}` is a collection variable: resolved to 1042, then templated back as a real id
    assert set(eps) == {"GET /api/v2/customers", "GET /api/v2/customers/{customerId}", "PATCH /api/v2/customers/{id}",
                        "GET /api/v2/admin/users", "GET /api/v2/admin/audit-log", "GET /api/v2/exports/customers.csv",
                        "GET /api/v2/health", "POST /api/v2/auth/login"}
    assert eps["GET /api/v2/customers/{customerId}"].examples == {"customerId": "1042"}
    assert eps["PATCH /api/v2/customers/{id}"].body_fields == ["note"] and eps["PATCH /api/v2/customers/{id}"].examples == {"id": "1042"}
    assert eps["GET /api/v2/admin/audit-log"].tags == {"admin", "sub-folder"}  # nested folders are tags
    assert eps["GET /api/v2/admin/users"].declared_public is False  # the Admin folder's own bearer auth
    assert "public" in eps["GET /api/v2/health"].tags  # the Public folder says noauth
    assert "public" not in eps["GET /api/v2/customers"].tags  # inherits the collection's bearer auth
    assert eps["GET /api/v2/admin/users"].origins == ["admin.postman_collection.json: Admin / All users"]
    # literal auth values in the collection are registered, so no output can show them
    for value in ("pm-admin-token-4f9c2e7d1b6a8350", "pm-basic-secret-77e1a0"):
        assert value not in scrub(f"token {value}")
    assert not any(v in json.dumps([e.to_dict() for e in eps.values()]) for v in ("pm-admin-token", "pm-basic-secret"))


@pytest.mark.parametrize("name,where,message", [
    ("v1.postman_collection.json", "", "Postman v1 collection; export it again as 'Collection v2.1'"),
    ("missing-url.postman_collection.json", ":8", "field 'item[1].item[0].request.url': missing or not a URL"),
    ("broken-syntax.openapi.json", ":8", "is not valid JSON"),
])
def test_broken_postman_collections(name, where, message):
    with pytest.raises(UserError) as err:
        parse_postman_document(read_document(FIX / name, "Postman collection", yaml_ok=False))
    assert str(err.value).startswith(f"{FIX / name}{where}: ") and message in str(err.value), str(err.value)


# --------------------------------------------------------------------------- HAR

HAR_SECRETS = ("har-password-Pz81", "har-session-c0ffee12345678", "har-bearer-9a8b7c6d5e4f3a2b", "har-query-token-55aa",
               "har-csrf-0d0e0f1a2b3c")


def test_har_keeps_routes_of_the_audited_host_and_strips_every_credential():
    doc = read_document(FIX / "staging-session.har", "HAR file", yaml_ok=False)
    eps = {str(e): e for e in parse_har_document(doc, {"staging.ops.acme.example"})}
    assert set(eps) == {"GET /", "POST /api/v2/auth/login", "GET /api/v2/customers", "GET /api/v2/customers/{id}",
                        "PATCH /api/v2/customers/{id}", "GET /api/v2/admin/users/{id}/sessions"}
    assert eps["GET /api/v2/customers/{id}"].examples == {"id": "1042"}  # a real id from the recording
    assert eps["GET /api/v2/admin/users/{id}/sessions"].examples == {"id": "3f2b8c1e-9d4a-4e7b-8f60-2a1c5d9e7b44"}
    assert eps["PATCH /api/v2/customers/{id}"].body_fields == ["note"]  # names only, never values
    assert eps["POST /api/v2/auth/login"].body_fields == ["username", "password"]
    dumped = json.dumps([e.to_dict() for e in eps.values()]) + repr(list(eps.values()))
    for secret in HAR_SECRETS:
        assert secret not in dumped
        assert secret not in scrub(f"leaked: {secret}")  # registered before anything could print it


@pytest.mark.parametrize("name,where,message", [
    ("no-log.har", "", "not a HAR file (no 'log' object)"),
    ("entry-without-url.har", ":7", "field 'log.entries[1].request.url': missing or not a string"),
    ("truncated.har", ":3", "is not valid JSON"),
])
def test_broken_har_files(name, where, message):
    with pytest.raises(UserError) as err:
        parse_har_document(read_document(FIX / name, "HAR file", yaml_ok=False))
    assert str(err.value).startswith(f"{FIX / name}{where}: ") and message in str(err.value), str(err.value)
    if name == "entry-without-url.har":
        assert "har-broken-file-token-7777" not in scrub("har-broken-file-token-7777")


def test_every_file_source_merges_into_one_inventory(tmp_path):
    config = config_for(tmp_path, openapi="ops-api.openapi.yaml", postman="admin.postman_collection.json",
                        har="staging-session.har")
    config.target.scope = ["staging.ops.acme.example"]
    eps = {str(e): e for e in load_inventory(config)}
    customer = eps["GET /customers/{customerId}"]
    assert customer.sources == {"openapi", "postman", "har"}
    assert customer.examples == {"customerId": "1042"}
    assert eps["GET /admin/users/{id}/sessions"].sources == {"har"}  # only the recording knew it
    assert "admin" in eps["GET /admin/audit-log"].tags


# --------------------------------------------------------------------------- from the live app


def _spec_server(spec_path: str, spec: dict):
    def route(h):
        if h.path == spec_path:
            reply(h, 200, json.dumps(spec).encode(), {"Content-Type": "application/json"})
        elif h.path == "/openapi.json":
            reply(h, 200, b"<html>docs UI</html>", {"Content-Type": "text/html"})
        else:
            reply(h, 404, b"not found")
    return http_server(route)


def _inventory(config):
    async def go():
        async with ScopedClient(ClientPolicy(scope={"127.0.0.1"}, timeout=3)) as client:
            return await build_inventory(config, client), client.sent["inventory"]
    return asyncio.run(go())


def test_the_spec_is_discovered_at_a_usual_path_on_the_live_app():
    spec = {"swagger": "2.0", "info": {"title": "x", "version": "1"}, "basePath": "/",
            "paths": {"/v1/items": {"get": {}}, "/v1/items/{id}": {"delete": {}}}}
    with _spec_server("/v3/api-docs", spec) as (url, log):
        config = Config.model_validate({"target": {"url": url}, "endpoints": {"from_source": False}})
        eps, sent = _inventory(config)
    assert [str(e) for e in eps] == ["GET /v1/items", "DELETE /v1/items/{id}"]
    assert [m for m, _, _ in log] == ["GET"] * sent  # discovery only ever sends GETs
    assert [p for _, p, _ in log][:3] == ["/openapi.json", "/swagger.json", "/v3/api-docs"]


def test_a_spec_url_is_fetched_and_a_bad_one_is_a_clear_error():
    spec = {"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {"/ping": {"get": {"security": []}}}}
    with _spec_server("/internal/spec.json", spec) as (url, _):
        ok = Config.model_validate({"target": {"url": url}, "endpoints": {"openapi": url + "/internal/spec.json",
                                                                          "from_source": False}})
        assert [str(e) for e in _inventory(ok)[0]] == ["GET /ping"]
        missing = Config.model_validate({"target": {"url": url}, "endpoints": {"openapi": url + "/nope.json",
                                                                               "from_source": False}})
        with pytest.raises(UserError) as err:
            _inventory(missing)
    assert str(err.value) == f"{url}/nope.json: fetching the OpenAPI spec answered 404"
    outside = Config.model_validate({"target": {"url": "http://127.0.0.1:9"},
                                     "endpoints": {"openapi": "http://example.com/spec.json", "from_source": False}})
    with pytest.raises(UserError, match="outside the confirmed scope"):
        _inventory(outside)
