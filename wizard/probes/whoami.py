"""The read-only "who am I" route of a role, and whether a session still opens it.

The session check, the revocation drill and the forged-token checks all ask one question: does
this cookie or token still act as that user? They ask it on one route that only reads: the role's
configured `whoami`, else a GET /me-like route from the inventory.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.engine.http import BlockedRequest, RequestFailed, Response, is_unsafe_path
from wizard.probes.authz.compare import refused, values_of

ME_WORDS = ("me", "whoami", "current-user", "current_user", "userinfo", "session", "user", "account", "profile")
SAME_USER_SHARE = 0.5  # share of the real answer's specific values a replayed session must show


def whoami_route(config, role: str | None, endpoints) -> str | None:
    """The path of the who-am-I route for `role` (its own setting first, then the inventory)."""
    if role and config.roles.get(role) and config.roles[role].whoami:
        return config.roles[role].whoami.split(" ", 1)[1]
    candidates = [e.path for e in endpoints if e.method == "GET" and not e.params and not e.public
                  and not is_unsafe_path(e.path) and e.path.rstrip("/").rsplit("/", 1)[-1].lower() in ME_WORDS]
    candidates.sort(key=lambda p: ME_WORDS.index(p.rstrip("/").rsplit("/", 1)[-1].lower()))
    return candidates[0] if candidates else None


@dataclass
class Reply:
    """One request on the who-am-I route: the answer, or why there is none."""

    resp: Response | None = None
    error: str = ""

    @property
    def line(self) -> str:
        if self.resp is None:
            return f"not answered ({self.error})"
        ctype = self.resp.headers.get("content-type", "?").split(";")[0]
        return f"{self.resp.status} {ctype}, {len(self.resp.body)} bytes"


async def ask(ctx, probe_id: str, path: str, headers: dict[str, str]) -> Reply:
    try:
        resp = await ctx.http.request("GET", ctx.base_url.rstrip("/") + path, probe=probe_id,
                                      headers=dict(headers), follow_redirects=False)
        return Reply(resp)
    except (RequestFailed, BlockedRequest) as err:
        return Reply(error=err.reason)


def works(answer: Reply) -> bool:
    """A real, logged-in answer: 2xx, not a refusal, not the login page."""
    r = answer.resp
    return r is not None and 200 <= r.status < 300 and refused(r) is None


def same_user(answer: Reply, reference: Reply) -> bool:
    """This answer is the logged-in user's own (it carries most of what the real session showed)."""
    if not works(answer) or reference.resp is None:
        return False
    if answer.resp.body == reference.resp.body:
        return True
    ref = values_of(reference.resp).values
    if not ref:
        return False
    got = values_of(answer.resp).values
    return sum(1 for v in ref if v in got) / len(ref) >= SAME_USER_SHARE


def is_refusal(answer: Reply) -> bool:
    return answer.resp is not None and refused(answer.resp) is not None
