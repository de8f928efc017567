"""Who can do what: every route x every role (and the implicit anonymous role), judged on content.

For each route the roles that should reach it are taken from the expected-access matrix. The allowed
role goes first: if it cannot open the route, the other cells of that row are inconclusive, never
"enforced". A lower role's 2xx counts as a bypass only when it carries the values specific to the
allowed role's answer (`compare`). Routes with an id also get object-level checks: each test user
tries the ids of records that another test user owns (found in their list responses), compared
with what the owner sees. Cross-user writes run only in the write tier (`writes`), and are confirmed
by reading the victim's record back as the victim.

Never sent: routes whose name says they change state (named in the matrix as not probed), DELETE,
and any write outside the write tier. Anonymous cells are shown in the matrix; the authentication
probe reports them as findings.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from wizard.config import ANONYMOUS
from wizard.engine.auth import login
from wizard.engine.http import BlockedRequest, RequestFailed, is_unsafe_path
from wizard.inventory import Endpoint
from wizard.model import Finding, Location, Severity, Status, Tier
from wizard.probes.authz.compare import Values, judge, refused, specific, values_in, values_of
from wizard.probes.authz.expect import Expectation, expected_access, privileged_roles
from wizard.probes.authz.matrix import (ALLOWED, BYPASSED, ENFORCED, INCONCLUSIVE, NOT_PROBED, Cell, Matrix, Row)
from wizard.probes.authz.objects import IdBook, fill
from wizard.probes.authz.requests import Outcome, RoleRequests
from wizard.probes.base import Probe, ProbeContext

ME_ROUTES = ("me", "whoami", "profile", "user", "account", "session", "current-user", "current_user", "userinfo")
MAX_VICTIMS = 2  # other users' records each test user tries per route

_REFS = ["OWASP API Security Top 10 2023: API5 Broken Function Level Authorization",
         "OWASP ASVS 4.0.3 V4.1.1, V4.1.3"]
_OBJECT_REFS = ["OWASP API Security Top 10 2023: API1 Broken Object Level Authorization", "OWASP ASVS 4.0.3 V4.2.1"]
_FIX_FUNCTION = ("Check the caller's role on the server in this route's handler (a decorator, middleware or "
                 "dependency from one policy module), deny by default, and add a test that calls it as the lower role.")
_FIX_OBJECT = ("Look the record up together with the caller's ownership or team (fetch by id AND owner), answer 404 "
               "otherwise, and add a test that opens another user's record.")
_FIX_WRITE = ("Load the record with the caller's ownership before changing it (update ... where id = ? and owner = ?), "
              "answer 404 when it is not theirs, and test it with two accounts.")


def route_kind(ep: Endpoint, writes_allowed: bool) -> tuple[str, str]:
    """("read" | "write" | "skip", why skipped): what the matrix does with a non-public route. The run and
    the consent plans both ask here, so the plan names exactly the routes the run sends to."""
    if is_unsafe_path(ep.path):
        return "skip", "unsafe route: its name says it changes state, so it is never called"
    if ep.method == "DELETE":
        return "skip", "DELETE is never sent to records the tool did not create"
    if ep.method == "GET":
        return "read", ""
    if not writes_allowed:
        return "skip", "a write: needs consent to the write tier, on staging"
    if ep.method == "POST" or not ep.params:
        return "skip", "writes are sent only as cross-user changes to the test accounts' own records"
    return "write", ""


def _matrix_routes(config, endpoints: list[Endpoint], writes_allowed: bool) -> tuple[list[Endpoint], list[Endpoint]]:
    """(read routes, write routes) the matrix will send to."""
    reads: list[Endpoint] = []
    writes: list[Endpoint] = []
    for ep in endpoints:
        if ep.method in ("HEAD", "OPTIONS") or ANONYMOUS in expected_access(ep, config).allowed:
            continue
        kind, _ = route_kind(ep, writes_allowed)
        if kind == "read":
            reads.append(ep)
        elif kind == "write":
            writes.append(ep)
    return reads, writes


def _live_spec_note(config) -> str:
    """Routes the live app's spec adds are known only once the run starts: the plan says so."""
    live = config.endpoints.discover or (config.endpoints.openapi or "").startswith("http")
    return "; also the matching routes of the app's own OpenAPI spec, read when the run starts" if live else ""


def _routes(eps: list[Endpoint], most: int = 6) -> str:
    names = ", ".join(str(e) for e in eps[:most])
    return names + (f" and {len(eps) - most} more" if len(eps) > most else "")


