"""The endpoint inventory: one route per method + path template, whatever the source called it."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.config import Config
from wizard.errors import UserError
from wizard.inventory import Endpoint, load_inventory, merge, normalise_path, parse_list, route_matches
from wizard.inventory.tags import default_tags


@pytest.mark.parametrize("raw,template", [
    ("/users/:id", "/users/{id}"),
    ("/users/<int:pk>/", "/users/{pk}"),
    ("/users/[userId]", "/users/{userId}"),
    ("/docs/[...slug]", "/docs/{slug}"),
    ("/users/{user_id:int}", "/users/{user_id}"),
    ("users/{{customerId}}?page=2#top", "/users/{customerId}"),
    ("/files/*path", "/files/{path}"),
    ("/orders(.:format)", "/orders"),
    ("//api//v1/", "/api/v1"),
    ("/", "/"),
])
def test_every_parameter_syntax_becomes_one_template(raw, template):
    assert normalise_path(raw)[0] == template


def test_concrete_ids_become_parameters_and_are_kept_as_real_ids():
    template, examples = normalise_path("/api/customers/1042/notes/3f2b8c1e-9d4a-4e7b-8f60-2a1c5d9e7b44")
    assert template == "/api/customers/{id}/notes/{id2}"
    assert examples == {"id": "1042", "id2": "3f2b8c1e-9d4a-4e7b-8f60-2a1c5d9e7b44"}
    assert normalise_path("/api/v2/reports")[0] == "/api/v2/reports"  # a version is not an id


def test_merge_dedupes_by_method_and_template_keeping_every_source():
    spec = Endpoint("GET", "/customers/{customerId}", {"customers"}, {"openapi"}, ["spec.yaml GET /customers/{customerId}"])
    source = Endpoint("GET", "/customers/<int:pk>", set(), {"source"}, ["app/views.py:12"])
    recorded = Endpoint("get", "/customers/1042", set(), {"har"}, ["session.har entry 4"])
    other_method = Endpoint("PATCH", "/customers/:id", set(), {"postman"})
    merged = merge([recorded, source], [spec, other_method])
    assert [str(e) for e in merged] == ["GET /customers/{customerId}", "PATCH /customers/{id}"]
    get = merged[0]
    assert get.sources == {"openapi", "source", "har"}
    assert get.origins == ["session.har entry 4", "app/views.py:12", "spec.yaml GET /customers/{customerId}"]
    assert get.examples == {"customerId": "1042"}  # the recorded id, renamed to the spec's parameter
    assert get.concrete() == "/customers/1042"


def test_default_tags_come_from_path_words():
    assert {"admin", "users"} <= default_tags("GET", "/admin/users")
    assert "export" in default_tags("GET", "/api/customers/export.csv")
    assert "billing" in default_tags("GET", "/v1/invoices/{id}")
    assert "debug" in default_tags("GET", "/debug/vars")
    assert "public" in default_tags("GET", "/health") and "public" in default_tags("POST", "/login")
    assert "public" in default_tags("GET", "/")
    assert "public" not in default_tags("GET", "/admin/login-history")
    assert default_tags("GET", "/api/customers/{id}") == set()


def test_plain_list_with_tags_and_a_clear_error_naming_the_line(tmp_path):
    good = tmp_path / "endpoints.txt"
    good.write_text("# routes\nGET /admin/users   admin\nPOST /api/items\n\nGET /api/items/42  # a real id\n")
    eps = parse_list(good)
    assert [str(e) for e in eps] == ["GET /admin/users", "POST /api/items", "GET /api/items/{id}"]
    assert eps[0].tags == {"admin"} and eps[2].examples == {"id": "42"} and eps[2].origins == ["endpoints.txt:5"]
    bad = tmp_path / "bad.txt"
    bad.write_text("GET /ok\nFETCH /admin\n")
    with pytest.raises(UserError) as err:
        parse_list(bad)
    assert str(err.value).startswith(f"{bad}:2: expected 'METHOD /path [tags]'")


def test_person_tags_and_exclusions_win_over_defaults(tmp_path):
    (tmp_path / "endpoints.txt").write_text("GET /admin/users\nGET /health\nGET /api/tmp/scratch\nGET /status\n")
    config = Config.model_validate({
        "endpoints": {"list": "endpoints.txt", "from_source": False,
                      "tags": {"GET /health": ["-public"], "* /status": ["public"], "GET /admin/*": ["roles"]},
                      "exclude": ["GET /api/tmp/*"]},
    })
    config.base_dir = str(tmp_path)
    eps = {str(e): e for e in load_inventory(config)}
    assert set(eps) == {"GET /admin/users", "GET /health", "GET /status"}
    assert "public" not in eps["GET /health"].tags and "public" in eps["GET /status"].tags
    assert {"admin", "users", "roles"} <= eps["GET /admin/users"].tags
    assert "config" in eps["GET /admin/users"].sources


def test_route_patterns():
    ep = Endpoint("GET", "/api/customers/{customer_id}")
    assert route_matches("GET /api/customers/{id}", ep)
    assert route_matches("* /api/customers/*", ep)
    assert route_matches("/api/customers/{x}", ep)
    assert not route_matches("POST /api/customers/{id}", ep)
    assert not route_matches("GET /api/customers", ep)


def test_repo_routes_join_the_inventory(tmp_path):
    fixtures = Path(__file__).parent / "fixtures" / "source" / "flask_app"
    (tmp_path / "endpoints.txt").write_text("GET /api/customers/7 \n")
    config = Config.model_validate({"target": {"repo": str(fixtures)}, "endpoints": {"list": "endpoints.txt"}})
    config.base_dir = str(tmp_path)
    eps = {str(e): e for e in load_inventory(config)}
    detail = eps["GET /api/customers/{customer_id}"]  # the source's real name beats one made up from "7"
    assert detail.sources == {"list", "source"} and detail.examples == {"customer_id": "7"}
    assert eps["POST /admin/users/{user_id}/reset-password"].sources == {"source"}


def test_endpoints_command_shows_the_merged_inventory_with_expected_access(tmp_path):
    import json
    import subprocess
    import sys

    fixtures = Path(__file__).parent / "fixtures" / "source" / "flask_app"
    (tmp_path / "endpoints.txt").write_text("GET /api/customers/7\nGET /health public\n")
    (tmp_path / "launch-ready.toml").write_text(
        f'[target]\nurl = "http://127.0.0.1:9"\nrepo = "{fixtures}"\n[endpoints]\nlist = "endpoints.txt"\n'
        '[roles.admin]\nlevel = 10\ntoken_env = "A"\n[roles.support]\ntoken_env = "S"\n')
    cmd = [sys.executable, "-m", "wizard", "endpoints", "--config", str(tmp_path / "launch-ready.toml"), "--no-discover"]
    table = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert table.returncode == 0, table.stderr
    line = next(ln for ln in table.stdout.splitlines() if ln.startswith("POST /admin/users/{user_id}/reset-password"))
    assert "admin " in line and "from: source" in line and "[never called: changes state]" in line
    rows = {f"{r['method']} {r['path']}": r for r in json.loads(
        subprocess.run(cmd + ["--json"], capture_output=True, text=True, timeout=60).stdout)}
    assert rows["GET /api/customers/{customer_id}"]["sources"] == ["list", "source"]
    assert rows["GET /api/customers/{customer_id}"]["expected"] == ["admin", "support"]
    assert rows["GET /health"]["expected"] == ["everyone"]
