"""Input validation on write routes (write tier, staging only): one bad change at a time.

For each POST/PUT/PATCH route the probe first sends a valid body and sees it accepted (a record of
a test account, its current value written back; or, for a create route, a body from the config or
the spec). Then it changes one thing at a time (`mutations.MUTATIONS`): a wrong type, a missing
required field, 10 KB and 1 MB strings, a broken Unicode character, quote characters, and the
unexpected properties role / is_admin / admin / owner. A 4xx is a pass; a 5xx is always a finding;
a 2xx is read back: saved bad data is a finding, an unexpected property that took effect is mass
assignment (and the probe stops sending more of them to that route). A body that shows a stack
trace or an SQL error is a finding whatever its status.

Only the test accounts' own records are changed, and every change is put back at once. Records a
create route made are deleted only with --allow-delete (the destructive tier); otherwise the report
lists them for the person to delete.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from wizard.engine.http import is_unsafe_path
from wizard.engine.runner import named_routes
from wizard.inventory import Endpoint, template_key
from wizard.model import Finding, Location, Severity, Status, Tier
from wizard.probes import mutations as mut
from wizard.probes.base import Probe, ProbeContext
from wizard.probes.recordwriter import (NotConcrete, RecordWriter, Target, actor_role, as_json, created_path,
                                        open_write_session)
from wizard.probes.authz.writes import unwrap
from wizard.redact import scrub

MAX_ROUTES = 20
_REFS = ["OWASP API Security Top 10 2023: API3 Broken Object Property Level Authorization (mass assignment)",
         "OWASP API Security Top 10 2023: API4 Unrestricted Resource Consumption",
         "OWASP ASVS 4.0.3 V5.1.3, V5.1.4 (input validation), V13.2.2 (schema validation)"]
_FIX_SCHEMA = ("Validate every write body against a schema before using it: types, required fields, maximum lengths, "
               "and unknown fields rejected (Pydantic with extra='forbid', Zod .strict(), DRF serializers).")


def per_route_requests() -> int:
    """The most requests one route costs: 3 to find a record and its value, 1 valid write, per change
    one write + one read-back + one put-back (+ one delete of what it created), and a last read-back."""
    return 4 + 4 * len(mut.MUTATIONS) + 2


def write_routes(config, endpoints: list[Endpoint]) -> list[Endpoint]:
    skip = {(m, template_key(p)) for m, p in named_routes(config, "login") | named_routes(config, "logout")}
    eps = [e for e in endpoints if e.method in ("POST", "PUT", "PATCH") and not is_unsafe_path(e.path)
           and (e.method, template_key(e.path)) not in skip]
    return eps[:MAX_ROUTES]


@dataclass
class Result:
    mutation: mut.Mutation
    status: Status
    line: str
    server_error: bool = False
    verbose: str | None = None


class InputValidationProbe(Probe):
    id = "input"
    title = "Input validation on write routes"
    tier = Tier.WRITE
    areas = ("input", "validation")
    rules = ("input.server-error", "input.verbose-error", "input.mass-assignment", "input.accepted-invalid",
             "input.validated", "input.not-probed", "input.cleanup")
    needs = ("url", "endpoints", "roles")
    timeout = 600  # bounded by the per-route allowance, the budget and the per-host rate
    phase = 2  # after the read-only checks: they must not see a record while it is being changed

    def write_plan(self, config, endpoints) -> list[str]:
        eps = write_routes(config, endpoints)
        role = actor_role(config)
        if role is None:
            return []
        n = per_route_requests()
        if not eps:
            if not (config.endpoints.discover or (config.endpoints.openapi or "").startswith("http")):
                return []
            # the routes come from a spec the app serves, fetched only after consent: announce the bound
            return [f"input checks as test role '{role}': the write routes of the app's OpenAPI spec (read after you allow "
                    f"this; at most {MAX_ROUTES}), one bad change at a time ({len(mut.MUTATIONS)} kinds), only on '{role}''s "
                    f"own records, each change put back; at most {n} requests per route, {n * MAX_ROUTES} in all"]
        return [f"input checks as test role '{role}': {len(eps)} write route(s) ({', '.join(str(e) for e in eps[:6])}"
                f"{' ...' if len(eps) > 6 else ''}), one bad change at a time ({len(mut.MUTATIONS)} kinds), only on "
                f"{role}'s own records, each change put back at once; at most {n} requests per route, {n * len(eps)} in all",
                "records a create route makes are deleted only with --allow-delete; otherwise the report lists them"]

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        role, state, refusal = await open_write_session(self, ctx, "Input checks", "input")
        if refusal is not None:
            yield refusal
            return
        self.ctx, self.role = ctx, role
        self.w = RecordWriter(ctx, self.id, role, state.headers, per_route_requests())
        self._pending_delete: list[tuple[str | None, str]] = []
        self._leftovers: list[str] = []
        routes = write_routes(ctx.config, ctx.endpoints)
        for n, ep in enumerate(routes):
            self.progress(ctx, str(ep), n / max(1, len(routes)))
            self.w.start_route()
            target = await self.w.target(ep)
            if isinstance(target, NotConcrete):
                yield self.finding("input.validated" if target.server_failed else "input.not-probed",
                                   Status.UNKNOWN if target.server_failed else Status.SKIPPED,
                                   f"{ep}: not checked ({target})", key=str(ep), location=self._loc(ep.path, ep.method))
                continue
            async for f in self._check(target):
                yield f
        leftovers = self._leftovers
        if leftovers:
            yield self.finding("input.cleanup", Status.SKIPPED, f"{len(leftovers)} record(s) the input checks created need deleting by hand",
                               key="cleanup", detail="Deleting needs --allow-delete (and consent to the destructive tier); "
                               "nothing the tool did not create is ever deleted.", evidence=leftovers[:30])

    def _loc(self, path: str, method: str) -> Location:
        return Location(url=self.ctx.base_url.rstrip("/") + path, method=method)

    # -- the checks ----------------------------------------------------------------------------
    async def _check(self, t: Target) -> AsyncIterator[Finding]:
        key = str(t.ep)
        loc = self._loc(t.path, t.ep.method)
        first = await self.w.send(t.ep.method, t.path, t.base)
        if not first.ok:
            line = f"{t.ep.method} {t.path} as '{self.role}': a valid body -> " + (
                f"{first.resp.status}" if first.resp is not None else f"not answered ({first.error})")
            if first.resp is None or first.resp.status >= 500:
                # a server that fails even a valid request says nothing about how it handles bad input
                yield self.finding("input.validated", Status.UNKNOWN, f"{key}: not judged, the route fails even a valid body",
                                   key=key, location=loc, evidence=[scrub(line)],
                                   detail="Nothing more was sent to it. Check that the route works, then run the checks again.")
                return
            yield self.finding("input.not-probed", Status.SKIPPED, f"{key}: not checked (a valid body was refused: "
                               f"{first.resp.status})", key=key, location=loc, evidence=[scrub(line)],
                               detail="Give a body the route accepts in [input] examples; bad input is judged against it.")
            return
        if t.creates:
            self._created(first, t, "a valid body")
        results: list[Result] = []
        mass = False
        for m in mut.MUTATIONS:
            if m.creates_only and not t.creates:
                continue
            if m.target == "extra" and mass:
                continue  # one confirmed mass assignment is proof enough; each try changes a real record
            r = await self._mutate(t, m)
            if r is None:
                continue
            results.append(r)
            if m.target == "extra" and r.status is Status.FAIL:
                mass = True
            if r.line.endswith("(no answer)") and sum(1 for x in results if x.line.endswith("(no answer)")) >= 2:
                break  # a server that stops answering: stop sending
        await self._final_check(t)
        for f in self._findings(t, loc, results):
            yield f

    async def _mutate(self, t: Target, m: mut.Mutation) -> Result | None:
        body = dict(t.base)
        prop = None
        if m.target == "text":
            if not t.text_field:
                return None
            body[t.text_field] = sent = mut.value_for(m, body[t.text_field])
            watched = t.text_field
        elif m.target == "typed":
            if not t.typed_field:
                return None
            body[t.typed_field] = sent = mut.value_for(m, body[t.typed_field])
            watched = t.typed_field
        elif m.target == "required":
            missing = next((k for k in t.required if k in body), None)
            if missing is None:
                return None
            body.pop(missing)
            sent, watched = None, missing
        else:
            prop = m.id.removeprefix("extra-")
            original = (t.record or {}).get(prop)
            body[prop] = sent = mut.value_for(m, original)
            watched = prop
        out = await self.w.send(t.ep.method, t.path, body)
        if out.resp is None:
            return Result(m, Status.UNKNOWN, f"{m.label} -> (no answer)" if not out.blocked else f"{m.label} -> not sent ({out.error})")
        resp = out.resp
        line = f"{m.label} -> {resp.status}"
        verbose = mut.verbose_error(resp.text)
        if resp.status >= 500:
            return Result(m, Status.FAIL, line + (f" with a {verbose} in the body" if verbose else ""), True, verbose)
        if verbose:
            return Result(m, Status.FAIL, line + f" with a {verbose} in the body", False, verbose)
        if not 200 <= resp.status < 300:
            return Result(m, Status.PASS, line + (" (refused)" if 400 <= resp.status < 500 else ""))
        # accepted: read it back to see what was saved, then put it back
        if t.creates:
            created = self._created(out, t, m.label)
            after = await self.w.read(created) if created else unwrap(as_json(resp))
        else:
            after = await self.w.read(t.read_path)
            await self._restore(t, watched, after)
        saved = after is not None and watched in after and (sent is None or after.get(watched) == sent)
        if m.target == "required":
            saved = True  # a create without a required field went through
        status = m.when_saved if saved else m.when_ignored
        what = "saved" if saved else "accepted, not saved"
        if m.target == "extra":
            what = f"'{prop}' took the value sent" if saved else f"'{prop}' ignored"
        return Result(m, status, f"{line}, read back: {what}")

    def _created(self, out, t: Target, why: str) -> str | None:
        """Remember what a create made (its read path), for the read-back and the cleanup."""
        path = created_path(t.ep, out.resp)
        self._pending_delete.append((path, f"{t.ep.path}: created by {why}" + (f" at {path}" if path else " (no id in the answer)")))
        return path if t.read_path else None

    async def _restore(self, t: Target, watched: str, after: dict | None) -> None:
        if after is None or t.record is None:
            return
        before = t.record.get(watched)
        if after.get(watched) != before and watched in t.record:
            # a PUT replaces the whole record: send all of it back, not just the one field
            body = {**t.base, watched: before} if t.ep.method == "PUT" else {watched: before}
            await self.w.send(t.ep.method, t.path, body)

    async def _final_check(self, t: Target) -> None:
        """Creates: delete what was made (destructive tier only). Updates: the record must be as it was."""
        pending, self._pending_delete = self._pending_delete, []
        if t.creates:
            for path, note in pending:
                if path and self.ctx.allows(Tier.DESTRUCTIVE):
                    out = await self.w.send("DELETE", path)
                    if out.ok or (out.resp is not None and out.resp.status == 404):
                        continue
                self._leftovers.append(note)
            return
        after = await self.w.read(t.read_path)
        if after is not None and t.record is not None:
            changed = [k for k in set(after) | set(t.record) if after.get(k) != t.record.get(k)]
            if changed:
                self._leftovers.append(f"{t.read_path}: {', '.join(sorted(changed))} differ from before the checks; "
                                       "set them back by hand")

    def _server_error(self, t: Target, loc: Location, lines: list[str], verbose: str | None) -> Finding:
        return self.finding(
            "input.server-error", Status.FAIL, f"{t.ep} answers bad input with a server error (5xx)", key=str(t.ep),
            severity=Severity.HIGH, location=loc, evidence=[scrub(x) for x in lines], fix=_FIX_SCHEMA, references=_REFS[2:],
            detail="Bad input reached code that was not ready for it and crashed. Each crash is a spot where a "
                   "malformed request can half-save a record or take a worker down." + (f" The answer also showed a {verbose}." if verbose else ""))

    def _findings(self, t: Target, loc: Location, results: list[Result]) -> list[Finding]:
        key = str(t.ep)
        for r in results:
            r.line = f"{t.ep.method} {t.path} as '{self.role}': {r.line}"
        lines = [r.line for r in results]
        out: list[Finding] = []
        crashes = [r for r in results if r.server_error]
        if crashes:
            out.append(self._server_error(t, loc, [r.line for r in crashes], next((r.verbose for r in crashes if r.verbose), None)))
        verbose = [r for r in results if r.verbose]
        if verbose:
            out.append(self.finding(
                "input.verbose-error", Status.FAIL, f"{t.ep} shows internal error details ({verbose[0].verbose})", key=key,
                severity=Severity.MEDIUM, location=loc, evidence=[r.line for r in verbose], references=_REFS[2:],
                fix="Turn debug mode off outside development and answer errors with a short message and a request id; "
                    "keep the details in the server log.",
                detail="Stack traces and database errors tell an attacker the framework, file paths and queries to aim at."))
        mass = [r for r in results if r.mutation.target == "extra" and r.status is Status.FAIL]
        if mass:
            prop = mass[0].mutation.id.removeprefix("extra-")
            out.append(self.finding(
                "input.mass-assignment", Status.FAIL, f"{t.ep} lets a caller set '{prop}' (mass assignment)", key=key,
                severity=Severity.CRITICAL if prop in ("role", "is_admin", "admin") else Severity.HIGH, location=loc,
                evidence=[r.line for r in mass] + ["read back from the record it created" if t.creates
                                                   else "the change was read back, then put back"], references=_REFS[:1],
                fix="Copy only the fields this route is meant to change (an allowlist or a schema that forbids extra "
                    "fields); change roles and owners only through their own admin routes.",
                detail=f"'{self.role}' sent '{prop}' with an ordinary {'create' if t.creates else 'update'} and the record "
                       "showed it when read back. A user "
                       "who can set their own role or an owner can give themselves any power or anyone's data."))
        loose = [r for r in results if r.mutation.target != "extra" and r.status in (Status.FAIL, Status.WARN) and not r.server_error and not r.verbose]
        if loose:
            worst = Status.FAIL if any(r.status is Status.FAIL for r in loose) else Status.WARN
            out.append(self.finding(
                "input.accepted-invalid", worst, f"{t.ep} accepts bad input ({', '.join(r.mutation.label for r in loose[:3])})",
                key=key, severity=Severity.MEDIUM if worst is Status.FAIL else Severity.LOW, location=loc,
                evidence=[r.line for r in loose], fix=_FIX_SCHEMA, references=_REFS[1:],
                detail="A 2xx to a malformed request: the route does not check its input before using it."))
        unknown = [r for r in results if r.status is Status.UNKNOWN]
        if unknown and not out:
            out.append(self.finding("input.validated", Status.UNKNOWN, f"{t.ep}: some bad input got no answer", key=key,
                                    location=loc, evidence=[scrub(x) for x in lines]))
        elif not out:
            out.append(self.finding("input.validated", Status.PASS, f"{t.ep} refuses bad input with 4xx ({len(results)} kinds tried)",
                                    key=key, location=loc, evidence=[scrub(x) for x in lines]))
        return out