class AuthzProbe(Probe):
    id = "authz"
    title = "Who can do what: role and record checks"
    tier = Tier.LOGIN
    areas = ("authz", "auth", "access")
    rules = ("authz.function-level", "authz.object-level", "authz.cross-user-write", "authz.matrix")
    needs = ("url", "endpoints", "roles")
    timeout = 900  # bounded by the request budget and the per-host rate, not by this

    def login_plan(self, config, endpoints) -> list[str]:
        roles = sorted(config.roles, key=lambda r: -config.roles[r].level)
        reads, _ = _matrix_routes(config, endpoints, writes_allowed=False)
        live = _live_spec_note(config)
        if not roles or not (reads or live):
            return []
        per_role = len(reads) + MAX_VICTIMS * sum(1 for e in reads if e.params)
        return [f"role checks: log in once as each test role ({', '.join(roles)}), then send GET to {len(reads)} "
                f"route(s) ({_routes(reads)}) as each role and without a login{live}; routes with an id also try up "
                f"to {MAX_VICTIMS} ids that belong to other test users; about {per_role * (len(roles) + 1) + len(roles) + 1} "
                "requests for the listed routes, GET only (plus the id lookups on list routes)"]

    def write_plan(self, config, endpoints) -> list[str]:
        roles = list(config.roles)
        _, writes = _matrix_routes(config, endpoints, writes_allowed=True)
        live = _live_spec_note(config)
        if len(roles) < 2 or not (writes or live):
            return []
        per_route = len(roles) * (4 + 6 * (len(roles) - 1))
        return [f"cross-user changes: for {len(writes)} route(s) ({_routes(writes)}){live}: each test user's own change to "
                f"one text field of its own record is read back and put back, then every other test user tries the "
                f"same change on that record, which is read back and put back; at most about {per_route} requests "
                "per route, nothing created or deleted"]

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        config = ctx.config
        roles = sorted(config.roles, key=lambda r: -config.roles[r].level)
        columns = [ANONYMOUS] + roles
        headers: dict[str, dict[str, str]] = {ANONYMOUS: {}}
        answers: dict[str, object] = {}
        failed_login: dict[str, str] = {}
        for n, role in enumerate(roles, 1):
            self.progress(ctx, f"logging in as '{role}'", n / (len(roles) + 1) * 0.1)
            try:
                state = await login(ctx, role, self.id)
            except (RequestFailed, BlockedRequest) as err:
                failed_login[role] = f"login failed: {err.reason}"
                continue
            if state.ok:
                headers[role] = state.headers
                answers[role] = state.answer
            else:
                failed_login[role] = f"could not log in ({state.reason})"
        req = RoleRequests(ctx, self.id, headers)
        self.ctx, self.req, self.ids = ctx, req, IdBook(req)
        self.level = {r: config.roles[r].level for r in roles}
        self.privileged = set(privileged_roles(config))
        home = await req.get(ANONYMOUS, "/")
        self.public_pages = (home.resp.body,) if home.ok else ()
        self.identity = await self._identities(ctx.endpoints, answers)

        matrix = Matrix(columns)
        reads: list[tuple[Row, Endpoint, Expectation]] = []
        writes: list[tuple[Row, Endpoint, Expectation]] = []
        public = 0
        for ep in ctx.endpoints:
            if ep.method in ("HEAD", "OPTIONS"):
                continue
            exp = expected_access(ep, config)
            if ANONYMOUS in exp.allowed:
                public += 1
                continue
            row = Row(ep.method, ep.path, exp.allowed, exp.because, ep.describe_sources())
            matrix.rows.append(row)
            kind, why = route_kind(ep, ctx.allows(Tier.WRITE))
            if kind == "read":
                reads.append((row, ep, exp))
            elif kind == "write":
                writes.append((row, ep, exp))
            else:
                row.fill(columns, NOT_PROBED, why)
            for role, why in failed_login.items():
                row.cells.setdefault(role, Cell(INCONCLUSIVE, why))

        done = 0

        async def one(row: Row, ep: Endpoint, exp: Expectation) -> None:
            nonlocal done
            if ep.params:
                await self._object_row(row, ep, exp)
            else:
                outs = await self._get_all(ep.path)
                self._judge_row(row, ep.path, exp, outs)
            done += 1
            self.progress(ctx, f"{row.route}", 0.1 + 0.8 * done / max(1, len(reads) + len(writes)))

        await asyncio.gather(*(one(*r) for r in reads))
        if writes:
            from wizard.probes.authz.writes import cross_user_writes

            for row, ep, exp in writes:
                await cross_user_writes(self, row, ep, exp)
                done += 1
                self.progress(ctx, f"{row.route}", 0.1 + 0.8 * done / max(1, len(reads) + len(writes)))
        for row in matrix.rows:
            row.fill(columns, INCONCLUSIVE, "request budget used up" if req.budget_exhausted else "not decided")

        for finding in self._cell_findings(matrix):
            yield finding
        yield self._summary(matrix, public, failed_login)

    async def _identities(self, endpoints: list[Endpoint], answers: dict[str, object]) -> dict[str, Values]:
        """Who each role is (its login answer, its "me" routes): a caller's own name or email in an
        answer is not another user's data."""
        me = [e.path for e in endpoints if e.method == "GET" and not e.params and not is_unsafe_path(e.path)
              and e.path.rstrip("/").rsplit("/", 1)[-1].lower() in ME_ROUTES][:3]
        out: dict[str, Values] = {}
        for role in self.req.headers:
            values = dict(values_in(answers.get(role)).values) if answers.get(role) is not None else {}
            for path in me if role != ANONYMOUS else []:
                got = await self.req.get(role, path)
                if got.ok:
                    values.update(values_of(got.resp).values)
            out[role] = Values(values)
        return out

    # -- plain routes ----------------------------------------------------------------------------
    async def _get_all(self, path: str) -> dict[str, Outcome]:
        active = [c for c in self.req.headers]
        outs = await asyncio.gather(*(self.req.get(r, path) for r in active))
        return dict(zip(active, outs))

    def _reference(self, exp: Expectation, outs: dict[str, Outcome]) -> str | None:
        """The allowed role (highest level first) whose answer is a real success, to compare with."""
        for role in sorted((r for r in exp.allowed if r in outs), key=lambda r: -self.level.get(r, -1)):
            o = outs[role]
            if o.ok and refused(o.resp) is None:
                return role
        return None

    def _judge_row(self, row: Row, path: str, exp: Expectation, outs: dict[str, Outcome],
                   not_specific: tuple[Values, ...] = ()) -> str | None:
        """Judge every cell of a route from one answer per role; returns the reference role."""
        ref = self._reference(exp, outs)
        for role, out in outs.items():
            line = self.req.line(role, row.method, path, out)
            if exp.allows(role):
                if out.ok and refused(out.resp) is None:
                    row.set(role, Cell(ALLOWED, "expected access, and it worked", evidence=[line]))
                else:
                    why = refused(out.resp) if out.resp is not None else out.error
                    row.set(role, Cell(INCONCLUSIVE, f"expected access, but {why or 'it failed'}: check the role or the "
                                                     "expected-access matrix", evidence=[line]))
        lower = [r for r in outs if not exp.allows(r)]
        if ref is None:
            tried = ", ".join(f"{r}: {outs[r].resp.status if outs[r].resp is not None else outs[r].error}"
                              for r in exp.allowed if r in outs) or "no allowed role could log in"
            for role in lower:
                row.set(role, Cell(INCONCLUSIVE, f"the allowed role could not open it first ({tried}), so a refusal "
                                                 "here proves nothing", evidence=[self.req.line(role, row.method, path, outs[role])]))
            return None
        ref_values = values_of(outs[ref].resp)
        ref_line = self.req.line(ref, row.method, path, outs[ref], "the allowed role, first")
        for role in lower:
            out = outs[role]
            if out.resp is None:
                row.set(role, Cell(INCONCLUSIVE, f"not answered: {out.error}", evidence=[ref_line]))
                continue
            spec = specific(ref_values, *not_specific, self.identity.get(role, Values()))
            j = judge(out.resp, spec, owner=ref, public_pages=self.public_pages)
            note = f"shares {', '.join(j.shared_keys[:8])}" if j.state == BYPASSED and j.shared_keys else ""
            row.set(role, Cell(j.state, j.reason, evidence=[ref_line, self.req.line(role, row.method, path, out, note)]))
        return ref

    # -- routes with an id -------------------------------------------------------------------------
    async def _object_row(self, row: Row, ep: Endpoint, exp: Expectation) -> None:
        logged = [r for r in self.req.headers if r != ANONYMOUS]
        owned_list = await asyncio.gather(*(self.ids.owned(r, ep.path) for r in logged))
        owned = dict(zip(logged, owned_list))
        allowed = [r for r in exp.allowed if r in owned]
        lower = [r for r in self.req.headers if not exp.allows(r)]
        with_records = sorted((r for r in allowed if owned[r]), key=lambda r: -self.level.get(r, -1))
        if with_records:
            # each allowed role opens its own first record; the highest one's is what lower roles try
            own = await asyncio.gather(*(self.req.get(r, fill(ep.path, owned[r][0])) for r in with_records))
            for role, out in zip(with_records[1:], own[1:]):
                path = fill(ep.path, owned[role][0])
                self._judge_row(row, path, exp, {role: out})
            ref = with_records[0]
            path = fill(ep.path, owned[ref][0])
            self._judge_row(row, path, exp, {ref: own[0], **dict(zip(lower, await asyncio.gather(
                *(self.req.get(r, path) for r in lower))))})
        elif all(p in ep.examples for p in ep.params):
            path = fill(ep.path, {p: ep.examples[p] for p in ep.params})
            self._judge_row(row, path, exp, await self._get_all(path))
        if self.ctx.config.matrix.object_checks:
            owner_only = exp.owner_only
            if owner_only is None:
                sets = {frozenset(tuple(sorted(m.items())) for m in v) for r, v in owned.items() if v is not None and r in allowed}
                owner_only = len(sets) > 1  # the app lists different records to different users
            if owner_only:
                await self._cross_user_reads(row, ep, exp, owned)
        for role in allowed:
            if role not in row.cells:
                row.set(role, Cell(INCONCLUSIVE, "no record of its own or of another test user to try"
                                   if owned[role] is not None else "its list route gave no ids to try"))
        if not with_records and not any(c.state != INCONCLUSIVE for c in row.cells.values()):
            row.fill(list(self.req.headers), INCONCLUSIVE,
                     "no record id to try: no list route answered with ids and no example id was given "
                     "(add a concrete path such as GET /api/items/42 to the list)")

    async def _cross_user_reads(self, row: Row, ep: Endpoint, exp: Expectation, owned: dict) -> None:
        """Each allowed test user opens one record of each other test user that it does not see itself."""
        for attacker in [r for r in exp.allowed if r in owned]:
            mine = {tuple(sorted(m.items())) for m in owned[attacker] or []}
            own_view = None
            if owned[attacker]:
                out = await self.req.get(attacker, fill(ep.path, owned[attacker][0]))
                own_view = values_of(out.resp) if out.ok else None
            # the other test users, same privilege level first: at most MAX_VICTIMS records tried
            others = sorted((v for v in owned if v != attacker and owned[v]),
                            key=lambda v: (abs(self.level.get(v, 0) - self.level.get(attacker, 0)), v))
            tried = 0
            for victim in others:
                if tried >= MAX_VICTIMS:
                    break
                theirs = owned[victim]
                target = next((m for m in theirs if tuple(sorted(m.items())) not in mine), None)
                if target is None:
                    continue
                tried += 1
                path = fill(ep.path, target)
                seen = await self.req.get(victim, path)
                victim_line = self.req.line(victim, row.method, path, seen, "the owner, first")
                if not seen.ok or refused(seen.resp) is not None:
                    row.set(attacker, Cell(INCONCLUSIVE, f"{victim} could not open its own record {path}, so "
                                                         "nothing to compare", kind="object", evidence=[victim_line]))
                    continue
                got = await self.req.get(attacker, path)
                if got.resp is None:
                    row.set(attacker, Cell(INCONCLUSIVE, f"not answered: {got.error}", kind="object", evidence=[victim_line]))
                    continue
                spec = specific(values_of(seen.resp), *([own_view] if own_view else []),
                                self.identity.get(attacker, Values()), exclude=set(target.values()))
                j = judge(got.resp, spec, owner=victim, public_pages=self.public_pages)
                note = f"shares {', '.join(j.shared_keys[:8])}" if j.state == BYPASSED and j.shared_keys else ""
                row.set(attacker, Cell(j.state, f"{path} (listed for {victim}, not for {attacker}): {j.reason}", kind="object",
                                       evidence=[victim_line, self.req.line(attacker, row.method, path, got, note)]))

    # -- findings ------------------------------------------------------------------------------
    def _cell_findings(self, matrix: Matrix):
        for row, role, cell in matrix.cells(BYPASSED):
            if role == ANONYMOUS:
                continue  # the authentication probe reports routes open without a login
            loc = Location(url=self.ctx.base_url.rstrip("/") + row.path, method=row.method)
            key = f"{row.route} as {role}"
            if cell.kind == "object":
                yield self.finding(
                    "authz.object-level", Status.FAIL, f"'{role}' can read other users' records through {row.route}",
                    key=key, location=loc, severity=Severity.CRITICAL, evidence=cell.evidence, fix=_FIX_OBJECT,
                    detail=f"A logged-in '{role}' user opened a record that belongs to another test user and got "
                           f"that user's data: {cell.reason}.", references=_OBJECT_REFS,
                    data={"role": role, "route": row.route, "kind": "object"})
            elif cell.kind == "write":
                yield self.finding(
                    "authz.cross-user-write", Status.FAIL, f"'{role}' can change other users' records through {row.route}",
                    key=key, location=loc, severity=Severity.CRITICAL, evidence=cell.evidence, fix=_FIX_WRITE,
                    detail=f"The change was confirmed by reading the record back as its owner: {cell.reason}. "
                           "The record was restored afterwards.", references=_OBJECT_REFS,
                    data={"role": role, "route": row.route, "kind": "write"})
            else:
                meant = ", ".join(row.expected) or "nobody"
                yield self.finding(
                    "authz.function-level", Status.FAIL, f"'{role}' can open {row.route}, meant for {meant} only",
                    key=key, location=loc, severity=Severity.CRITICAL if row.because.startswith("tag") else Severity.HIGH,
                    evidence=cell.evidence, fix=_FIX_FUNCTION, references=_REFS,
                    detail=f"Expected: only {meant} ({row.because}). A '{role}' login {cell.reason}.",
                    data={"role": role, "route": row.route, "kind": "function"})

    def _summary(self, matrix: Matrix, public: int, failed_login: dict[str, str]) -> Finding:
        bypassed = matrix.count(BYPASSED)
        undecided = [(row, role, c) for row, role, c in matrix.cells(INCONCLUSIVE)]
        decided = matrix.count(ENFORCED)
        size = f"{len(matrix.rows)} routes x {len(matrix.columns)} roles"
        not_probed = [row.route for row in matrix.rows if all(c.state == NOT_PROBED for c in row.cells.values())]
        detail = [f"Columns: {', '.join(matrix.columns)} (anonymous = no login). {public} public route(s) left out."]
        if not_probed:
            detail.append(f"Not probed ({len(not_probed)}): {', '.join(not_probed[:12])}" + (" ..." if len(not_probed) > 12 else ""))
        if failed_login:
            detail.append("Login problems: " + "; ".join(f"{r}: {w}" for r, w in failed_login.items()))
        if undecided:
            detail.append(f"Inconclusive ({len(undecided)}): " + "; ".join(f"{row.route} as {role}: {c.reason}"
                                                                            for row, role, c in undecided[:6]))
        # a role check nobody could verify (a lower role's cell, an object or write check) keeps the
        # item unknown; an allowed role that failed on its own route is a warning about the matrix
        unverified = [1 for row, role, c in undecided if role not in row.expected or c.kind != "function"]
        if bypassed:
            status, title = Status.FAIL, f"Authorization matrix: {bypassed} bypassed cell{'s' if bypassed != 1 else ''} ({size})"
        elif self.req.budget_exhausted:
            status, title = Status.UNKNOWN, f"Authorization matrix: unfinished, the request budget ran out ({size})"
        elif decided == 0 or unverified:
            status, title = Status.UNKNOWN, (f"Authorization matrix: {len(unverified)} role check(s) could not be verified "
                                             f"({size})" if decided else f"Authorization matrix: no role check could be verified ({size})")
        elif undecided:
            status, title = Status.WARN, f"Authorization matrix: no bypass, {len(undecided)} cell(s) inconclusive ({size})"
        else:
            status, title = Status.PASS, f"Authorization matrix: every checked cell enforced ({size})"
        return self.finding(
            "authz.matrix", status, title, key="matrix", detail=" ".join(detail),
            severity=Severity.CRITICAL if bypassed else Severity.MEDIUM if status is not Status.PASS else Severity.INFO,
            evidence=matrix.as_text(), data={"matrix": matrix.to_data(), "counts": {
                s: matrix.count(s) for s in (ALLOWED, ENFORCED, BYPASSED, INCONCLUSIVE, NOT_PROBED)}},
            fix="" if status is Status.PASS else "Fix each bypassed cell first (they are listed as separate findings); then "
                "resolve inconclusive cells by checking the roles, the expected-access rules ([[access]]) or the ids.")
