"""The plan a person sees and edits before the latency sample runs."""

from pathlib import Path

import pytest

from wizard.config import Config, Latency, load_config
from wizard.errors import UserError
from wizard.inventory import Endpoint
from wizard.latency.plan import build_plan, classify, lanes_for, parse_entry
from wizard.probes.latency import LatencyProbe

DEMO = [Endpoint("GET", "/", {"public"}), Endpoint("GET", "/login", {"public"}), Endpoint("GET", "/health", {"public"}),
        Endpoint("GET", "/api/me"), Endpoint("GET", "/api/customers"), Endpoint("GET", "/api/customers/101"),
        Endpoint("GET", "/api/reports/search"), Endpoint("GET", "/admin/users", {"admin"}),
        Endpoint("GET", "/admin/export", {"admin", "export"}), Endpoint("POST", "/logout"),
        Endpoint("POST", "/api/customers"), Endpoint("POST", "/login", {"public"})]
DEMO.sort(key=lambda e: (e.path, e.method))  # as the inventory lists them


@pytest.mark.parametrize("route,group", [
    ("GET /api/reports/search", "search"), ("GET /api/customers?q=acme", "search"), ("GET /api/customers", "list"),
    ("GET /admin/users", "list"), ("GET /api/customers/101", "detail"), ("GET /api/customers/{id}", "detail"),
    ("GET /api/me", "detail"), ("GET /login", "login"), ("POST /login", "login"), ("POST /api/customers", "create-update"),
    ("PATCH /api/customers/7", "create-update"),
])
def test_routes_are_grouped_as_the_checklist_names_admin_actions(route, group):
    method, path = route.split(" ")
    assert classify(method, path) == group


def test_the_default_plan_times_logged_in_reads_from_each_group_and_never_a_write():
    plan = build_plan(Latency(), DEMO, logged_in=True, rate_per_host=20)
    entries = [(e.group, e.key) for e in plan.entries]
    assert entries[2] in (("detail", "GET /api/customers/101"), ("detail", "GET /api/customers/{id}"))  # one detail route
    assert entries[:2] + entries[3:] == [
        ("search", "GET /api/reports/search"), ("list", "GET /admin/users"), ("list", "GET /api/customers")]
    skipped = dict(plan.skipped)
    assert "rate-limited by design" in skipped["POST /login"]
    assert "writes are never timed" in skipped["POST /api/customers"]
    assert "POST /logout" not in skipped  # a state-changing route is not even offered
    assert all(e.method == "GET" for e in plan.entries)


def test_without_a_login_only_public_pages_are_timed_and_machine_routes_never():
    plan = build_plan(Latency(), DEMO, logged_in=False, rate_per_host=20)
    assert [e.key for e in plan.entries] == ["GET /", "GET /login"]


def test_the_person_edits_the_plan_in_the_config():
    settings = Latency(endpoints=["GET /api/reports/search?q=acme", "HEAD /api/customers list", "PUT /api/customers/1"],
                       rate=8, max_samples=300)
    plan = build_plan(settings, DEMO, logged_in=True, rate_per_host=50)
    assert [(e.group, e.key) for e in plan.entries] == [("search", "GET /api/reports/search?q=acme"),
                                                         ("list", "HEAD /api/customers")]
    assert plan.skipped == [("PUT /api/customers/1", "writes are never timed: each one would create or change data")]
    assert (plan.rate, plan.lanes, plan.max_samples) == (8, 2, 300)


def test_rates_are_capped_and_kept_clear_of_the_clients_per_host_limit():
    assert lanes_for(5, 20) == (5, 3)  # 15/s in all, under 0.75 x 20
    assert lanes_for(20, 50) == (20, 1)
    assert lanes_for(20, 10) == (7.5, 1)  # never above 3/4 of the per-host limit


def test_the_plan_says_what_will_be_sent_before_it_runs():
    config = Config.model_validate({"target": {"url": "https://admin.example.com"}, "roles": {"admin": {"token_env": "T"}}})
    probe = LatencyProbe()
    lines = probe.login_plan(config, DEMO)
    assert len(lines) == 1 and "test role 'admin' (its token" in lines[0] and "GET /api/reports/search (search)" in lines[0]
    assert "read-only requests" in lines[0] and "5/s per route" in lines[0]
    passive = probe.plan(config, DEMO)
    assert "without logging in" in passive[0] and "self-check" in passive[0]
    assert any("at most" in line and "requests" in line for line in passive)
    assert any(line.startswith("Not timed: POST /api/customers") for line in passive)


def test_the_plan_fits_in_the_runs_request_budget():
    config = Config.model_validate({"target": {"url": "https://a.example.com"}, "limits": {"request_budget": 500}})
    plan = LatencyProbe().make_plan(config, DEMO, logged_in=True)
    assert plan.max_requests() <= 0.8 * 500


@pytest.mark.parametrize("entry,message", [
    ("DELETE /api/customers/1", "never timed"), ("GET api/customers", "METHOD /path"),
    ("GET /api/customers lists", "not one of"),
])
def test_a_bad_plan_entry_is_one_clear_message_naming_the_line(tmp_path: Path, entry, message):
    path = tmp_path / "launch-ready.toml"
    path.write_text(f'[target]\nurl = "https://a.example.com"\n\n[latency]\nendpoints = ["{entry}"]\n')
    with pytest.raises(UserError, match=message) as err:
        load_config(path)
    assert "launch-ready.toml:" in str(err.value.where)


def test_rate_has_a_hard_cap(tmp_path: Path):
    path = tmp_path / "launch-ready.toml"
    path.write_text('[target]\nurl = "https://a.example.com"\n\n[latency]\nrate = 50\n')
    with pytest.raises(UserError, match="20"):
        load_config(path)


def test_a_long_list_of_writes_is_summarised_not_dumped():
    many = DEMO + [Endpoint("POST", f"/api/things{i}") for i in range(20)]
    lines = build_plan(Latency(), many, logged_in=True, rate_per_host=20).describe()
    assert sum(line.startswith("Not timed:") for line in lines) == 6
    assert lines[-1].startswith("Not timed: ") and "more write route(s)" in lines[-1]
