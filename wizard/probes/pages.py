"""What several HTTP-surface probes read, fetched once per run and shared between them.

The home page, the login page, a random "does not exist" path and the test login are needed by the
header, cookie, CSRF, bundle, exposure and health probes alike. Fetching each once per run (per
ScopedClient) keeps the audit light on the target: concurrent callers await the same request, and a
failure is shared too, so a hostile server costs one timeout, not one per probe.
Only anonymous GETs are shared; a request with headers of its own always goes out.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit
from weakref import WeakKeyDictionary

from wizard.engine.http import BlockedRequest, RequestFailed, Response, is_unsafe_path
from wizard.model import Tier

if TYPE_CHECKING:
    from wizard.config import Config
    from wizard.engine.auth import AuthState
    from wizard.probes.htmlscan import Page
    from wizard.engine.http import ScopedClient
    from wizard.probes.base import ProbeContext

# Pages that every browser-facing check starts from: the home page and the usual login address.
HOME = "/"
LOGIN = "/login"


class _RunMemo:
    def __init__(self) -> None:
        self.fetches: dict[str, asyncio.Future] = {}  # URL -> its single-hop GET
        self.nonce = secrets.token_hex(6)
        self.login: asyncio.Future | None = None
        self.parsed: dict[int, tuple[Response, "Page"]] = {}


_MEMOS: "WeakKeyDictionary[ScopedClient, _RunMemo]" = WeakKeyDictionary()


def _memo(ctx: "ProbeContext") -> _RunMemo:
    memo = _MEMOS.get(ctx.http)
    if memo is None:
        memo = _MEMOS[ctx.http] = _RunMemo()
    return memo


def page_of(ctx: "ProbeContext", resp: Response) -> "Page":
    """The parsed HTML of a response, parsed once per run whichever probe asks."""
    from wizard.probes.htmlscan import parse_html

    memo = _memo(ctx)
    hit = memo.parsed.get(id(resp))
    if hit is None or hit[0] is not resp:
        hit = memo.parsed[id(resp)] = (resp, parse_html(resp.text))
    return hit[1]


def url_for(ctx: "ProbeContext", path_or_url: str) -> str:
    if path_or_url.startswith(("http://", "https://")):
        return path_or_url
    return ctx.base_url.rstrip("/") + "/" + path_or_url.lstrip("/")


_REDIRECTS = (301, 302, 303, 307, 308)


async def _hop(ctx: "ProbeContext", url: str, probe: str) -> Response:
    """One GET without following redirects, sent once per run whoever asks first."""
    memo = _memo(ctx)
    fut = memo.fetches.get(url)
    if fut is None:
        fut = memo.fetches[url] = ctx.http.shared(ctx.http.request("GET", url, probe=probe, follow_redirects=False))
    # shield: one caller being cancelled (its probe timed out) must not cancel the others' wait
    return await asyncio.shield(fut)


async def fetch(ctx: "ProbeContext", path_or_url: str, probe: str, *, follow_redirects: bool = True) -> Response:
    """An anonymous GET, shared by every probe of the run; raises RequestFailed/BlockedRequest.

    Redirects are followed here hop by hop (each hop shared too, so `http://host/` -> `https://host/`
    costs nothing when the home page was already read), with the client's rules: every hop within
    scope (a redirect leaving it is returned as the answer) and at most its redirect limit.
    """
    url = url_for(ctx, path_or_url)
    resp = await _hop(ctx, url, probe)
    if not follow_redirects:
        return resp
    history: list[Response] = []
    for _ in range(ctx.http.policy.max_redirects):
        location = resp.headers.get("location") if resp.status in _REDIRECTS else None
        nxt = resolve(resp.url, location) if location else None
        if nxt is None:
            break
        try:
            ctx.http.check("GET", nxt)
        except BlockedRequest:
            break  # the caller sees the redirect and where it pointed
        history.append(resp)
        resp = await _hop(ctx, nxt, probe)
    else:
        if resp.status in _REDIRECTS and resp.headers.get("location"):
            raise RequestFailed(f"more than {ctx.http.policy.max_redirects} redirects (redirect loop?)", url)
    return dataclasses.replace(resp, history=history) if history else resp


async def try_fetch(ctx: "ProbeContext", path_or_url: str, probe: str, **kw) -> tuple[Response | None, str]:
    """(response, "") or (None, why it failed) for callers that only note a failure."""
    try:
        return await fetch(ctx, path_or_url, probe, **kw), ""
    except (RequestFailed, BlockedRequest) as err:
        return None, err.reason


def run_nonce(ctx: "ProbeContext") -> str:
    """Random hex, fixed for one run: random paths and origins stay the same across probes."""
    return _memo(ctx).nonce


def random_path(ctx: "ProbeContext") -> str:
    """A path no app has, the same for every probe of a run."""
    return f"/launch-ready-{_memo(ctx).nonce}-404"


async def baselines(ctx: "ProbeContext", probe: str) -> list[tuple[str, Response]]:
    """(path, answer) for a path that does not exist: the yardstick that keeps a site answering 200
    to everything from producing false findings. Empty when the request failed."""
    path = random_path(ctx)
    resp, _ = await try_fetch(ctx, path, probe)
    return [(path, resp)] if resp is not None else []


async def home_failure(ctx: "ProbeContext", probe: str) -> str | None:
    """Why the home page gave no usable answer, or None. Probes stop early on it: a server that does
    not answer its home page gets no more requests, and its findings say why."""
    _, why = await try_fetch(ctx, HOME, probe)
    return f"the app's home page gave no usable answer: {why}" if why else None


def login_plan_line(config: "Config") -> str | None:
    """The shared test login, in plain words for the consent screen (None: no role can log in)."""
    role = login_role(config)
    if role is None:
        return None
    recipe = config.roles[role].login
    how = f"1 login ({recipe.route})" if recipe else "its token or cookie from the environment (no login request)"
    return f"Test role '{role}': {how}, shared by the cookie, CSRF and header checks, to read the session cookie it gets"


def login_role(config: "Config") -> str | None:
    """The first role that can give us a logged-in session: a login recipe, a token or a cookie."""
    for name, role in config.roles.items():
        if role.login or role.token_env or role.cookie_env:
            return name
    return None


async def shared_login(ctx: "ProbeContext", probe: str) -> "AuthState | None":
    """Log in once per run as the first usable test role, when the login tier is consented.

    None when there is no consent or no role; an AuthState with ok=False says why a login failed.
    """
    from wizard.engine.auth import AuthState, login

    role = login_role(ctx.config)
    if role is None or not ctx.allows(Tier.LOGIN):
        return None
    memo = _memo(ctx)
    if memo.login is None:

        async def attempt() -> "AuthState":
            try:
                return await login(ctx, role, probe)
            except (RequestFailed, BlockedRequest) as err:
                return AuthState(role, reason=f"login failed: {err.reason}")

        memo.login = ctx.http.shared(attempt())
    return await asyncio.shield(memo.login)


def same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def resolve(base: str, ref: str) -> str | None:
    """Absolute URL of a reference found in a page, or None when it is not a usable http(s) URL."""
    try:
        url = urljoin(base, ref.strip())
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


_PATH_PARAM = re.compile(r"\{[^}]+\}|:\w+|<[^>]+>")


def concrete_path(path: str) -> str:
    """Fill path parameters with a harmless sample id, so `/customers/{id}` can be requested."""
    return _PATH_PARAM.sub("1", path)


def safe_get_endpoints(endpoints: list, *, public: bool | None = None) -> list:
    """Inventory GET routes we may request (never a state-changing one), public or not as asked."""
    return [e for e in endpoints
            if e.method == "GET" and not is_unsafe_path(e.path) and (public is None or e.public == public)]


def same_page(candidate: Response, baseline: Response, candidate_path: str, baseline_path: str) -> bool:
    """Both answers are the site's generic page (soft 404, SPA shell): equal once paths are taken out."""
    a = candidate.body.replace(candidate_path.encode(), b"")
    b = baseline.body.replace(baseline_path.encode(), b"")
    if a == b:
        return True
    return abs(len(a) - len(b)) <= max(32, len(b) // 50) and a[:256] == b[:256]
