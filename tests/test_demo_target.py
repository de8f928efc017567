"""The bundled demo target: real servers on 127.0.0.1 and real git repos, no mocks."""

from __future__ import annotations

import re
import ssl
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from wizard.demo.app import (
    DEMO_PASSWORDS,
    FIXED_SECURITY_HEADERS,
    LOGIN_FAILURE_LIMIT,
    demo_env,
)
from wizard.demo.repo import DemoRepo, make_demo_repo
from wizard.demo.server import DemoServer

SECURITY_HEADERS = [h.lower() for h in FIXED_SECURITY_HEADERS]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def flawed():
    with DemoServer(fixed=False) as srv:
        yield srv


@pytest.fixture(scope="module")
def fixed():
    with DemoServer(fixed=True) as srv:
        yield srv


def _client(srv: DemoServer) -> httpx.Client:
    ctx = ssl.create_default_context(cafile=str(srv.ca_path))
    return httpx.Client(verify=ctx, timeout=10, follow_redirects=False)


@pytest.fixture(scope="module")
def fc(flawed):
    with _client(flawed) as c:
        yield c


@pytest.fixture(scope="module")
def xc(fixed):
    with _client(fixed) as c:
        yield c


def _req(client: httpx.Client, method: str, url: str, cookie: str | None = None, **kw) -> httpx.Response:
    """One request with exactly the cookie given (the client's jar is emptied first)."""
    client.cookies.clear()
    headers = dict(kw.pop("headers", {}) or {})
    if cookie:
        headers["Cookie"] = cookie
    return client.request(method, url, headers=headers, **kw)


