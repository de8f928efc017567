"""The one HTTP client every probe uses. It enforces the audit's safety rules, whatever a probe asks.

- scope: only hosts the person confirmed; redirects leaving scope are not followed;
- tiers: GET/HEAD/OPTIONS are passive; other methods need the tier the person consented to;
- a deny-list of side-effect routes that are never called, even with GET;
- a total request budget, a per-host rate, a total time limit per request and a body size cap
  (slow-loris servers, gzip bombs and endless bodies end as a clear error, not a hang);
- no credentials across hosts on redirect; a recognisable User-Agent.

Two narrow exceptions, both for the login tier and both limited to routes the person named in the
config: `login=True` submits a test account's login (or a reset/one-time-code route named for the
rate-limit check), and `own_session_logout=True` calls a role's configured logout route, only with
credentials that a login through this client issued to the same probe (never a token or cookie the
person supplied), so the session check can show that logout ends the session on the server.
"""

from __future__ import annotations

import asyncio
import re
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import httpx

from wizard import __version__
from wizard.model import TIER_RANK, Tier

USER_AGENT = f"launch-ready/{__version__} (production-readiness audit; read-only by default)"

# Path words that mark a route as state-changing: never requested, reported as "unsafe GET, not probed".
UNSAFE_WORDS = (
    "delete", "remove", "destroy", "reset", "drop", "truncate", "purge", "wipe", "init", "seed",
    "createdb", "migrate", "logout", "signout", "sign-out", "log-out", "revoke", "disable", "deactivate",
    "shutdown", "restart", "reboot", "flush", "clear", "unsubscribe", "cancel", "approve", "execute", "run",
    # more verbs that change state when a GET route is named after them (the authz issue met `void`)
    "void", "archive", "unarchive", "suspend", "unsuspend", "activate", "enable", "lock", "unlock", "ban",
    "unban", "block", "unblock", "grant", "promote", "demote", "impersonate", "refund", "charge", "payout",
    "transfer", "send", "resend", "invite", "publish", "unpublish", "restore", "rollback", "deploy", "trigger",
    "toggle", "start", "stop", "kill", "pause", "resume", "retry", "sync", "import", "confirm", "reject",
    "accept", "verify", "rotate", "regenerate", "submit", "assign", "unassign", "close", "reopen", "create",
    "add", "update", "set", "save", "modify", "rename", "move", "merge", "upgrade", "downgrade", "subscribe",
)
_UNSAFE_RE = re.compile(r"(?:^|[/_.\-])(" + "|".join(re.escape(w) for w in UNSAFE_WORDS) + r")(?:$|[/_.\-?])", re.I)

_METHOD_TIER = {
    "GET": Tier.PASSIVE, "HEAD": Tier.PASSIVE, "OPTIONS": Tier.PASSIVE,
    "POST": Tier.WRITE, "PUT": Tier.WRITE, "PATCH": Tier.WRITE, "DELETE": Tier.DESTRUCTIVE,
}
_SENSITIVE_HEADERS = ("authorization", "cookie", "proxy-authorization", "x-api-key")


class BlockedRequest(Exception):
    """The wrapper refused to send a request; `reason` says why in plain words."""

    def __init__(self, reason: str, url: str):
        self.reason = reason
        self.url = url
        super().__init__(f"{reason}: {url}")


class OutOfScope(BlockedRequest):
    pass


class UnsafeRoute(BlockedRequest):
    pass


class TierNotAllowed(BlockedRequest):
    pass


class BudgetExhausted(BlockedRequest):
    pass


class RequestFailed(Exception):
    """The request was sent but got no usable answer (timeout, reset, not HTTP, too big).

    `kind` sorts failures for counting: timeout, connect, protocol or failed.
    """

    def __init__(self, reason: str, url: str, kind: str = "failed"):
        self.reason = reason
        self.url = url
        self.kind = kind
        super().__init__(f"{reason}: {url}")


def is_unsafe_path(path: str) -> bool:
    return bool(_UNSAFE_RE.search(urlsplit(path).path or path))


@dataclass
class Response:
    """A fully read, size-capped response; `history` holds the redirect hops that led here."""

    method: str
    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    elapsed: float
    truncated: bool = False
    history: list["Response"] = field(default_factory=list)
    # With request(timings=True): perf_counter stamps "start" (after the rate-limit wait), "end", and
    # httpcore's trace events ("connect_tcp.started", "send_request_body.complete", ...).
    timings: dict[str, float] | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        import json

        return json.loads(self.body)

    def header_values(self, name: str) -> list[str]:
        return self.headers.get_list(name)

    @property
    def set_cookies(self) -> list[str]:
        return self.headers.get_list("set-cookie")


