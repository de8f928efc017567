"""Cross-site request forgery, tested for real (write tier): can another site make a logged-in
browser change something?

Only for logins that use cookies (a browser attaches them to requests other sites make; a bearer
token it does not). For each state-changing route of the inventory:

* a form found on the logged-in pages that posts there: one normal save (with its token, from the
  app's own Origin), read back; then the same save without the token from a foreign Origin, read
  back; then without the token and without any Origin; the original value is put back with a
  fresh token. A forged save that shows when read back is a failure (a warning when only the
  session cookie's SameSite=Lax/Strict stands in the way in today's browsers);
* a JSON route: PATCH/PUT/DELETE need a CORS preflight from another site, so the preflight is
  asked first and the forged change is sent only if it would be allowed; a POST can come from a
  plain cross-site form as text/plain, so it is sent that way and read back.

Only the test role's own records and fields that are safe to change are touched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode, urljoin, urlsplit

from wizard.engine.http import is_unsafe_path
from wizard.engine.runner import named_routes
from wizard.inventory import Endpoint, template_key
from wizard.model import Finding, Location, Severity, Status, Tier
from wizard.probes import mutations as mut
from wizard.probes.authz.writes import PREFERRED_FIELDS, _NEVER
from wizard.probes.base import Probe, ProbeContext
from wizard.probes.htmlforms import TEXT_TYPES, Form, forms_in
from wizard.probes.recordwriter import NotConcrete, RecordWriter, actor_role, created_path, open_write_session
from wizard.probes.session import session_cookies

FOREIGN_ORIGIN = "https://launch-ready-csrf-test.invalid"
MAX_PAGES = 10
MAX_ROUTES = 10
PER_FORM = 9  # normal save + read, forged + read, no-Origin + read, fresh page + put back (+ 1 spare)
PER_JSON = 8  # id lookup + read, preflight, forged change + read, put back (+ spares)
FORM = "application/x-www-form-urlencoded"
_REFS = ["OWASP ASVS 4.0.3 V4.2.2 (CSRF protection)", "OWASP ASVS 4.0.3 V13.2.3 (CSRF on cookie-authenticated APIs)"]
_FIX = ("Protect every state-changing request made with cookies: the framework's CSRF token on forms and "
        "requests, and refuse requests whose Origin (or Sec-Fetch-Site) is another site. Keep SameSite=Lax "
        "on the session cookie as a second layer.")


def state_routes(config, endpoints: list[Endpoint]) -> list[Endpoint]:
    skip = {(m, template_key(p)) for m, p in named_routes(config, "login") | named_routes(config, "logout")}
    return [e for e in endpoints if e.method in ("POST", "PUT", "PATCH") and not is_unsafe_path(e.path)
            and (e.method, template_key(e.path)) not in skip][:MAX_ROUTES]


_NOT_PAGES = ("/api/", ".json", "export", "debug", "audit", "health", "static")


def form_pages(config, endpoints: list[Endpoint]) -> list[str]:
    """Logged-in pages likely to hold the forms: the GET twin of a state-changing route first, then
    other pages that are not API, export or debug routes."""
    posts = {template_key(e.path) for e in state_routes(config, endpoints) if e.method == "POST"}
    gets = [e for e in endpoints if e.method == "GET" and not e.params and not is_unsafe_path(e.path) and not e.public]
    twins = [e.path for e in gets if template_key(e.path) in posts]
    others = [e.path for e in gets if e.path not in twins and not any(w in e.path.lower() for w in _NOT_PAGES)]
    return (twins + others)[:MAX_PAGES]


def editable(form: Form) -> str | None:
    """A free-text field of the form that is safe to change (not an e-mail, password, role, id...)."""
    names = [f.name for f in form.fields if f.type in TEXT_TYPES and not _NEVER.search(f.name)
             and f.name not in form.token_fields]
    return next((n for n in PREFERRED_FIELDS if n in names), names[0] if names else None)


def max_requests(config, endpoints) -> int:
    return len(form_pages(config, endpoints)) + 1 + max(PER_FORM, PER_JSON) * len(state_routes(config, endpoints))


class CsrfActiveProbe(Probe):
    id = "csrf-active"
    title = "Cross-site request forgery, tested"
    tier = Tier.WRITE
    areas = ("csrf",)
    rules = ("csrf.forged-request", "csrf.not-probed")
    needs = ("url", "endpoints", "roles")
    timeout = 300
    phase = 3  # after the input checks: both change the test role's own records

    def write_plan(self, config, endpoints) -> list[str]:
        routes = state_routes(config, endpoints)
        role = actor_role(config)
        if role is None:
            return []
        if not routes:
            if not (config.endpoints.discover or (config.endpoints.openapi or "").startswith("http")):
                return []
            return [f"CSRF checks as test role '{role}' (cookie logins only): the write routes of the app's OpenAPI spec "
                    f"(read after you allow this; at most {MAX_ROUTES}), each sent once without a CSRF token from a "
                    f"foreign Origin and read back, the original value put back; at most "
                    f"{MAX_PAGES + 1 + max(PER_FORM, PER_JSON) * MAX_ROUTES} requests"]
        return [f"CSRF checks as test role '{role}' (cookie logins only): read up to {len(form_pages(config, endpoints))} pages for "
                f"forms, then for {len(routes)} route(s) ({', '.join(str(e) for e in routes[:6])}) one normal save, one "
                f"without the CSRF token from a foreign Origin and one without any Origin, each read back, and the "
                f"original value put back; at most {max_requests(config, endpoints)} requests"]

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        role, state, refusal = await open_write_session(self, ctx, "CSRF checks", "csrf")
        if refusal is not None:
            yield refusal
            return
        if "Cookie" not in state.headers:
            yield self.finding("csrf.forged-request", Status.NA, "Logins use a bearer token: another site cannot make a browser send it",
                               key="bearer", detail="CSRF needs a credential the browser attaches by itself (a cookie).")
            return
        cookie = next(iter(session_cookies(state.cookies)), None)
        self.samesite = cookie.samesite if cookie else None
        self.ctx, self.role = ctx, role
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(ctx.base_url))
        self.w = RecordWriter(ctx, self.id, role, state.headers, max(PER_FORM, PER_JSON))
        routes = state_routes(ctx.config, ctx.endpoints)
        forms = await self._find_forms(form_pages(ctx.config, ctx.endpoints), {template_key(e.path) for e in routes if e.method == "POST"})
        for n, ep in enumerate(routes):
            self.progress(ctx, str(ep), n / max(1, len(routes)))
            self.w.start_route()
            page_form = forms.get(template_key(ep.path)) if ep.method == "POST" else None
            if page_form:
                yield await self._form_check(ep, *page_form)
            else:
                yield await self._json_check(ep)

    async def _find_forms(self, pages: list[str], wanted: set[str]) -> dict[str, tuple[str, Form]]:
        """POST forms on the logged-in pages whose action is a route of the inventory: key -> (page, form)."""
        found: dict[str, tuple[str, Form]] = {}
        self.w.start_route()
        self.w.allowance = MAX_PAGES + 1
        for page in pages:
            if not wanted - set(found):
                break
            out = await self.w.send("GET", page, headers={"Accept": "text/html"})
            if not out.ok or "html" not in out.resp.headers.get("content-type", ""):
                continue
            for form in forms_in(out.resp.text):
                action = urlsplit(urljoin(self.ctx.base_url.rstrip("/") + page, form.action or page))
                if form.method == "post" and action.netloc == urlsplit(self.ctx.base_url).netloc:
                    found.setdefault(template_key(action.path), (page, form))
        self.w.allowance = max(PER_FORM, PER_JSON)
        return {k: v for k, v in found.items() if k in wanted}

    async def _page_form(self, page: str, action_key: str) -> Form | None:
        out = await self.w.send("GET", page, headers={"Accept": "text/html"})
        if not out.ok:
            return None
        for form in forms_in(out.resp.text):
            action = urlsplit(urljoin(self.ctx.base_url.rstrip("/") + page, form.action or page))
            if template_key(action.path) == action_key:
                return form
        return None

    async def _submit(self, path: str, data: dict[str, str], origin: str | None, referer: str | None = None):
        headers = {"Content-Type": FORM, "Accept": "text/html"}
        if origin:
            headers["Origin"] = origin
            headers["Sec-Fetch-Site"] = "same-origin" if origin == self.origin else "cross-site"
        if referer:
            headers["Referer"] = referer
        return await self.w.send("POST", path, headers=headers, content=urlencode(data).encode())

    async def _form_check(self, ep: Endpoint, page: str, form: Form) -> Finding:
        key = str(ep)
        loc = Location(url=self.ctx.base_url.rstrip("/") + ep.path, method="POST")
        name = editable(form)
        if name is None:
            return self.finding("csrf.not-probed", Status.SKIPPED, f"{key}: no field that is safe to change in its form",
                                key=key, location=loc)
        original = form.value(name) or ""
        page_url = self.ctx.base_url.rstrip("/") + page
        evidence = [f"form on GET {page}: fields {', '.join(f.name for f in form.fields)}; token field: "
                    f"{', '.join(form.token_fields) or 'none'}"]
        steps = [("normal", form.data(), self.origin, page_url),
                 ("forged", {k: v for k, v in form.data().items() if k not in form.token_fields}, FOREIGN_ORIGIN, None),
                 ("no-origin", {k: v for k, v in form.data().items() if k not in form.token_fields}, None, None)]
        applied: dict[str, bool] = {}
        for step, data, origin, referer in steps:
            value = mut.marker(step)
            out = await self._submit(ep.path, {**data, name: value}, origin, referer)
            again = await self._page_form(page, template_key(ep.path))
            shown = again.value(name) if again else None
            applied[step] = shown == value
            what = {"normal": "as the page sends it, from the app's own Origin", "forged": f"without the token, Origin: {FOREIGN_ORIGIN}",
                    "no-origin": "without the token and without an Origin"}[step]
            answer = out.resp.status if out.resp is not None else f"not answered ({out.error})"
            evidence.append(f"POST {ep.path} {what} -> {answer}; read back: {'changed' if applied[step] else 'unchanged'}")
            if step == "normal" and not applied[step]:
                return self.finding("csrf.forged-request", Status.UNKNOWN, f"{key}: the form's own save did not show when read back",
                                    key=key, location=loc, evidence=evidence,
                                    detail="Without a save that works, a refused forged one proves nothing.")
            if step == "forged" and applied[step]:
                break
        fresh = await self._page_form(page, template_key(ep.path))
        if fresh is not None:
            await self._submit(ep.path, fresh.data(**{name: original}), self.origin, page_url)
        evidence.append("the original value was put back")
        if applied.get("forged"):
            lax = self.samesite in ("Lax", "Strict")
            return self.finding(
                "csrf.forged-request", Status.WARN if lax else Status.FAIL,
                f"{key} accepts a forged cross-site form" + (" (only SameSite cookies stop it)" if lax else ""),
                key=key, severity=Severity.MEDIUM if lax else Severity.HIGH, location=loc, evidence=evidence, fix=_FIX,
                references=_REFS, detail=f"A save without the CSRF token, sent from another site's Origin, changed '{name}'. "
                + ("Today's browsers hold the SameSite session cookie back, but older browsers and same-site subdomains do not."
                   if lax else f"The session cookie has SameSite={self.samesite or 'unset'}, so any page a logged-in "
                   "user opens can make this change in their name."))
        if applied.get("no-origin"):
            return self.finding(
                "csrf.forged-request", Status.WARN, f"{key} refuses a foreign Origin but accepts a save without token or Origin",
                key=key, severity=Severity.LOW, location=loc, evidence=evidence, fix=_FIX, references=_REFS,
                detail="The protection rests on the Origin header alone; a request that carries none (some privacy tools "
                       "and older browsers strip it) goes through without a token.")
        return self.finding("csrf.forged-request", Status.PASS, f"{key} refuses forged cross-site saves", key=key,
                            location=loc, evidence=evidence, references=_REFS)

    async def _json_check(self, ep: Endpoint) -> Finding:
        key = str(ep)
        loc = Location(url=self.ctx.base_url.rstrip("/") + ep.path, method=ep.method)
        t = await self.w.target(ep)
        if isinstance(t, NotConcrete):
            if t.server_failed:
                return self.finding("csrf.forged-request", Status.UNKNOWN, f"{key}: not checked ({t})", key=key, location=loc)
            return self.finding("csrf.not-probed", Status.SKIPPED, f"{key}: not checked ({t})", key=key, location=loc)
        evidence: list[str] = []
        if ep.method != "POST":
            pre = await self.w.send("OPTIONS", t.path, headers={
                "Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": ep.method,
                "Access-Control-Request-Headers": "content-type"})
            allow = pre.resp.headers.get("access-control-allow-origin", "") if pre.resp is not None else ""
            creds = pre.resp.headers.get("access-control-allow-credentials", "").lower() == "true" if pre.resp is not None else False
            evidence.append(f"OPTIONS {t.path} preflight from {FOREIGN_ORIGIN} -> "
                            f"{pre.resp.status if pre.resp is not None else pre.error}; Allow-Origin: {allow or '-'}, "
                            f"Allow-Credentials: {'true' if creds else '-'}")
            if pre.resp is None or pre.resp.status >= 500:
                return self.finding("csrf.forged-request", Status.UNKNOWN, f"{key}: not judged, the preflight got no usable "
                                    "answer", key=key, location=loc, evidence=evidence,
                                    detail="A server that fails the preflight says nothing about cross-site requests.")
            if not (allow == FOREIGN_ORIGIN and creds):
                return self.finding("csrf.forged-request", Status.PASS, f"{key} cannot be sent from another site (the preflight "
                                    "refuses it)", key=key, location=loc, evidence=evidence, references=_REFS,
                                    detail=f"A browser asks before a cross-site {ep.method}; the app does not allow other sites.")
        body = dict(t.base)
        value = mut.marker("csrf")
        if t.text_field:
            body[t.text_field] = value
        import json

        content_type = "application/json" if ep.method != "POST" else "text/plain"
        out = await self.w.send(ep.method, t.path, headers={"Origin": FOREIGN_ORIGIN, "Sec-Fetch-Site": "cross-site",
                                                            "Content-Type": content_type}, content=json.dumps(body).encode())
        read_path = (created_path(ep, out.resp) if t.creates and out.ok else t.read_path)
        after = await self.w.read(read_path) if out.ok else None
        changed = after is not None and t.text_field is not None and after.get(t.text_field) == value
        evidence.append(f"{ep.method} {t.path} as {content_type} from {FOREIGN_ORIGIN}, no token -> "
                        f"{out.resp.status if out.resp is not None else out.error}; read back: {'changed' if changed else 'unchanged'}")
        if changed and not t.creates and t.record is not None:
            await self.w.send(ep.method, t.path, {t.text_field: t.record[t.text_field]})
            evidence.append("the original value was put back")
        if changed:
            return self.finding("csrf.forged-request", Status.FAIL, f"{key} accepts a forged cross-site request", key=key,
                                severity=Severity.HIGH, location=loc, evidence=evidence, fix=_FIX, references=_REFS,
                                detail="A request another site's page can send changed the record, with the session cookie alone."
                                + (" The record it created needs deleting by hand." if t.creates else ""))
        return self.finding("csrf.forged-request", Status.PASS, f"{key} refuses a forged cross-site request", key=key,
                            location=loc, evidence=evidence, references=_REFS)