def _login(client: httpx.Client, srv: DemoServer, user: str, cookie: str | None = None) -> tuple[str, str]:
    """Log in; returns (Set-Cookie header, "name=value" to send back)."""
    r = _req(
        client, "POST", srv.https_url + "/login", cookie=cookie,
        json={"username": user, "password": DEMO_PASSWORDS[user]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True and r.json()["user"]["username"] == user
    set_cookies = r.headers.get_list("set-cookie")
    assert len(set_cookies) == 1
    return set_cookies[0], set_cookies[0].split(";", 1)[0]


def _attrs(set_cookie: str) -> dict[str, str]:
    out = {}
    for part in set_cookie.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        out[k.lower()] = v
    return out


# --------------------------------------------------------------------------- server basics


def test_start_exposes_urls_ca_and_ports(flawed, fixed, tmp_path):
    for srv in (flawed, fixed):
        assert srv.host == "127.0.0.1"
        assert re.fullmatch(r"https://127\.0\.0\.1:\d+", srv.https_url)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", srv.http_url)
        assert srv.https_port != srv.http_port
        assert srv.ca_path.name == "demo-ca.pem" and srv.ca_path.is_file()
        assert srv.access_log is srv.app.state.access_log
    assert flawed.https_port not in (fixed.https_port, fixed.http_port)
    with pytest.raises(OSError):  # a taken port is a clear error, not a hang
        DemoServer(fixed=True, workdir=tmp_path / "clash", https_port=flawed.https_port).start()
    # explicit workdir: CA lands there; stop is quick and the port is released
    with DemoServer(fixed=True, workdir=tmp_path) as srv:
        assert srv.ca_path == tmp_path / "demo-ca.pem"
        assert b"BEGIN CERTIFICATE" in srv.ca_path.read_bytes()
        port = srv.https_port
        with _client(srv) as c:
            assert c.get(srv.https_url + "/health").json() == {"status": "ok"}
    t0 = time.monotonic()
    srv.stop()  # idempotent
    assert time.monotonic() - t0 < 1
    assert not srv.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)


def test_certificate_is_trusted_only_with_demo_ca(flawed):
    with pytest.raises(httpx.ConnectError):
        httpx.get(flawed.https_url + "/health", timeout=5)  # system trust store only
    with _client(flawed) as c:  # localhost is in the certificate too
        assert c.get(flawed.https_url.replace("127.0.0.1", "localhost") + "/health").status_code == 200


def test_home_page_and_bundle(fc, xc, flawed, fixed):
    for c, srv in ((fc, flawed), (xc, fixed)):
        r = _req(c, "GET", srv.https_url + "/")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "<title>Acme Ops Console</title>" in r.text
        assert 'href="/login"' in r.text and '<script src="/static/app.js"' in r.text
        js = _req(c, "GET", srv.https_url + "/static/app.js")
        assert js.status_code == 200 and "javascript" in js.headers["content-type"]
        assert "/api/customers" in js.text
        assert _req(c, "GET", srv.https_url + "/health").json() == {"status": "ok"}
        form = _req(c, "GET", srv.https_url + "/login")
        assert form.status_code == 200 and 'name="password"' in form.text


# --------------------------------------------------------------------------- login and cookies


def test_flawed_session_cookie(fc, flawed):
    set_cookie, cookie = _login(fc, flawed, "admin")
    assert cookie.startswith("session=")
    attrs = _attrs(set_cookie)
    assert attrs["max-age"] == "604800"
    assert "secure" not in attrs and "httponly" not in attrs and "samesite" not in attrs
    assert _req(fc, "GET", flawed.https_url + "/api/me", cookie=cookie).json()["role"] == "admin"


def test_fixed_session_cookie(xc, fixed):
    set_cookie, cookie = _login(xc, fixed, "admin")
    assert cookie.startswith("__Host-session=")
    attrs = _attrs(set_cookie)
    assert attrs["max-age"] == "28800" and attrs["path"] == "/"
    assert "secure" in attrs and "httponly" in attrs and attrs["samesite"] == "Lax"
    assert "domain" not in attrs
    assert _req(xc, "GET", fixed.https_url + "/api/me", cookie=cookie).json()["username"] == "admin"


def test_login_accepts_form_and_rejects_bad_password(fc, xc, flawed, fixed):
    for c, srv in ((fc, flawed), (xc, fixed)):
        r = _req(c, "POST", srv.https_url + "/login", data={"username": "support", "password": DEMO_PASSWORDS["support"]})
        assert r.status_code == 200 and r.json()["user"]["role"] == "support"
        bad = _req(c, "POST", srv.https_url + "/login", json={"username": "support", "password": "nope"})
        nobody = _req(c, "POST", srv.https_url + "/login", json={"username": "nobody-here", "password": "nope"})
        assert bad.status_code == nobody.status_code == 401
        if srv is fixed:
            assert bad.json() == nobody.json() == {"error": "invalid credentials"}
        else:  # B5: user enumeration
            assert bad.json() == {"error": "wrong password"} and nobody.json() == {"error": "no such user"}
        assert "set-cookie" not in bad.headers
        assert _req(c, "POST", srv.https_url + "/login", content=b"{", headers={"content-type": "application/json"}).status_code == 400


def test_session_rotation_and_logout(fc, xc, flawed, fixed):
    # fixed: a new id at every login, and logout kills the session server-side
    _, first = _login(xc, fixed, "support")
    _, second = _login(xc, fixed, "support", cookie=first)
    assert first != second
    assert _req(xc, "GET", fixed.https_url + "/api/me", cookie=first).status_code == 401
    assert _req(xc, "POST", fixed.https_url + "/logout", cookie=second).status_code == 200
    assert _req(xc, "GET", fixed.https_url + "/api/me", cookie=second).status_code == 401
    # flawed: keeps a pre-set id (fixation) and logout only clears the browser cookie
    planted = "session=attacker-chosen-id-0123456789"
    _, cookie = _login(fc, flawed, "support", cookie=planted)
    assert cookie == planted
    r = _req(fc, "POST", flawed.https_url + "/logout", cookie=cookie)
    assert "Max-Age=0" in r.headers["set-cookie"]
    assert _req(fc, "GET", flawed.https_url + "/api/me", cookie=cookie).status_code == 200


def test_fixed_rate_limits_failed_logins(xc, fixed, fc, flawed):
    url = fixed.https_url + "/login"
    statuses = [
        _req(xc, "POST", url, json={"username": "rate-limit-probe", "password": "wrong"}).status_code
        for _ in range(LOGIN_FAILURE_LIMIT + 1)
    ]
    assert statuses[:LOGIN_FAILURE_LIMIT] == [401] * LOGIN_FAILURE_LIMIT
    assert statuses[-1] == 429
    r = _req(xc, "POST", url, json={"username": "rate-limit-probe", "password": "wrong"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    flawed_statuses = {
        _req(fc, "POST", flawed.https_url + "/login", json={"username": "rate-limit-probe", "password": "x"}).status_code
        for _ in range(LOGIN_FAILURE_LIMIT + 2)
    }
    assert flawed_statuses == {401}


# --------------------------------------------------------------------------- access control


def test_anonymous_requests_are_refused(fc, xc, flawed, fixed):
    for c, srv in ((fc, flawed), (xc, fixed)):
        for path in ("/api/me", "/api/customers", "/api/customers/101", "/api/reports/search?q=a", "/admin/users"):
            r = _req(c, "GET", srv.https_url + path)
            assert r.status_code == 401, path
            assert r.json() == {"error": "authentication required"}
        page = _req(c, "GET", srv.https_url + "/admin/users", headers={"accept": "text/html"})
        assert page.status_code == 302 and page.headers["location"].startswith("/login")


def test_admin_export_open_in_flawed_only(fc, xc, flawed, fixed):
    r = _req(fc, "GET", flawed.https_url + "/admin/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0] == "id,name,company,email,plan,owner" and len(r.text.splitlines()) == 13
    assert _req(xc, "GET", fixed.https_url + "/admin/export").status_code == 401
    _, support = _login(xc, fixed, "support")
    assert _req(xc, "GET", fixed.https_url + "/admin/export", cookie=support).status_code == 403
    _, admin = _login(xc, fixed, "admin")
    ok = _req(xc, "GET", fixed.https_url + "/admin/export", cookie=admin)
    assert ok.status_code == 200 and ok.text == r.text


def test_admin_users_needs_admin_role(fc, xc, flawed, fixed):
    for c, srv in ((fc, flawed), (xc, fixed)):
        for user in ("support", "support2"):
            _, cookie = _login(c, srv, user)
            r = _req(c, "GET", srv.https_url + "/admin/users", cookie=cookie)
            assert r.status_code == 403 and r.json() == {"error": "forbidden"}
        _, admin = _login(c, srv, "admin")
        users = _req(c, "GET", srv.https_url + "/admin/users", cookie=admin).json()["users"]
        assert {u["username"] for u in users} == {"admin", "support", "support2", "lockout"}
        assert all("password" not in u for u in users)


def test_customers_are_scoped_to_their_owner(fc, xc, flawed, fixed):
    for c, srv in ((fc, flawed), (xc, fixed)):
        _, support = _login(c, srv, "support")
        _, admin = _login(c, srv, "admin")
        mine = _req(c, "GET", srv.https_url + "/api/customers", cookie=support).json()["customers"]
        everyone = _req(c, "GET", srv.https_url + "/api/customers", cookie=admin).json()["customers"]
        assert len(everyone) == 12 and 0 < len(mine) < 12
        assert {x["owner"] for x in mine} == {"support"}
        other = next(x for x in everyone if x["owner"] != "support")
        theirs = _req(c, "GET", f"{srv.https_url}/api/customers/{other['id']}", cookie=support)
        # the list is scoped in both builds; the detail route forgets the owner in the flawed one (IDOR)
        assert theirs.status_code == (404 if srv is fixed else 200)
        detail = _req(c, "GET", f"{srv.https_url}/api/customers/{mine[0]['id']}", cookie=support).json()
        assert detail["id"] == mine[0]["id"] and detail["orders"]
        assert _req(c, "GET", f"{srv.https_url}/api/customers/{other['id']}", cookie=admin).status_code == 200


# --------------------------------------------------------------------------- transport and headers


def test_http_port_behaviour(fixed, flawed):
    with httpx.Client(timeout=5, follow_redirects=False) as plain:
        r = plain.get(fixed.http_url + "/admin/users?x=1&y=2")
        assert r.status_code == 301
        assert r.headers["location"] == f"{fixed.https_url}/admin/users?x=1&y=2"
        r = plain.get(fixed.http_url + "/", headers={"host": "evil.example"})
        assert r.status_code == 301 and r.headers["location"] == fixed.https_url + "/"
        assert plain.post(fixed.http_url + "/login", json={}).status_code == 301
        # flawed: the whole app over plain HTTP, including the open export and login
        assert plain.get(flawed.http_url + "/health").json() == {"status": "ok"}
        assert plain.get(flawed.http_url + "/admin/export").status_code == 200
        r = plain.post(flawed.http_url + "/login", json={"username": "admin", "password": DEMO_PASSWORDS["admin"]})
        assert r.status_code == 200 and r.headers["set-cookie"].startswith("session=")


def test_security_headers(fc, xc, flawed, fixed):
    for path in ("/", "/health", "/api/me", "/login", "/does-not-exist"):
        f = _req(fc, "GET", flawed.https_url + path)
        for name in SECURITY_HEADERS:
            assert name not in f.headers, (path, name)
        assert f.headers["x-powered-by"] == "Starlette/0.37 (Acme Ops 1.4.2)"
        assert f.headers["server"] == "uvicorn"

        x = _req(xc, "GET", fixed.https_url + path)
        for name, value in FIXED_SECURITY_HEADERS.items():
            assert x.headers[name] == value, (path, name)
        assert "x-powered-by" not in x.headers and "server" not in x.headers
        assert x.headers["cache-control"] == "no-store"
    assert x.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "frame-ancestors 'none'" in x.headers["content-security-policy"]


def test_search_is_slow_only_in_flawed(fc, xc, flawed, fixed):
    timings = {}
    for name, c, srv in (("flawed", fc, flawed), ("fixed", xc, fixed)):
        _, cookie = _login(c, srv, "admin")
        _req(c, "GET", srv.https_url + "/health")  # warm the connection
        t0 = time.perf_counter()
        r = _req(c, "GET", srv.https_url + "/api/reports/search", cookie=cookie, params={"q": "co"})
        timings[name] = time.perf_counter() - t0
        assert r.status_code == 200 and r.json()["count"] > 0
    assert timings["flawed"] > 0.5, timings
    assert timings["fixed"] < 0.3, timings


def test_ordinary_requests_are_fast(xc, fixed):
    """Guards the TCP_NODELAY fix: without it every response took ~40 ms on loopback."""
    _, cookie = _login(xc, fixed, "admin")
    timings = []
    for _ in range(20):
        t0 = time.perf_counter()
        assert _req(xc, "GET", fixed.https_url + "/api/customers", cookie=cookie).status_code == 200
        timings.append(time.perf_counter() - t0)
    timings.sort()
    assert timings[len(timings) // 2] < 0.03, timings


def test_access_log_records_requests(fc, xc, flawed, fixed):
    before = len(flawed.access_log)
    _req(fc, "GET", flawed.https_url + "/admin/export", headers={"user-agent": "launch-ready-test"})
    _, cookie = _login(fc, flawed, "support")
    _req(fc, "GET", flawed.https_url + "/admin/users", cookie=cookie)
    httpx.get(flawed.http_url + "/health", timeout=5)
    new = flawed.access_log[before:]
    assert [(e["scheme"], e["method"], e["path"], e["status"], e["cookie"]) for e in new] == [
        ("https", "GET", "/admin/export", 200, False),
        ("https", "POST", "/login", 200, False),
        ("https", "GET", "/admin/users", 403, True),
        ("http", "GET", "/health", 200, False),
    ]
    assert new[0]["user_agent"] == "launch-ready-test"

    before = len(fixed.access_log)
    httpx.get(fixed.http_url + "/admin/export?a=1", timeout=5)
    _req(xc, "GET", fixed.https_url + "/admin/export")
    new = fixed.access_log[before:]
    assert [(e["scheme"], e["path"], e["query"], e["status"]) for e in new] == [
        ("http", "/admin/export", "a=1", 301),
        ("https", "/admin/export", "", 401),
    ]
    assert all(isinstance(e["time"], float) for e in new)


def test_demo_env_carries_credentials():
    env = demo_env()
    assert env["LR_ADMIN_USER"] == "admin" and env["LR_ADMIN_PASS"] == DEMO_PASSWORDS["admin"]
    assert env["LR_SUPPORT_USER"] == "support" and env["LR_SUPPORT2_USER"] == "support2"


# --------------------------------------------------------------------------- demo repo


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


# Provider shapes, assembled from pieces so no secret-shaped literal sits in this file.
KIND_PATTERNS = {
    "aws-access-key-id": re.compile("AK" + r"IA[A-Z2-7]{16}"),
    "stripe-live-secret-key": re.compile("sk_" + r"live_[A-Za-z0-9]{20,}"),
    "github-pat": re.compile("gh" + r"p_[A-Za-z0-9]{36}"),
    "slack-webhook-url": re.compile(r"hooks\.slack\.com/" + r"services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+"),
    "rsa-private-key": re.compile("BEGIN " + "RSA PRIVATE KEY"),
    "postgres-url-password": re.compile("postgres" + r"://ops:[A-Za-z0-9]+@db\.internal"),
}
DOC_EXAMPLE_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"


@pytest.fixture(scope="module")
def repos(tmp_path_factory) -> tuple[DemoRepo, DemoRepo]:
    base = tmp_path_factory.mktemp("demo-repos")
    return make_demo_repo(base / "flawed", fixed=False), make_demo_repo(base / "fixed", fixed=True)


def _head_text(repo: Path) -> str:
    files = _git(repo, "ls-files").split()
    return "\n".join((repo / f).read_text() for f in files)


def test_repo_layout_and_history(repos):
    for repo in repos:
        assert (repo.path / ".git").is_dir()
        assert _git(repo.path, "branch", "--show-current").strip() == "main"
        log = _git(repo.path, "log", "--format=%H %an <%ae> %aI").splitlines()
        assert 8 <= len(log) <= 14 and len(log) == len(repo.commits)
        assert log[0].split()[0] == repo.commits[-1]
        tracked = set(_git(repo.path, "ls-files").split())
        for f in ("app/main.py", "app/settings.py", "app/auth.py", "requirements.txt", "README.md",
                  "frontend/src/api.js", ".gitignore", ".env.example", "docs/SETUP.md", "tests/test_auth.py"):
            assert f in tracked, f
        assert _git(repo.path, "status", "--porcelain") == ""
        assert '"/admin/export"' in (repo.path / "app/main.py").read_text()
        # decoys are present in both
        example = (repo.path / ".env.example").read_text()
        assert "SECRET_KEY=changeme" in example and "sk_" + "live_" + "x" * 16 in example
        assert "postgres" + "://user:password@localhost/db" in example
        assert DOC_EXAMPLE_KEY_ID in (repo.path / "docs/SETUP.md").read_text()
        assert 'SECRET_KEY = os.environ.get("SECRET_KEY")' in (repo.path / "app/settings.py").read_text()
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", (repo.path / "requirements.txt").read_text())
        assert re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", (repo.path / "app/settings.py").read_text())
    flawed, fixed = repos
    assert flawed.commits[0] == fixed.commits[0]  # deterministic history, same first commit


def test_repo_is_deterministic(tmp_path, repos):
    again = make_demo_repo(tmp_path / "again", fixed=False)
    assert again.commits == repos[0].commits
    assert [(p.kind, p.value) for p in again.planted] == [(p.kind, p.value) for p in repos[0].planted]
    with pytest.raises(FileExistsError):
        make_demo_repo(tmp_path / "again", fixed=False)


def test_flawed_repo_plants_every_kind(repos):
    flawed, _ = repos
    kinds = {p.kind for p in flawed.planted}
    assert kinds == set(KIND_PATTERNS) | {"aws-secret-access-key"}
    history = _git(flawed.path, "log", "-p", "--all")
    head = _head_text(flawed.path)
    for p in flawed.planted:
        assert KIND_PATTERNS.get(p.kind, re.compile(".")).search(p.value), p.kind
        for marker in p.leak_markers:
            assert marker in history, p.kind
        assert p.added_commit in flawed.commits and p.line >= 1
        if p.in_head:
            assert p.value in (flawed.path / p.path).read_text(), p.kind
            assert p.removed_commit is None
        else:
            assert not (flawed.path / p.path).exists(), p.path
            assert p.value.splitlines()[0] not in head and p.secret not in head, p.kind
            assert p.removed_commit in flawed.commits
            assert flawed.commits.index(p.removed_commit) > flawed.commits.index(p.added_commit)
    # the documented AWS example key is a decoy, never the planted one
    assert all(DOC_EXAMPLE_KEY_ID not in p.value for p in flawed.planted)
    by_kind = {p.kind: p for p in flawed.planted}
    assert by_kind["postgres-url-password"].secret in by_kind["postgres-url-password"].value
    assert by_kind["github-pat"].path == "frontend/src/api.js"
    assert by_kind["slack-webhook-url"].path == "app/main.py"


def test_fixed_repo_has_no_planted_secrets(repos):
    flawed, fixed = repos
    assert fixed.planted == []
    history = _git(fixed.path, "log", "-p", "--all")
    for kind, pattern in KIND_PATTERNS.items():
        found = set(pattern.findall(history)) - {DOC_EXAMPLE_KEY_ID}  # the AWS docs example is a decoy
        assert not found, kind
    for p in flawed.planted:
        for marker in p.leak_markers:
            assert marker not in history, p.kind
    assert 'os.environ["STRIPE_SECRET_KEY"]' in (fixed.path / "app/settings.py").read_text()
