"""The client's two narrow doors: login POSTs only to the routes the config names, and a logout only
for the caller's own fresh session. Everything else about the deny-list stays as it was."""

from __future__ import annotations

import pytest

from wizard.engine.http import ClientPolicy, ScopedClient, TierNotAllowed, UnsafeRoute
from wizard.engine.runner import named_routes
from wizard.config import Config, LoginRecipe, RateLimit, Role, Target
from wizard.model import Tier

from servers import http_server, reply


def app(h):
    if h.path == "/login":
        reply(h, 200, b'{"ok": true}', {"Set-Cookie": "sid=fresh-session-value-123; Path=/; HttpOnly"})
    elif h.path == "/api/token":
        reply(h, 200, b'{"token": "issued-bearer-token-456"}')
    elif h.path == "/logout":
        reply(h, 302, b"", {"Location": "/login"})
    else:
        reply(h, 200, b"ok")


def policy(**kw) -> ClientPolicy:
    kw.setdefault("scope", {"127.0.0.1"})
    kw.setdefault("timeout", 3.0)
    kw.setdefault("tier", Tier.LOGIN)
    kw.setdefault("login_routes", frozenset({("POST", "/login"), ("POST", "/api/token")}))
    kw.setdefault("logout_routes", frozenset({("POST", "/logout")}))
    return ClientPolicy(**kw)


async def test_a_probe_logs_out_only_the_session_its_own_login_opened():
    with http_server(app) as (url, log):
        async with ScopedClient(policy()) as c:
            await c.request("POST", url + "/login", probe="session", login=True, follow_redirects=False)
            resp = await c.request("POST", url + "/logout", probe="session", headers={"Cookie": "sid=fresh-session-value-123"},
                                   own_session_logout=True)
            assert resp.status == 302  # the redirect after logout is not followed
            refusals = [
                # a cookie the person supplied (never issued by a login through this client)
                dict(headers={"Cookie": "sid=the-persons-real-session"}, probe="session"),
                # the right session, but another probe asks
                dict(headers={"Cookie": "sid=fresh-session-value-123"}, probe="authz"),
                # the own session plus a foreign cookie
                dict(headers={"Cookie": "sid=fresh-session-value-123; other=the-persons-real-session"}, probe="session"),
                # no credential at all
                dict(headers={}, probe="session"),
            ]
            for kw in refusals:
                with pytest.raises(UnsafeRoute):
                    await c.request("POST", url + "/logout", own_session_logout=True, **kw)
    assert [(m, p) for m, p, _ in log] == [("POST", "/login"), ("POST", "/logout")]


async def test_a_bearer_token_from_the_login_answer_can_be_logged_out_once_noted():
    with http_server(app) as (url, log):
        async with ScopedClient(policy()) as c:
            await c.request("POST", url + "/api/token", probe="session", login=True)
            with pytest.raises(UnsafeRoute):  # not noted yet: the client cannot read login bodies itself
                await c.request("POST", url + "/logout", probe="session", own_session_logout=True,
                                headers={"Authorization": "Bearer issued-bearer-token-456"})
            c.note_issued("issued-bearer-token-456", "session")
            await c.request("POST", url + "/logout", probe="session", own_session_logout=True,
                            headers={"Authorization": "Bearer issued-bearer-token-456"})
    assert [p for _, p, _ in log] == ["/api/token", "/logout"]


async def test_the_logout_door_needs_the_login_tier_and_the_configured_route():
    with http_server(app) as (url, log):
        async with ScopedClient(policy(tier=Tier.PASSIVE)) as c:
            with pytest.raises(TierNotAllowed):
                await c.request("POST", url + "/logout", probe="session", own_session_logout=True,
                                headers={"Cookie": "sid=x"})
        async with ScopedClient(policy()) as c:
            await c.request("POST", url + "/login", probe="session", login=True)
            for method, path in (("POST", "/api/users/1/delete"), ("GET", "/logout"), ("POST", "/signout")):
                with pytest.raises(UnsafeRoute):  # only the role's configured logout route
                    await c.request(method, url + path, probe="session", own_session_logout=True,
                                    headers={"Cookie": "sid=fresh-session-value-123"})
            with pytest.raises(UnsafeRoute):  # and never without the flag
                await c.request("POST", url + "/logout", probe="session", headers={"Cookie": "sid=fresh-session-value-123"})
    assert [p for _, p, _ in log] == ["/login"]


async def test_login_posts_go_only_to_the_named_login_routes():
    with http_server(app) as (url, log):
        async with ScopedClient(policy(login_routes=frozenset({("POST", "/auth/session/create")}))) as c:
            # a named login route passes even when its name has a deny-listed word
            await c.request("POST", url + "/auth/session/create", probe="t", login=True)
            with pytest.raises(TierNotAllowed):
                await c.request("POST", url + "/api/items", probe="t", login=True)
            with pytest.raises(UnsafeRoute):
                await c.request("POST", url + "/api/reset-everything", probe="t", login=True)
    assert [p for _, p, _ in log] == ["/auth/session/create"]


def test_the_engine_names_login_and_logout_routes_from_the_config():
    config = Config(
        target=Target(url="https://admin.example.test/app"),
        roles={"admin": Role(login=LoginRecipe(route="POST /login", username_env="U", password_env="P"), logout="POST /logout"),
               "api": Role(token_env="T")},
        ratelimit=RateLimit(account=LoginRecipe(route="POST /api/login", username_env="U2", password_env="P2"),
                            routes=[{"route": "POST /password/forgot", "fields": {"email": "{username}"}}]))
    assert named_routes(config, "login") == {("POST", "/app/login"), ("POST", "/app/api/login"), ("POST", "/app/password/forgot")}
    assert named_routes(config, "logout") == {("POST", "/app/logout")}


def test_rate_limit_routes_must_be_sign_in_routes():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="only sign-in routes"):
        RateLimit(routes=[{"route": "POST /admin/users/1/delete"}])
    with pytest.raises(ValidationError):
        Role(logout="logout please")
    with pytest.raises(ValidationError):
        Role(whoami="POST /api/me")  # a who-am-I route only reads
    with pytest.raises(ValidationError, match="only sign-in routes"):
        RateLimit(routes=[{"route": "POST /api/tokens"}])  # creating API tokens is not signing in
    assert RateLimit(routes=[{"route": "POST /auth/mfa/verify"}, {"route": "POST /password/forgot"}])