@dataclass
class ClientPolicy:
    scope: set[str]
    tier: Tier = Tier.PASSIVE
    budget: int = 1500
    rate_per_host: float = 20.0
    timeout: float = 10.0
    max_body: int = 2_000_000
    max_redirects: int = 5
    allow_delete: bool = False
    verify: str | bool = True  # CA bundle path, or True for the system store
    # (METHOD, path) the config names as login routes (login recipes, the [ratelimit] account and routes).
    # None: a bare client (no config), where any login POST of the login tier is allowed.
    login_routes: frozenset[tuple[str, str]] | None = None
    logout_routes: frozenset[tuple[str, str]] = frozenset()  # the roles' configured logout routes


class ScopedClient:
    """Shared by all probes of a run, so the budget and the rates are global."""

    def __init__(self, policy: ClientPolicy):
        self.policy = policy
        self.sent: Counter[str] = Counter()  # probe id -> requests sent
        self.log: list[tuple[str, str, str, int | None]] = []  # (probe, method, url, status)
        self._total = 0
        self._next_slot: dict[str, float] = {}
        self._rate_lock = asyncio.Lock()
        self._client: httpx.AsyncClient | None = None
        self._issued: dict[str, str] = {}  # credential value -> the probe a login through this client gave it to
        self._shared: set[asyncio.Future] = set()  # requests several probes await (see shared())

    async def __aenter__(self) -> "ScopedClient":
        import ssl

        verify: ssl.SSLContext | bool
        if isinstance(self.policy.verify, str):
            verify = ssl.create_default_context(cafile=self.policy.verify)
        else:
            verify = self.policy.verify
        # No cookie jar: a login by one probe must never leak into another probe's "anonymous"
        # request. Probes that need a session send its Cookie header explicitly.
        no_jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        self._client = httpx.AsyncClient(
            cookies=no_jar,
            verify=verify,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(self.policy.timeout, connect=min(5.0, self.policy.timeout)),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            trust_env=False,  # never route an audit through a proxy from the environment
        )
        return self

    async def __aexit__(self, *exc) -> None:
        # A cancelled run leaves shared requests nobody awaits any more: stop them while the client
        # is still open, so none outlives the run (asyncio would report it as destroyed while pending).
        pending = [fut for fut in self._shared if not fut.done()]
        for fut in pending:
            fut.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if self._client:
            await self._client.aclose()

    def shared(self, coro) -> asyncio.Future:
        """Run `coro` (a request several probes await) as a task of this client's: its outcome counts as
        seen even when every waiter is gone, and it is cancelled when the client closes."""
        fut = asyncio.ensure_future(coro)
        self._shared.add(fut)
        fut.add_done_callback(self._shared.discard)
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        return fut

    @property
    def total_sent(self) -> int:
        return self._total

    # -- policy checks ------------------------------------------------------------------------
    def check(self, method: str, url: str, *, login: bool = False, own_session_logout: bool = False) -> None:
        """Raise BlockedRequest if this request may not be sent. Probes may call it to plan.

        `login=True` marks the one POST the login tier allows: submitting a test account's login.
        `own_session_logout=True` marks a call to a role's configured logout route (see `request`).
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OutOfScope("not an http(s) URL", url)
        if parts.hostname not in self.policy.scope:
            raise OutOfScope(f"host '{parts.hostname}' is outside the confirmed scope", url)
        route = (method.upper(), parts.path or "/")
        if own_session_logout:
            if TIER_RANK[self.policy.tier] < TIER_RANK[Tier.LOGIN]:
                raise TierNotAllowed("logging out a test session needs the 'login' tier", url)
            if route not in self.policy.logout_routes:
                raise UnsafeRoute("only a role's configured logout route may be called, for the probe's own session", url)
            return
        named_login = login and self.policy.login_routes is not None and route in self.policy.login_routes
        if is_unsafe_path(parts.path) and not named_login:
            raise UnsafeRoute("state-changing route, never requested (unsafe GET, not probed)", url)
        if login and self.policy.login_routes is not None and not named_login:
            raise TierNotAllowed("logins are sent only to the login routes named in the config", url)
        need = _METHOD_TIER.get(method.upper())
        if need is None:
            raise TierNotAllowed(f"method {method} is never sent", url)
        if need is Tier.DESTRUCTIVE and not self.policy.allow_delete:
            raise TierNotAllowed("DELETE needs --allow-delete", url)
        login_post = login and method.upper() == "POST" and TIER_RANK[self.policy.tier] >= TIER_RANK[Tier.LOGIN]
        if TIER_RANK[need] > TIER_RANK[self.policy.tier] and not login_post:
            raise TierNotAllowed(f"{method} needs the '{need.value}' tier, consented tier is '{self.policy.tier.value}'", url)

    async def _wait_for_slot(self, host: str) -> None:
        interval = 1.0 / self.policy.rate_per_host
        async with self._rate_lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + interval
        delay = slot - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    # -- sending ------------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        url: str,
        *,
        probe: str,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        login: bool = False,
        timings: bool = False,
        own_session_logout: bool = False,
        **kwargs,
    ) -> Response:
        """Send within policy, following redirects hop by hop (each hop checked against scope).

        `timings=True` stamps each phase of the (last) exchange on `Response.timings`, for latency
        clocks that leave the client's own work out (request sent -> response headers received).

        `own_session_logout=True`: the one way to call a logout route. Allowed only in the login tier,
        only to a role's configured logout route, and only when every credential the request carries
        (each cookie value, the bearer token) was issued to this probe by a login through this client.
        Redirects after a logout are not followed.
        """
        method = method.upper()
        headers = dict(headers or {})
        if own_session_logout:
            self.check(method, url, own_session_logout=True)
            self._check_own_session(headers, probe, url)
            follow_redirects = False
        history: list[Response] = []
        current = url
        origin_host = urlsplit(url).hostname
        for hop in range(self.policy.max_redirects + 1):
            self.check(method, current, login=login, own_session_logout=own_session_logout)
            resp = await self._send_once(method, current, probe=probe, headers=headers, timings=timings, **kwargs)
            if login:
                for line in resp.set_cookies:
                    value = line.split(";", 1)[0].partition("=")[2].strip().strip('"')
                    if value:
                        self._issued[value] = probe
            resp.history = history
            if not follow_redirects or resp.status not in (301, 302, 303, 307, 308):
                return resp
            location = resp.headers.get("location")
            if not location:
                return resp
            history = history + [resp]
            nxt = urljoin(current, location)
            if urlsplit(nxt).hostname not in self.policy.scope:
                # Stop here: the caller sees the redirect and where it pointed.
                return resp
            if urlsplit(nxt).hostname != origin_host:
                headers = {k: v for k, v in headers.items() if k.lower() not in _SENSITIVE_HEADERS}
            if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                method, kwargs = "GET", {}
            current = nxt
        raise RequestFailed(f"more than {self.policy.max_redirects} redirects (redirect loop?)", url)

    def note_issued(self, credential: str, probe: str) -> None:
        """A login answer gave `probe` this token (found in its body): it may log that session out."""
        self._issued[credential] = probe

    def _check_own_session(self, headers: dict[str, str], probe: str, url: str) -> None:
        values = []
        for name, value in headers.items():
            if name.lower() == "cookie":
                values += [part.partition("=")[2].strip() for part in value.split(";") if "=" in part]
            elif name.lower() in _SENSITIVE_HEADERS:
                values.append(value.split(" ", 1)[1] if " " in value else value)
        if not values or any(self._issued.get(v) != probe for v in values):
            raise UnsafeRoute("a logout is sent only with a session this probe's own login just opened", url)

    async def _send_once(self, method: str, url: str, *, probe: str, headers: dict[str, str],
                         timings: bool = False, **kwargs) -> Response:
        assert self._client is not None, "use ScopedClient as an async context manager"
        if self._total >= self.policy.budget:
            raise BudgetExhausted(f"request budget of {self.policy.budget} used up", url)
        self._total += 1
        self.sent[probe] += 1
        stamps: dict[str, float] | None = None
        if timings:
            stamps = {}
            kwargs["extensions"] = {**kwargs.get("extensions", {}), "trace": _phase_recorder(stamps)}
        await self._wait_for_slot(urlsplit(url).hostname or "")
        started = time.perf_counter()  # after the rate-limit wait: elapsed is the server's time
        status: int | None = None
        try:
            resp = await asyncio.wait_for(
                self._fetch(method, url, headers, kwargs), timeout=self.policy.timeout
            )
            status = resp.status
            ended = time.perf_counter()
            resp.elapsed = ended - started
            if stamps is not None:
                resp.timings = {**stamps, "start": started, "end": ended}
            return resp
        except asyncio.TimeoutError:
            raise RequestFailed(f"no complete answer within {self.policy.timeout:g} s", url, "timeout") from None
        except httpx.TooManyRedirects:
            raise RequestFailed("redirect loop", url) from None
        except httpx.ConnectError as err:
            raise RequestFailed(_connect_reason(err), url, "connect") from None
        except httpx.RemoteProtocolError as err:
            if "receive buffer too long" in str(err).lower():  # h11's limit on the response head
                raise RequestFailed("the response headers are larger than 100 KB", url, "protocol") from None
            raise RequestFailed(f"the server did not speak valid HTTP ({_short(err)})", url, "protocol") from None
        except httpx.ReadError:
            hint = " (a port that only speaks TLS does this: try https://)" if url.startswith("http://") else ""
            raise RequestFailed(f"the connection was closed without an HTTP answer{hint}", url, "protocol") from None
        except (httpx.DecodingError, zlib.error, _DecodeRefused) as err:
            raise RequestFailed(f"undecodable response body ({_short(err)})", url) from None
        except httpx.TimeoutException:
            raise RequestFailed(f"timed out after {self.policy.timeout:g} s", url, "timeout") from None
        except httpx.HTTPError as err:
            raise RequestFailed(f"request failed ({type(err).__name__}: {_short(err)})", url) from None
        finally:
            self.log.append((probe, method, url, status))

    async def _fetch(self, method: str, url: str, headers: dict[str, str], kwargs: dict) -> Response:
        assert self._client is not None
        req = self._client.build_request(method, url, headers=headers, **kwargs)
        resp = await self._client.send(req, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            truncated = False
            if method != "HEAD":
                # Decoded here, never asked for more than the cap allows: httpx's own decoders expand a
                # whole chunk at once, and a few hundred bytes of brotli or stacked gzip make gigabytes.
                decoder = _BoundedDecoder(resp.headers.get("content-encoding", ""))
                async for raw in resp.aiter_raw():
                    chunk = decoder.decode(raw, self.policy.max_body - size + 1)
                    size += len(chunk)
                    if size > self.policy.max_body:
                        chunks.append(chunk[: max(0, len(chunk) - (size - self.policy.max_body))])
                        truncated = True
                        break
                    chunks.append(chunk)
            return Response(method, str(resp.url), resp.status_code, resp.headers, b"".join(chunks), 0.0, truncated)
        finally:
            await resp.aclose()


def _phase_recorder(stamps: dict[str, float]):
    """An httpcore `trace` callback that stamps each event: "http11.send_request_body.complete" ->
    stamps["send_request_body.complete"] = perf_counter()."""

    async def trace(event: str, info: dict) -> None:
        stamps[event.partition(".")[2]] = time.perf_counter()

    return trace


class _DecodeRefused(Exception):
    pass


class _BoundedDecoder:
    """Content-Encoding decoding that never produces more bytes than the caller has room for.

    gzip, deflate and br (when the brotli package is there, as httpx would); unknown codings are
    passed through as they are, like httpx does; stacked codings ("gzip, gzip") are refused.
    """

    def __init__(self, header: str):
        codings = [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]
        if len(codings) > 1:
            raise _DecodeRefused(f"stacked content encodings '{header[:40]}' refused")
        self.coding = codings[0] if codings else ""
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16) if self.coding in ("gzip", "x-gzip") else None
        self._brotli = None
        if self.coding == "br":
            try:
                import brotli  # optional, as in httpx

                self._brotli = brotli.Decompressor()
            except ImportError:
                self.coding = ""

    def decode(self, data: bytes, limit: int) -> bytes:
        if not data or limit <= 0:
            return b""
        if self.coding == "deflate" and self._zlib is None:
            # zlib-wrapped as the RFC says, or raw deflate as some servers send
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        if self._zlib is not None:
            return self._zlib.decompress(data, limit)  # leftover input is dropped: we stop at the cap
        if self._brotli is not None:
            try:
                return self._brotli.process(data, output_buffer_limit=limit)
            except Exception as err:  # brotli.error
                raise _DecodeRefused(f"brotli: {err}") from None
        return data


def _short(err: Exception) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) < 160 else text[:157] + "..."


def _causes(err: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    while err is not None and err not in chain and len(chain) < 10:
        chain.append(err)
        err = err.__cause__ or err.__context__  # type: ignore[assignment]
    return chain


def _connect_reason(err: Exception) -> str:
    text = str(err)
    low = text.lower()
    if "certificate" in low or "ssl" in low or "tls" in low:
        return f"TLS handshake failed ({_short(err)})"
    # anyio reports "All connection attempts failed"; the refusal is further down the chain
    if "refused" in low or any(isinstance(e, ConnectionRefusedError) for e in _causes(err)):
        return "connection refused (is the app running on that port?)"
    if "name or service not known" in low or "nodename" in low or "getaddrinfo" in low:
        return "host name does not resolve"
    return f"could not connect ({_short(err)})"
