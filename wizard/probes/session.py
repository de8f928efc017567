"""Sessions (login tier): a new session id at login, a logout that ends the session on the server,
how long each role's session lasts, and whether its tokens can be forged.

Everything runs on fresh sessions this probe opens itself. The session id is planted the way an
attacker would (a made-up id in the browser before login, or the anonymous id the login page hands
out) and must not survive the login (ASVS 3.2.1). Logout is the only state-changing call: the
role's configured logout route, through the client's `own_session_logout` door, with the session
this probe just opened; the old cookie or token must then stop working (ASVS 3.3.1). Forged tokens
(`alg: none`, a random key, a guessed weak key) go only to the read-only who-am-I route.

Cookie flags after login are the cookie probe's findings; this probe reads each role's session
lifetime from the cookie or the token it gets (ASVS 3.3.2).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

from wizard.engine.auth import AuthState, SetCookie, login, parse_set_cookie, submit_login
from wizard.engine.http import BlockedRequest, RequestFailed
from wizard.model import Finding, Location, Severity, Status, Tier
from wizard.probes import jwt as jwts
from wizard.probes import whoami
from wizard.probes.base import Probe, ProbeContext
from wizard.redact import register_secret

_ROTATION_FIX = ("Issue a brand-new session id at every login (and when a password or role changes) and drop the "
                 "old one: session.regenerate() in Express, login() in Django, session.clear() before storing the user in Flask.")
_LOGOUT_FIX = ("Delete the session on the server at logout (or, for tokens, keep a deny-list of revoked token ids until they "
               "expire), so a copied cookie or token stops working at once.")
_FORGE_FIX = ("Verify every token's signature with one fixed algorithm and a long random key from the secret store "
              "(reject 'none' and any other algorithm), and rotate the key now if it was guessable.")
_REFS = ["OWASP ASVS 4.0.3 V3.2.1 (new session token on authentication)", "OWASP ASVS 4.0.3 V3.3.1 (logout invalidates)",
         "OWASP ASVS 4.0.3 V3.3.2 (re-authentication limits)", "OWASP ASVS 4.0.3 V3.5.3 (signed tokens)"]


def login_roles(config) -> list[str]:
    """Roles the probe can open fresh sessions for (a login recipe, not a supplied token or cookie)."""
    return [name for name, role in config.roles.items() if role.login]


def session_cookies(cookies: list[SetCookie]) -> list[SetCookie]:
    live = [c for c in cookies if c.value and not c.is_csrf]
    return [c for c in live if c.looks_like_session] or live


def human(seconds: float) -> str:
    hours = seconds / 3600
    if hours >= 48:
        return f"{hours / 24:.0f} days"
    if hours >= 1:
        return f"{hours:.0f} hours" if hours >= 1.5 else "1 hour"
    return f"{max(1, round(seconds / 60))} minutes"


def max_requests(config) -> int:
    """The most requests this probe sends, as announced in its plan: 2 per role (login, who-am-I),
    3 for the rotation check, 4 for the logout check, 3 forged tokens."""
    return 2 * len(login_roles(config)) + 10


class SessionProbe(Probe):
    id = "session"
    title = "Sessions: new id at login, real logout, lifetime and tokens"
    tier = Tier.LOGIN
    areas = ("session", "auth")
    rules = ("session.rotation", "session.logout", "session.lifetime", "session.jwt-alg", "session.forged-token",
             "session.not-probed")
    needs = ("url", "roles")
    timeout = 180

    def login_plan(self, config, endpoints) -> list[str]:
        roles = login_roles(config)
        if not roles:
            return []
        main = roles[0]
        route = whoami.whoami_route(config, main, endpoints)
        who = f"GET {route}" if route else "(no who-am-I route: those steps are skipped)"
        lines = [f"session checks: 1 login per test role ({', '.join(roles)}) and 1 {who} each, to read how long sessions last",
                 f"as '{main}': 1 GET of the login page, 1 login with a made-up session id already in the browser, "
                 f"1 {who} (is the id replaced at login?)"]
        logout = config.roles[main].logout
        if logout:
            lines.append(f"as '{main}': 1 login for a fresh session, {who}, {logout} for that fresh session only, "
                         f"{who} again (does logout end it on the server?)")
        lines.append(f"if the login gives a JWT: at most 3 forged copies (alg none, a random key, a guessed weak key), "
                     f"sent only to {who}; at most {max_requests(config)} requests in all")
        return lines

    async def run(self, ctx: ProbeContext) -> AsyncIterator[Finding]:
        config = ctx.config
        roles = [r for r in login_roles(config) if r in ctx.credentials]
        if not roles:
            yield self.finding("session.not-probed", Status.SKIPPED, "Session checks need a test role that logs in",
                               key="no-login", detail="Roles given as a token or cookie from the environment are never "
                               "logged out or replaced; give a role a login recipe ([roles.NAME] login = {...}).")
            return
        main = roles[0]
        self.who = whoami.whoami_route(config, main, ctx.endpoints)
        self.loc = Location(url=ctx.base_url, method="POST")
        states: dict[str, AuthState] = {}
        seen: dict[str, tuple] = {}
        for n, role in enumerate(roles):
            self.progress(ctx, f"logging in as '{role}'", n / (len(roles) + 3))
            state = await self._login(ctx, role)
            if isinstance(state, str):
                yield self.finding("session.lifetime", Status.UNKNOWN, f"Could not log in as '{role}'", key=role,
                                   detail=state)
                continue
            states[role] = state
            seen[role] = await self._lifetime(ctx, role, state)
        for finding in self._lifetime_findings(ctx, seen):
            yield finding
        if main not in states:
            yield self.finding("session.rotation", Status.UNKNOWN, f"Session checks could not start: '{main}' did not log in",
                               key="login", detail="Check the role's login recipe and its environment variables.")
            return
        self.progress(ctx, "session id at login", 0.6)
        yield await self._rotation(ctx, main, states[main])
        self.progress(ctx, "logout", 0.75)
        yield await self._logout(ctx, main)
        self.progress(ctx, "tokens", 0.9)
        for finding in await self._tokens(ctx, main, states):
            yield finding

    async def _login(self, ctx: ProbeContext, role: str) -> AuthState | str:
        try:
            state = await login(ctx, role, self.id)
        except (RequestFailed, BlockedRequest) as err:
            return f"login failed: {err.reason}"
        return state if state.ok else state.reason

    # -- lifetime ------------------------------------------------------------------------------
    async def _lifetime(self, ctx: ProbeContext, role: str, state: AuthState) -> tuple:
        """(what the lifetime is read from, seconds or None, renewed on every request, evidence)."""
        evidence: list[str] = []
        token = jwts.decode(state.token) if state.token else None
        if token is not None:
            life = token.lifetime_seconds()
            evidence.append(f"'{role}' token: {token.alg or 'no alg'} JWT, " + (f"exp - iat = {human(life)}" if life is not None else "no exp claim"))
            return "token", life, False, evidence
        if isinstance(state.answer, dict) and isinstance(state.answer.get("expires_in"), (int, float)):
            evidence.append(f"'{role}' login answer: expires_in = {state.answer['expires_in']:g} s")
            return "token", float(state.answer["expires_in"]), False, evidence
        cookies = session_cookies(state.cookies)
        if not cookies:
            return "unknown", None, False, evidence
        c = cookies[0]
        evidence.append(f"'{role}' Set-Cookie at login: {c.redacted()}")
        renewed = False
        if self.who:
            # a cookie the server sets again on every request never ends while the session is used
            got = await whoami.ask(ctx, self.id, self.who, state.headers)
            again = [x for x in (parse_set_cookie(h) for h in (got.resp.set_cookies if got.resp else [])) if x and x.name == c.name]
            renewed = bool(again and again[0].value and again[0].lifetime_seconds())
            if renewed:
                evidence.append(f"GET {self.who} sets it again: {again[0].redacted()}")
        return "cookie", c.lifetime_seconds(), renewed, evidence

    def _lifetime_findings(self, ctx: ProbeContext, seen: dict[str, tuple]) -> list[Finding]:
        """One finding per distinct lifetime, naming the roles that have it."""
        limit_h = ctx.settings.admin_session_hours
        groups: dict[tuple, list[str]] = {}
        for role, (kind, life, renewed, _) in seen.items():
            groups.setdefault((kind, None if life is None else human(life), renewed), []).append(role)
        out = []
        for (kind, shown, renewed), roles in groups.items():
            life = seen[roles[0]][1]
            who = ", ".join(f"'{r}'" for r in roles)
            key = "lifetime:" + ",".join(roles)
            evidence = [e for r in roles for e in seen[r][3]][:8]
            if kind == "token" and life is None:
                out.append(self.finding("session.lifetime", Status.FAIL, f"Tokens of {who} never expire", key=key,
                                        severity=Severity.HIGH, location=self.loc, evidence=evidence, references=_REFS[2:3],
                                        fix=f"Give tokens an exp claim of at most {limit_h:g} hours and refuse tokens without one."))
                continue
            if life is None:
                out.append(self.finding("session.lifetime", Status.SKIPPED, f"Session lifetime of {who} is not visible from outside",
                                        key=key, location=self.loc, evidence=evidence,
                                        detail="The session ends with the browser, or its lifetime lives on the server only: "
                                               "answer the session-lifetime question."))
                continue
            hours = life / 3600
            status = Status.PASS if hours <= limit_h else Status.WARN if hours <= 24 else Status.FAIL
            title = f"Sessions of {who} last {shown}" + ("" if status is Status.PASS else f" (limit for an admin tool: {limit_h:g} hours)")
            detail = ""
            if renewed:
                status = Status.WARN if status is Status.PASS else status
                title = f"Sessions of {who} are renewed on every request ({shown} of inactivity)"
                detail = (f"The cookie's expiry moves forward on each request, so a session in use never ends by itself. "
                          f"Check that the server also ends every session {limit_h:g} hours after login.")
            out.append(self.finding(
                "session.lifetime", status, title, key=key, location=self.loc, evidence=evidence, detail=detail,
                severity=Severity.MEDIUM if status is not Status.PASS else Severity.INFO, references=_REFS[2:3],
                fix="" if status is Status.PASS else f"End admin sessions {limit_h:g} hours after login at most (absolute), "
                "and after 15-30 minutes without activity (idle), on the server.",
                data={"roles": roles, "seconds": life, "renewed": renewed}))
        return out

    # -- a new session id at login ------------------------------------------------------------
    async def _rotation(self, ctx: ProbeContext, role: str, first: AuthState) -> Finding:
        cookies = session_cookies(first.cookies)
        if not cookies:
            return self.finding("session.rotation", Status.NA, "Login gives a token, not a session cookie: no id to plant",
                                key="login", detail="An attacker cannot put a bearer token into someone's browser the way "
                                "a cookie can be planted, so session fixation does not apply.")
        name = cookies[0].name
        recipe = ctx.config.roles[role].login
        creds = ctx.credentials[role]
        planted, source = await self._pre_login_id(ctx, name, recipe)
        register_secret(planted, "planted-session-id")
        evidence = [f"before login: {name}=<{source}>"]
        try:
            got = await submit_login(ctx, recipe, creds.username, creds.password, self.id, headers={"Cookie": f"{name}={planted}"})
        except (RequestFailed, BlockedRequest) as err:
            return self.finding("session.rotation", Status.UNKNOWN, "Could not test whether login issues a new session id",
                                key="login", detail=f"login failed: {err.reason}")
        after = next((c for c in got.cookies if c.name == name), None)
        evidence.append(f"{recipe.route} with that cookie -> {got.resp.status}; " +
                        (f"Set-Cookie: {after.redacted()}" if after else f"no new {name} cookie"))
        kept = after is not None and after.value == planted
        if not kept and self.who:
            # the planted id must not have become a logged-in session either
            old = await whoami.ask(ctx, self.id, self.who, {"Cookie": f"{name}={planted}"})
            evidence.append(f"GET {self.who} with the id from before login -> {old.line}")
            kept = whoami.works(old)
        elif not kept and after is None:
            return self.finding("session.rotation", Status.UNKNOWN, "Login set no new session cookie; no who-am-I route to tell more",
                                key="login", evidence=evidence, detail="Set whoami = 'GET /api/me' (a read-only route) on the role.")
        if kept:
            return self.finding(
                "session.rotation", Status.FAIL, "Login keeps the session id the browser already had (session fixation)",
                key="login", severity=Severity.HIGH, location=self.loc, evidence=evidence, fix=_ROTATION_FIX,
                detail=f"A session id set before login ({source}) was still the logged-in session afterwards. Someone who "
                       "plants an id in a colleague's browser (a shared computer, a sibling subdomain, a link) is logged in "
                       "as them once they sign in.", references=_REFS[:1])
        return self.finding("session.rotation", Status.PASS, "Login issues a new session id", key="login", location=self.loc,
                            evidence=evidence, references=_REFS[:1])

    async def _pre_login_id(self, ctx: ProbeContext, name: str, recipe) -> tuple[str, str]:
        """The anonymous session id the login page hands out, else a made-up one of the usual shape."""
        path = recipe.route.split(" ", 1)[1]
        try:
            page = await ctx.http.request("GET", ctx.base_url.rstrip("/") + path, probe=self.id, follow_redirects=False)
            for c in (parse_set_cookie(h) for h in page.set_cookies):
                if c and c.name == name and c.value:
                    return c.value, f"the anonymous id GET {path} set"
        except (RequestFailed, BlockedRequest):
            pass
        return secrets.token_urlsafe(32), "a made-up id"

    # -- logout ends the session ---------------------------------------------------------------
    async def _logout(self, ctx: ProbeContext, role: str) -> Finding:
        route = ctx.config.roles[role].logout
        if not route:
            return self.finding("session.logout", Status.SKIPPED, "Logout not tested: no logout route named",
                                key="logout", detail=f"Name it to test it: [roles.{role}] logout = \"POST /logout\". Only "
                                "the probe's own fresh session is ever logged out.")
        if not self.who:
            return self.finding("session.logout", Status.SKIPPED, "Logout not tested: no who-am-I route to replay the session on",
                                key="logout", detail=f"Set [roles.{role}] whoami = \"GET /api/me\" (a read-only route).")
        fresh = await self._login(ctx, role)
        if isinstance(fresh, str):
            return self.finding("session.logout", Status.UNKNOWN, "Logout not tested: the fresh login failed", key="logout", detail=fresh)
        before = await whoami.ask(ctx, self.id, self.who, fresh.headers)
        evidence = [f"GET {self.who} with a fresh session -> {before.line}"]
        if not whoami.works(before):
            return self.finding("session.logout", Status.UNKNOWN, f"Logout not tested: GET {self.who} does not work even logged in",
                                key="logout", evidence=evidence, detail="Check the role's whoami route.")
        method, _, path = route.partition(" ")
        try:
            out = await ctx.http.request(method, ctx.base_url.rstrip("/") + path, probe=self.id, headers=dict(fresh.headers),
                                         own_session_logout=True)
        except (RequestFailed, BlockedRequest) as err:
            return self.finding("session.logout", Status.UNKNOWN, "Logout not tested: the logout call failed", key="logout",
                                evidence=evidence, detail=err.reason)
        evidence.append(f"{route} with that session -> {out.status}")
        after = await whoami.ask(ctx, self.id, self.who, fresh.headers)
        evidence.append(f"GET {self.who} with the same cookie/token after logout -> {after.line}")
        loc = Location(url=ctx.base_url.rstrip("/") + path, method=method)
        if whoami.same_user(after, before):
            kind = "token" if fresh.token else "cookie"
            return self.finding(
                "session.logout", Status.FAIL, f"Logout does not end the session: the old {kind} still works",
                key="logout", severity=Severity.HIGH, location=loc, evidence=evidence, fix=_LOGOUT_FIX, references=_REFS[1:2],
                detail=f"After logging out, the {kind} from before still opened {self.who} as the same user. Anyone holding "
                       "a copy (a shared computer, a proxy log, a stolen laptop) stays logged in.")
        if whoami.is_refusal(after):
            return self.finding("session.logout", Status.PASS, "Logout ends the session on the server", key="logout",
                                location=loc, evidence=evidence, references=_REFS[1:2])
        return self.finding("session.logout", Status.UNKNOWN, "Logout: the answer after logout is neither the user's data nor a refusal",
                            key="logout", location=loc, evidence=evidence)

    # -- tokens --------------------------------------------------------------------------------
    async def _tokens(self, ctx: ProbeContext, main: str, states: dict[str, AuthState]) -> list[Finding]:
        role, token = next(((r, jwts.decode(s.token)) for r, s in states.items() if s.token and jwts.decode(s.token)),
                           (None, None))
        if token is None:
            return []
        out: list[Finding] = []
        loc = Location(url=ctx.base_url.rstrip("/") + (self.who or ""), method="GET")
        alg = token.alg
        if alg.lower() == "none" or not alg:
            out.append(self.finding("session.jwt-alg", Status.FAIL, f"'{role}' tokens are not signed (alg: {alg or 'missing'})",
                                    key="alg", severity=Severity.CRITICAL, location=loc, fix=_FORGE_FIX, references=_REFS[3:],
                                    detail="Anyone can write such a token for any user."))
        else:
            out.append(self.finding("session.jwt-alg", Status.PASS, f"'{role}' tokens are signed with {alg}", key="alg",
                                    location=loc, evidence=[f"JWT header: alg={alg}, typ={token.header.get('typ', '-')}"]))
        weak = jwts.guess_key(token)
        if not self.who:
            out.append(self.finding("session.not-probed", Status.SKIPPED, "Forged tokens not sent: no who-am-I route", key="forged",
                                    detail=f"Set [roles.{role}] whoami = \"GET /api/me\" (read-only) so forged tokens can be tried there only."))
            if weak is not None:
                out.append(self._weak_key_finding(role, weak, loc, [], confirmed=False))
            return out
        cfg = ctx.config.roles[role]
        real = await whoami.ask(ctx, self.id, self.who, states[role].headers)
        if not whoami.works(real):
            out.append(self.finding("session.forged-token", Status.UNKNOWN, f"Forged tokens not judged: GET {self.who} does not "
                                    "work with the real token", key="reference", location=loc, evidence=[f"real token -> {real.line}"]))
            return out
        tries = [("alg-none", "a copy with alg: none and no signature", jwts.unsigned(token)),
                 ("random-key", "a copy signed with a random key", jwts.with_random_key(token))]
        if weak is not None:
            tries.append(("weak-key", f"a copy with a later expiry, signed with the guessed key '{weak}'",
                          jwts.resigned_later(token, weak)))
        for key, what, forged in tries:
            got = await whoami.ask(ctx, self.id, self.who, {cfg.token_header: f"{cfg.token_prefix}{forged}"})
            evidence = [f"GET {self.who} with the real token -> {real.line}", f"GET {self.who} with {what} -> {got.line}"]
            accepted = whoami.same_user(got, real)
            if key == "weak-key":
                out.append(self._weak_key_finding(role, weak, loc, evidence, confirmed=accepted))
            elif accepted:
                out.append(self.finding("session.forged-token", Status.FAIL, f"The app accepts forged tokens ({what})",
                                        key=key, severity=Severity.CRITICAL, location=loc, evidence=evidence, fix=_FORGE_FIX,
                                        references=_REFS[3:], detail="Anyone can write a token for any user, admins included."))
            elif whoami.is_refusal(got):
                out.append(self.finding("session.forged-token", Status.PASS, f"A forged token is refused ({what})", key=key,
                                        location=loc, evidence=evidence))
            else:
                out.append(self.finding("session.forged-token", Status.UNKNOWN, f"Forged token ({what}): neither refused nor accepted",
                                        key=key, location=loc, evidence=evidence))
        if weak is None:
            out.append(self.finding("session.forged-token", Status.PASS, "The token's key is none of the common weak secrets",
                                    key="weak-key", location=loc,
                                    evidence=[f"{len(jwts.WEAK_KEYS)} common secrets tried offline (no request sent)"]
                                    if alg in ("HS256", "HS384", "HS512") else [f"{alg} is not an HMAC algorithm: no shared secret to guess"]))
        return out

    def _weak_key_finding(self, role: str, key: str, loc: Location, evidence: list[str], confirmed: bool) -> Finding:
        shown = f"'{key}'" if key else "an empty string"
        return self.finding(
            "session.forged-token", Status.FAIL, f"'{role}' tokens are signed with a guessable secret ({shown})", key="weak-key",
            severity=Severity.CRITICAL, location=loc, fix=_FORGE_FIX, references=_REFS[3:],
            evidence=[f"the signature matches the common secret {shown} (checked offline)"] + evidence,
            detail="Anyone who tries the usual default secrets can sign tokens for any user."
                   + (" The app accepted a token we signed with it." if confirmed else ""))
