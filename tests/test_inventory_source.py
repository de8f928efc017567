"""Routes read statically from an app's source, for each framework: nothing is imported or run."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.inventory.source import extract_routes

SRC = Path(__file__).parent / "fixtures" / "source"


def routes(app: str) -> dict[str, list[str]]:
    return {str(e): e.origins for e in extract_routes(SRC / app)}


def test_flask_decorators_blueprint_prefixes_across_files_and_add_url_rule():
    r = routes("flask_app")
    assert set(r) == {
        "GET /health", "GET /api/me", "GET /api/customers", "POST /api/customers", "GET /api/customers/{customer_id}",
        "PATCH /api/customers/{customer_id}", "DELETE /api/customers/{customer_id}", "GET /api/reports/{slug}",
        "GET /admin/users", "POST /admin/users/{user_id}/reset-password",
    }
    assert r["GET /admin/users"] == ["app/admin/__init__.py:6"]  # prefix from register_blueprint in another file


def test_fastapi_routers_with_their_own_and_included_prefixes():
    r = routes("fastapi_app")
    assert set(r) == {
        "GET /healthz", "GET /legacy/sync", "POST /legacy/sync", "GET /admin/stats", "GET /items", "GET /items/{item_id}",
        "PUT /items/{item_id}", "GET /api/v1/users", "DELETE /api/v1/users/{user_id}",
    }
    assert r["GET /api/v1/users"] == ["app/routers/users.py:6"]


def test_starlette_routes_nested_in_mounts_and_named_lists():
    r = routes("starlette_app")
    assert set(r) == {"GET /", "GET /admin/users", "GET /admin/users/{user_id}", "DELETE /admin/users/{user_id}",
                      "GET /api/customers", "POST /api/customers", "GET /api/v2/reports/{name}", "GET /debug/vars"}


def test_django_includes_regex_paths_and_drf_routers():
    r = routes("django_proj")
    assert {"GET /shop", "GET /shop/products/{pk}", "GET /shop/export.csv", "GET /legacy/{pk}", "GET /admin",
            "GET /api/orders", "POST /api/orders", "GET /api/orders/{pk}", "DELETE /api/orders/{pk}"} <= set(r)
    assert not any("weird" in k for k in r)  # a regex that is no plain path is left out, not guessed
    assert r["GET /shop/products/{pk}"] == ["shop/urls.py:7 (methods not declared in urls.py)"]


def test_express_routers_mounted_from_other_files_and_route_chains():
    r = routes("express_app")
    assert set(r) == {"GET /health", "POST /api/login", "GET /admin/stats", "GET /admin/flags/{flag}", "PUT /admin/flags/{flag}",
                      "GET /api/users", "GET /api/users/{id}", "PATCH /api/users/{id}", "DELETE /api/users/{id}"}
    assert "GET /not/a/route" not in r  # an HTTP client call is not a route


def test_nextjs_pages_and_app_router_api_routes():
    r = routes("nextjs_app")
    assert set(r) == {"GET /api/customers", "POST /api/customers", "GET /api/customers/{id}", "DELETE /api/customers/{id}",
                      "GET /api/admin/users/{userId}", "PATCH /api/admin/users/{userId}"}  # (internal) is a route group


def test_rails_resources_namespaces_scopes_and_member_routes():
    r = routes("rails_app")
    assert {"GET /", "GET /health", "GET /customers", "GET /customers/{id}", "PATCH /customers/{id}",
            "GET /customers/{customer_id}/notes", "POST /customers/{id}/archive", "GET /customers/{id}/timeline",
            "GET /customers/export", "GET /profile", "GET /admin/users", "DELETE /admin/users/{id}", "GET /admin/audit",
            "GET /api/v1/me", "GET /api/v1/webhooks/{provider}", "POST /api/v1/webhooks/{provider}"} <= set(r)
    assert "GET /admin/users/new" not in r and "DELETE /customers/{id}" not in r  # except: / only:
    assert not any("commented-out" in k for k in r)


def test_source_is_never_executed(tmp_path):
    marker = tmp_path / "executed"
    (tmp_path / "app.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\nfrom flask import Flask\napp = Flask(__name__)\n\n"
        "@app.route('/ok')\ndef ok():\n    pass\n")
    (tmp_path / "server.js").write_text(f"require('fs').writeFileSync({str(marker)!r}, 'x');\n"
                                        "const app = require('express')();\napp.get('/js', h);\n")
    assert {str(e) for e in extract_routes(tmp_path)} == {"GET /ok", "GET /js"}
    assert not marker.exists()


@pytest.mark.parametrize("junk", [b"\xff\xfe not utf-8", b"def broken(:\n", b"x" * 10])
def test_unreadable_or_broken_files_are_skipped(tmp_path, junk):
    (tmp_path / "views.py").write_bytes(junk)
    (tmp_path / "ok.py").write_text("@app.get('/fine')\ndef f():\n    pass\n")
    assert [str(e) for e in extract_routes(tmp_path)] == ["GET /fine"]


def test_tests_vendored_code_and_dependencies_are_not_the_app(tmp_path):
    for d in ("node_modules/express/lib", "tests", ".venv/lib", "app"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "routes.js").write_text(f"const app = express();\napp.get('/{d.split('/')[0].strip('.')}', h);\n")
    assert [str(e) for e in extract_routes(tmp_path)] == ["GET /app"]
