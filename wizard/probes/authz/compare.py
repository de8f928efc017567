"""Did a lower role get the protected data? Judged on content, not on status or length.

A response is reduced to the set of its *specific values*: JSON leaf values (strings of 3+ characters,
numbers of 3+ digits) outside volatile keys (timestamps, nonces, CSRF tokens, request ids), or for
other bodies the words of 4+ characters. A lower role's 2xx is a bypass only when it carries most
of the values that are specific to the allowed role's (or the record owner's) answer; values the
lower role also sees on its own records are not specific and are left out (Autorize compares
status and length, which misfires on every timestamp and every "forbidden" page served as 200).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from wizard.engine.http import Response

VOLATILE_KEY = re.compile(
    r"(^|[_-])(time|timestamp|date|datetime|at|ts|now|nonce|csrf|xsrf|token|request_?id|trace_?id|span_?id|etag|"
    r"expires?|expiry|generated|elapsed|duration|took|uptime|random|salt|signature|version|count|total|page|per_page|"
    r"limit|offset)$", re.I,
)
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_WORD = re.compile(r"[A-Za-z0-9@._-]{4,}")
_TAG = re.compile(rb"<[^>]*>")
BYPASS_SHARE = 0.5  # share of the specific values a lower role must see to count as a bypass
_PASSWORD_INPUT = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password", re.I)


@dataclass
class Values:
    """The specific values of one response, and the keys they sat under (for evidence)."""

    values: dict[str, str] = field(default_factory=dict)  # value -> key path where first seen

    def __len__(self) -> int:
        return len(self.values)


def _walk(node, path: str, out: dict[str, str], depth: int = 0) -> None:
    if depth > 12 or len(out) > 5000:
        return
    if isinstance(node, dict):
        for k, v in node.items():
            if VOLATILE_KEY.search(str(k)):
                continue
            _walk(v, f"{path}.{k}" if path else str(k), out, depth + 1)
    elif isinstance(node, list):
        for v in node[:500]:
            _walk(v, path + "[]", out, depth + 1)
    elif isinstance(node, bool) or node is None:
        return
    elif isinstance(node, (int, float)):
        text = str(node)
        if len(text.lstrip("-").replace(".", "")) >= 3:
            out.setdefault(text, path)
    elif isinstance(node, str):
        text = node.strip()
        if len(text) >= 3 and not _ISO_TIME.match(text):
            out.setdefault(text, path)


def values_in(doc) -> Values:
    out: dict[str, str] = {}
    _walk(doc, "", out)
    return Values(out)


def values_of(resp: Response) -> Values:
    ctype = resp.headers.get("content-type", "")
    body = resp.body
    if "json" in ctype or body.lstrip()[:1] in (b"{", b"["):
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if doc is not None:
            return values_in(doc)
    if "html" in ctype:
        body = _TAG.sub(b" ", body)
    text = body[:500_000].decode("utf-8", errors="replace")
    return Values({w: "text" for w in _WORD.findall(text) if not _ISO_TIME.match(w)})


def specific(reference: Values, *not_specific: Values, exclude: set[str] | None = None) -> Values:
    """The reference's values that none of the others has (and that are not in `exclude`)."""
    common = set(exclude or ())
    for other in not_specific:
        common |= set(other.values)
    return Values({v: k for v, k in reference.values.items() if v not in common})


@dataclass
class Judgement:
    state: str  # enforced / bypassed / inconclusive
    reason: str
    shared_keys: list[str] = field(default_factory=list)


def looks_like_login_page(resp: Response) -> bool:
    return bool(_PASSWORD_INPUT.search(resp.body[:200_000]))


def refused(resp: Response) -> str | None:
    """Why this answer is a refusal (401/403/404, another 4xx, a redirect to the login), or None."""
    s = resp.status
    if s in (401, 403):
        return f"refused with {s}"
    if s == 404:
        return "answered 404 (hidden from this role)"
    if 400 <= s < 500:
        return f"refused with {s}"
    if 300 <= s < 400:
        loc = resp.headers.get("location", "")
        if re.search(r"login|signin|sign-in|auth|sso|oauth", loc, re.I):
            return "redirected to the login page"
        return None
    if 200 <= s < 300 and looks_like_login_page(resp):
        return "answered with the login page"
    return None


def judge(lower: Response, spec: Values, *, owner: str, public_pages: tuple[bytes, ...] = ()) -> Judgement:
    """Compare a lower role's answer with the values specific to the allowed role's / owner's answer."""
    why = refused(lower)
    if why:
        return Judgement("enforced", why)
    if lower.status >= 500:
        return Judgement("inconclusive", f"server error {lower.status}")
    if not 200 <= lower.status < 300:
        return Judgement("inconclusive", f"answered {lower.status}")
    if any(lower.body == page for page in public_pages):
        return Judgement("enforced", "answered with the public home page")
    if len(spec) == 0:
        return Judgement("inconclusive", f"answered {lower.status}, but {owner}'s answer has no content specific enough to compare")
    got = values_of(lower).values
    shared = [v for v in spec.values if v in got]
    share = len(shared) / len(spec)
    keys = sorted({spec.values[v] for v in shared})
    if share >= BYPASS_SHARE:
        return Judgement("bypassed", f"answered {lower.status} with {len(shared)} of {len(spec)} values specific to "
                                     f"{owner}'s answer", keys)
    return Judgement("enforced", f"answered {lower.status} but without {owner}'s data "
                                 f"({len(shared)} of {len(spec)} specific values)", keys)


def describe(resp: Response) -> str:
    ctype = resp.headers.get("content-type", "?").split(";")[0] or "?"
    return f"{resp.status} {ctype}, {len(resp.body)} bytes"
