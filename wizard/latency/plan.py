"""What the latency sampler will time, how fast and for how long, in words a person can check first.

Endpoints are grouped as the checklist names normal admin actions: login, search, list, detail and
create/update. Only GET and HEAD are ever timed: writes would create data on every request, and
login submissions are rate-limited by design (timing them would lock the test account). The person
edits the plan in `launch-ready.toml`:

    [latency]
    endpoints = ["GET /api/reports/search?q=acme search", "GET /api/customers list"]
    rate = 5           # requests per second per endpoint (hard cap 20)
    max_samples = 400  # per endpoint; sampling stops sooner once the p95 is clearly under or over
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from wizard.engine.http import is_unsafe_path
from wizard.stats import looks, per_look_confidence, smallest_n_for_upper_bound

GROUPS = ("login", "search", "list", "detail", "create-update")
TIMED_METHODS = ("GET", "HEAD")
HARD_CAP_RATE = 20.0  # requests per second, per endpoint and in all
RATE_LIMIT_SHARE = 0.75  # stay this far under the client's per-host limit, so it never delays a send
WARMUP = 1  # requests per endpoint before the timed ones, reported apart as "cold"
QUANTILE = 0.95
CONFIDENCE = 0.95
FIRST_LOOK = 50
SHOW_SKIPPED = 5  # "not timed" lines in the plan; an API with 80 write routes gets one summary line

# Rules as data: how a route is recognised.
_LOGIN = re.compile(r"/(log-?in|sign-?in|auth(?:enticate)?|sessions?|token)(?:/|$)", re.I)
_SEARCH = re.compile(r"(search|query|lookup|find|filter)|[?&](q|query|search|term)=", re.I)
_ID_SEGMENT = re.compile(r"^(\{[^}]+\}|:\w+|\d+|[0-9a-f]{8}-[0-9a-f-]{27,}|[0-9a-f]{24}|me|self|current)$", re.I)
# Not normal admin actions: probes for machines, static files, heavy exports, diagnostics, audit trails.
_NOT_AN_ACTION = re.compile(
    r"/(health|healthz|livez|readyz|ping|status|metrics|up|version|favicon\.ico|robots\.txt)$"
    r"|\.(js|mjs|css|png|jpe?g|gif|svg|ico|woff2?|ttf|map)$|(^|/)(export|exports|debug|_debug|audit-log|audit_log|audit)(/|$|\.)", re.I)
_ENTRY = re.compile(r"^(?P<method>[A-Za-z]+)\s+(?P<path>/\S*)(?:\s+(?P<group>[\w-]+))?\s*$")


def classify(method: str, path: str) -> str:
    """login, search, list, detail or create-update, from the method and the path alone."""
    method = method.upper()
    bare = path.split("?", 1)[0].rstrip("/") or "/"
    if method not in TIMED_METHODS:
        return "login" if _LOGIN.search(bare) else "create-update"
    if _LOGIN.search(bare):
        return "login"
    if _SEARCH.search(path):
        return "search"
    if _ID_SEGMENT.match(bare.rsplit("/", 1)[-1]):
        return "detail"
    return "list"


def parse_entry(text: str) -> tuple[str, str, str | None]:
    """'GET /path [group]' -> (method, path, group or None); ValueError with a plain message."""
    m = _ENTRY.match(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not 'METHOD /path [group]', e.g. 'GET /api/customers list'")
    method, path, group = m.group("method").upper(), m.group("path"), m.group("group")
    if method not in ("GET", "HEAD", "POST", "PUT", "PATCH"):
        raise ValueError(f"'{text}': {method} is never timed (GET and HEAD are; DELETE is never sent)")
    if group is not None and group.lower() not in GROUPS:
        raise ValueError(f"'{text}': group '{group}' is not one of {', '.join(GROUPS)}")
    return method, path, group.lower() if group else None


@dataclass(frozen=True)
class PlanEntry:
    method: str
    path: str
    group: str
    public: bool = False

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class LatencyPlan:
    entries: list[PlanEntry]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (route, why it is not timed)
    rate: float = 5.0  # per endpoint
    lanes: int = 1  # endpoints timed at once
    max_samples: int = 400  # per endpoint
    logged_in: bool = False

    @property
    def total_rate(self) -> float:
        return self.rate * min(self.lanes, max(1, len(self.entries)))

    @property
    def looks(self) -> list[int]:
        return looks(self.max_samples, FIRST_LOOK)

    @property
    def decision_confidence(self) -> float:
        return per_look_confidence(CONFIDENCE, len(self.looks))

    @property
    def fewest_for_pass(self) -> int:
        """Below this many samples the interval has no upper end, so nothing can pass yet."""
        need = smallest_n_for_upper_bound(QUANTILE, self.decision_confidence)
        return next((n for n in self.looks if n >= need), need)

    def max_requests(self) -> int:
        return len(self.entries) * (self.max_samples + WARMUP)

    def max_seconds(self) -> float:
        waves = math.ceil(len(self.entries) / max(1, self.lanes))
        return waves * (self.max_samples + WARMUP) / self.rate

    def typical_seconds(self) -> float:
        waves = math.ceil(len(self.entries) / max(1, self.lanes))
        return waves * (self.fewest_for_pass + WARMUP) / self.rate

    def describe(self) -> list[str]:
        """The plan in plain words, shown before anything is sent."""
        if not self.entries:
            lines = ["Nothing to time: no read-only endpoint found (list some under [latency] endpoints)."]
        else:
            who = "as the logged-in test role" if self.logged_in else "without logging in"
            lines = [
                f"Time {len(self.entries)} read-only endpoint(s) {who}, {self.rate:g} requests/s each, "
                f"{self.lanes} at a time ({self.total_rate:g}/s in all), after a 2-second self-check of this computer:",
                *(f"  {e.group:<13} {e.key}" for e in self.entries),
                f"Each stops once its p95 is clearly under or over the bar (about {self.fewest_for_pass} requests, "
                f"{_duration(self.typical_seconds())} in all when answers are clear); at most {self.max_samples} requests "
                f"each: {self.max_requests():,} requests and {_duration(self.max_seconds())} at most.",
            ]
        shown = self.skipped[:SHOW_SKIPPED]
        lines += [f"Not timed: {route} ({why})" for route, why in shown]
        if len(self.skipped) > len(shown):
            lines.append(f"Not timed: {len(self.skipped) - len(shown)} more write route(s)")
        return lines


def _duration(seconds: float) -> str:
    seconds = math.ceil(seconds)
    return f"{seconds} s" if seconds < 90 else f"{seconds // 60} min {seconds % 60:02d} s"


def lanes_for(rate: float, rate_per_host: float) -> tuple[float, int]:
    """(per-endpoint rate, endpoints at once) that keep every send clear of the per-host limit."""
    ceiling = min(HARD_CAP_RATE, RATE_LIMIT_SHARE * rate_per_host)
    rate = min(rate, HARD_CAP_RATE, ceiling)
    return rate, max(1, math.floor(ceiling / rate + 1e-9))


def build_plan(settings, endpoints, logged_in: bool, rate_per_host: float) -> LatencyPlan:
    """From the [latency] section (`settings`) and the endpoint inventory."""
    rate, lanes = lanes_for(settings.rate, rate_per_host)
    plan = LatencyPlan(entries=[], rate=rate, lanes=lanes, max_samples=settings.max_samples, logged_in=logged_in)
    if settings.endpoints:
        for text in settings.endpoints:
            method, path, group = parse_entry(text)
            _add(plan, method, path, group or classify(method, path), public=False)
        return plan
    usable = [e for e in endpoints if e.method in TIMED_METHODS and (logged_in or e.public)]
    for e in endpoints:
        if e.method not in TIMED_METHODS and e.method != "DELETE" and not is_unsafe_path(e.path):
            _add(plan, e.method, e.path, classify(e.method, e.path), e.public)
    picked = _pick(usable, settings.max_endpoints, logged_in)
    for e in picked:
        _add(plan, e.method, e.path, classify(e.method, e.path), e.public)
    return plan


def _add(plan: LatencyPlan, method: str, path: str, group: str, public: bool) -> None:
    route = f"{method} {path}"
    if is_unsafe_path(path):
        plan.skipped.append((route, "a state-changing route is never requested"))
    elif method not in TIMED_METHODS:
        why = ("logins are rate-limited by design; timing them would lock the test account" if group == "login"
               else "writes are never timed: each one would create or change data")
        plan.skipped.append((route, why))
    elif route not in {e.key for e in plan.entries}:
        plan.entries.append(PlanEntry(method, path, group, public))


def _pick(usable, limit: int, logged_in: bool) -> list:
    """Normal admin actions, one group after another (search, list, detail, login page); when logged
    in, the logged-in work first: that is what admins do all day."""
    candidates = [e for e in usable if not _NOT_AN_ACTION.search(e.path.split("?", 1)[0])]
    tiers = [[e for e in candidates if not e.public], [e for e in candidates if e.public]] if logged_in else [candidates]
    picked: list = []
    for tier in tiers:
        by_group: dict[str, list] = {g: [] for g in ("search", "list", "detail", "login")}
        for e in tier:
            by_group[classify(e.method, e.path)].append(e)
        while len(picked) < limit and any(by_group.values()):
            for group in by_group:
                if by_group[group] and len(picked) < limit:
                    picked.append(by_group[group].pop(0))
    return picked
