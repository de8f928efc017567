"""JavaScript/TypeScript routes, read with patterns: Express and Next.js API routes.

- Express: `app.get('/x', ...)` / `router.post(...)` / `router.route('/x').get(...).put(...)` on
  variables made by `express()` or `Router()`; `app.use('/api', usersRouter)` prefixes follow the
  `require`/`import` of the router's file.
- Next.js: `pages/api/**` (methods from `req.method === 'POST'` / `case 'POST'`, else GET) and
  the app router's `app/**/route.ts` (one route per exported GET/POST/... handler).
"""

from __future__ import annotations

import posixpath
import re

from wizard.inventory.model import Endpoint

_JS_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "all")
_APP_VAR = re.compile(r"(?:const|let|var)\s+(\w+)\s*=\s*(?:express\s*\(\s*\)|(?:express\s*\.\s*)?Router\s*\(|new\s+Router\s*\()")
_VERB = re.compile(r"\b(\w+)\s*\.\s*(" + "|".join(_JS_METHODS) + r")\s*\(\s*(['\"`])(/[^'\"`]*)\3")
_CHAIN = re.compile(r"\b(\w+)\s*\.\s*route\s*\(\s*(['\"`])(/[^'\"`]*)\2\s*\)")
_USE = re.compile(r"\b(\w+)\s*\.\s*use\s*\(\s*(['\"`])(/[^'\"`]*)\2\s*,\s*(?:[\w.]+\s*,\s*)*(\w+)\s*\)")
_REQUIRE = re.compile(r"(?:const|let|var)\s+(\w+)\s*=\s*require\s*\(\s*['\"](\.[^'\"]+)['\"]\s*\)")
_IMPORT = re.compile(r"import\s+(\w+)\s+from\s+['\"](\.[^'\"]+)['\"]")
_NEXT_PAGES = re.compile(r"(?:^|/)pages/(api/.+)\.(?:js|ts|jsx|tsx|mjs)$")
_NEXT_APP = re.compile(r"(?:^|/)app/((?:.+/)?)route\.(?:js|ts|mjs)$")
_NEXT_EXPORT = re.compile(r"export\s+(?:async\s+)?(?:function\s+|const\s+)(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b")
_NEXT_METHOD = re.compile(r"(?:method\s*===?\s*|case\s+)['\"](GET|POST|PUT|PATCH|DELETE)['\"]")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _resolve(rel: str, spec: str, files: dict[str, str]) -> str | None:
    base = posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec))
    for cand in (base, *(base + e for e in (".js", ".ts", ".mjs", ".cjs")), *(base + "/index" + e for e in (".js", ".ts"))):
        if cand in files:
            return cand
    return None


def _next_route(segments: list[str]) -> str:
    keep = [s for s in segments if s and not (s.startswith("(") and s.endswith(")")) and not s.startswith("@")]
    if keep and keep[-1] == "index":
        keep = keep[:-1]
    return "/" + "/".join(keep)


def _express(rel: str, text: str) -> tuple[list[tuple[str, str, str, int]], list[tuple[str, str, str]]]:
    """(routes as (method, path, variable, line), mounts as (variable, prefix, mounted variable))."""
    apps = set(_APP_VAR.findall(text)) | {"app", "router", "api", "server"}
    routes = []
    for m in _VERB.finditer(text):
        var, verb, path = m.group(1), m.group(2), m.group(4)
        if var in apps:
            routes.append(("GET" if verb == "all" else verb.upper(), path, var, _line(text, m.start())))
    for m in _CHAIN.finditer(text):
        var, path = m.group(1), m.group(3)
        if var not in apps:
            continue
        # the chained verbs follow until the statement ends
        end = text.find(";", m.end())
        tail = text[m.end():end if end >= 0 else len(text)]
        for verb in re.findall(r"\.\s*(" + "|".join(_JS_METHODS) + r")\s*\(", tail):
            routes.append(("GET" if verb == "all" else verb.upper(), path, var, _line(text, m.start())))
    mounts = [(m.group(1), m.group(3), m.group(4)) for m in _USE.finditer(text)]
    return routes, mounts


def extract(files: dict[str, str]) -> list[Endpoint]:
    out: list[Endpoint] = []
    parsed = {}
    for rel, text in files.items():
        m = _NEXT_PAGES.search(rel)
        if m:
            # a pages/api handler answers GET unless it says otherwise; other methods are named in it
            methods = sorted(set(_NEXT_METHOD.findall(text)) | {"GET"})
            for method in methods:
                out.append(Endpoint(method, _next_route(m.group(1).split("/")), set(), {"source"}, [f"{rel}:1 (Next.js)"]))
            continue
        m = _NEXT_APP.search(rel)
        if m:
            for em in _NEXT_EXPORT.finditer(text):
                out.append(Endpoint(em.group(1), _next_route(m.group(1).split("/")), set(), {"source"},
                                    [f"{rel}:{_line(text, em.start())} (Next.js)"]))
            continue
        if "express" in text or "Router(" in text:
            parsed[rel] = _express(rel, text)

    # prefix of a file's router = where another file mounts what it imported from it
    imports = {rel: {**dict(_REQUIRE.findall(files[rel])), **dict(_IMPORT.findall(files[rel]))} for rel in parsed}
    file_prefixes: dict[str, list[str]] = {}
    for rel, (_, mounts) in parsed.items():
        for _, prefix, mounted in mounts:
            spec = imports[rel].get(mounted)
            target = _resolve(rel, spec, files) if spec else None
            if target:
                file_prefixes.setdefault(target, []).append(prefix.rstrip("/"))
    for rel, (routes, mounts) in parsed.items():
        local = {mounted: prefix.rstrip("/") for _, prefix, mounted in mounts if mounted not in imports[rel]}
        for method, path, var, line in routes:
            prefixes = [local[var]] if var in local else file_prefixes.get(rel, [""]) if var != "app" else [""]
            for prefix in prefixes:
                out.append(Endpoint(method, prefix + path, set(), {"source"}, [f"{rel}:{line}"]))
    return out
