"""Python web routes read with `ast` (never imported): Flask, FastAPI, Starlette and Django.

- Flask/FastAPI: `@app.get("/x")`, `@bp.route("/x", methods=[...])`, `@router.api_route(...)`,
  `add_url_rule`, `add_api_route`; router prefixes from `APIRouter(prefix=)`/`Blueprint(url_prefix=)`
  and from `include_router(..., prefix=)`/`register_blueprint(..., url_prefix=)`, across files.
- Starlette: `Route("/x", fn, methods=[...])` nested in `Mount("/prefix", routes=[...])` or in a
  list that a `Mount` names; `app.add_route`.
- Django: `path()`/`re_path()`/`url()` with `include("module.urls")` prefixes and DRF routers.
  Django declares no methods in urls.py: such routes are listed as GET (noted in their origin).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from wizard.inventory.model import METHODS, Endpoint

_DECORATOR_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
_ROUTE_DECORATORS = {"route", "api_route"}
_ROUTER_FACTORIES = {"APIRouter": "prefix", "Blueprint": "url_prefix", "FastAPI": "root_path", "Flask": None,
                     "Starlette": None, "DefaultRouter": None, "SimpleRouter": None}
_INCLUDE_CALLS = {"include_router": "prefix", "register_blueprint": "url_prefix"}
_DRF_LIST = ("GET", "POST")
_DRF_DETAIL = ("GET", "PUT", "PATCH", "DELETE")


@dataclass
class _Route:
    method: str
    path: str
    owner: str | None  # the router variable the route hangs on, None for absolute routes
    line: int
    note: str = ""


@dataclass
class _Include:
    target: tuple[str, str]  # (module, variable) included
    prefix: str
    owner: str  # the including router variable


@dataclass
class _File:
    rel: str
    module: str
    routers: dict[str, str] = field(default_factory=dict)  # variable -> its own prefix
    routes: list[_Route] = field(default_factory=list)
    includes: list[_Include] = field(default_factory=list)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # local name -> (module, attr)


def _str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # f"/api/{VERSION}/x": keep the literal parts, params as {p}
        parts = []
        for v in node.values:
            parts.append(v.value if isinstance(v, ast.Constant) else "{param}")
        return "".join(str(p) for p in parts)
    return None


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _methods(node: ast.AST | None, default: tuple[str, ...] = ("GET",)) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        out = [str(e.value).upper() for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return [m for m in out if m in METHODS] or list(default)
    return list(default)


def _call_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _owner(func: ast.AST) -> str | None:
    """`router` in `router.get(...)`; `api.router` for attribute chains."""
    if isinstance(func, ast.Attribute):
        v = func.value
        if isinstance(v, ast.Name):
            return v.id
        if isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name):
            return f"{v.value.id}.{v.attr}"
    return None


def _module_of(rel: str) -> str:
    mod = rel[:-3].replace("/", ".")
    return mod[: -len(".__init__")] if mod.endswith(".__init__") else mod


def _django_regex(pattern: str) -> str | None:
    p = pattern.lstrip("^").rstrip("$")
    p = re.sub(r"\(\?P<(\w+)>[^()]*\)", r"{\1}", p)
    p = p.replace("\\.", ".").replace("\\-", "-")
    if re.search(r"[\\()*+?|\[\]]", p):
        return None
    return p


class _Visitor(ast.NodeVisitor):
    def __init__(self, f: _File, text: str):
        self.f = f
        self.mount_of_var: dict[str, str] = {}
        self.prefix_stack: list[str] = [""]
        self.current_var: str | None = None
        self.is_urls = "urlpatterns" in text

    # -- prefixes that wrap lists of routes --------------------------------------------------
    def collect_mounts(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node.func) == "Mount":
                prefix = _str(node.args[0]) if node.args else _str(_kw(node, "path"))
                routes = _kw(node, "routes") or (node.args[1] if len(node.args) > 1 else None)
                if prefix is not None and isinstance(routes, ast.Name):
                    self.mount_of_var[routes.id] = prefix

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            pkg = self.f.module.split(".")[: -node.level] if self.f.module else []
            base = ".".join(pkg + ([base] if base else []))
        for alias in node.names:
            self.f.imports[alias.asname or alias.name] = (base, alias.name)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.f.imports[alias.asname or alias.name.split(".")[0]] = (alias.name, None)

    def visit_Assign(self, node: ast.Assign) -> None:
        target = node.targets[0] if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) else None
        if target is not None and isinstance(node.value, ast.Call):
            factory = _call_name(node.value.func)
            if factory in _ROUTER_FACTORIES:
                kw = _ROUTER_FACTORIES[factory]
                self.f.routers[target.id] = (_str(_kw(node.value, kw)) or "") if kw else ""
        prefix = self.mount_of_var.get(target.id, "") if target is not None else ""
        self.current_var = target.id if target is not None else None
        self.prefix_stack.append(self.prefix_stack[-1] + prefix)
        self.generic_visit(node)
        self.prefix_stack.pop()
        self.current_var = None

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for dec in node.decorator_list:
            if not isinstance(dec, ast.Call) or not isinstance(dec.func, ast.Attribute):
                continue
            name, owner = dec.func.attr, _owner(dec.func)
            path = _str(dec.args[0]) if dec.args else _str(_kw(dec, "path") or _kw(dec, "rule"))
            if path is None or owner is None or not (path.startswith("/") or (path == "" and owner in self.f.routers)):
                continue
            if name in _DECORATOR_METHODS:
                self.f.routes.append(_Route(name.upper(), path, owner, dec.lineno))
            elif name in _ROUTE_DECORATORS:
                for m in _methods(_kw(dec, "methods")):
                    self.f.routes.append(_Route(m, path, owner, dec.lineno))
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node.func)
        if name == "Mount":
            prefix = _str(node.args[0]) if node.args else _str(_kw(node, "path"))
            self.prefix_stack.append(self.prefix_stack[-1] + (prefix or ""))
            self.generic_visit(node)
            self.prefix_stack.pop()
            return
        if name == "Route" and node.args:
            path = _str(node.args[0])
            if path is not None and path.startswith("/"):
                methods = _methods(_kw(node, "methods") or (node.args[2] if len(node.args) > 2 else None))
                for m in methods:
                    self.f.routes.append(_Route(m, self.prefix_stack[-1] + path, None, node.lineno))
        elif name in ("add_url_rule", "add_api_route", "add_route") and node.args and isinstance(node.func, ast.Attribute):
            path = _str(node.args[0])
            if path is not None and path.startswith("/"):
                for m in _methods(_kw(node, "methods")):
                    self.f.routes.append(_Route(m, path, _owner(node.func), node.lineno))
        elif name in _INCLUDE_CALLS and node.args and isinstance(node.func, ast.Attribute):
            self._include(node, _str(_kw(node, _INCLUDE_CALLS[name])) or "")
        elif name == "register" and isinstance(node.func, ast.Attribute) and node.args:
            owner = _owner(node.func)
            prefix = _str(node.args[0])
            if owner in self.f.routers and prefix is not None:  # DRF router.register(r"users", ViewSet)
                base = "/" + prefix.strip("^$/")
                for m in _DRF_LIST:
                    self.f.routes.append(_Route(m, base + "/", owner, node.lineno, "DRF viewset"))
                for m in _DRF_DETAIL:
                    self.f.routes.append(_Route(m, base + "/{pk}/", owner, node.lineno, "DRF viewset"))
        elif name in ("path", "re_path", "url") and self.is_urls and node.args:
            self._django(node, name)
        self.generic_visit(node)

    def _include(self, node: ast.Call, prefix: str) -> None:
        target = node.args[0]
        owner = _owner(node.func) or ""
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            mod, attr = self.f.imports.get(target.value.id, (target.value.id, None))
            module = f"{mod}.{attr}" if attr else mod
            self.f.includes.append(_Include((module, target.attr), prefix, owner))
        elif isinstance(target, ast.Name):
            mod, attr = self.f.imports.get(target.id, (self.f.module, target.id))
            self.f.includes.append(_Include((mod, attr or target.id), prefix, owner))

    def _django(self, node: ast.Call, kind: str) -> None:
        raw = _str(node.args[0])
        if raw is None:
            return
        route = raw if kind == "path" else _django_regex(raw)
        if route is None:
            return
        prefix = "/" + route.lstrip("/")
        view = node.args[1] if len(node.args) > 1 else None
        if isinstance(view, ast.Call) and _call_name(view.func) == "include" and view.args:
            inc = view.args[0]
            if isinstance(inc, ast.Tuple) and inc.elts:
                inc = inc.elts[0]
            module = _str(inc)
            if module:
                self.f.includes.append(_Include((module, "urlpatterns"), prefix, "urlpatterns"))
            elif isinstance(inc, ast.Attribute) and inc.attr == "urls" and isinstance(inc.value, ast.Name):
                self.f.includes.append(_Include((self.f.module, inc.value.id), prefix, "urlpatterns"))
            return
        note = "methods not declared in urls.py"
        self.f.routes.append(_Route("GET", prefix, "urlpatterns", node.lineno, note))


def _parse(rel: str, text: str) -> _File | None:
    try:
        tree = ast.parse(text, filename=rel)
    except (SyntaxError, ValueError):
        return None
    f = _File(rel, _module_of(rel))
    v = _Visitor(f, text)
    v.collect_mounts(tree)
    v.visit(tree)
    if v.is_urls:
        f.routers.setdefault("urlpatterns", "")
    return f


def _find(files: list[_File], module: str) -> list[_File]:
    exact = [f for f in files if f.module == module]
    return exact or [f for f in files if f.module.endswith("." + module) or module.endswith("." + f.module)]


def extract(texts: dict[str, str]) -> list[Endpoint]:
    files = [f for f in (_parse(rel, text) for rel, text in texts.items()) if f and (f.routes or f.includes)]

    def prefixes(f: _File, var: str | None, seen: frozenset = frozenset()) -> list[str]:
        """Every prefix a router variable ends up mounted at (its own prefix included)."""
        if var is None:
            return [""]
        own = f.routers.get(var, "")
        if (f.rel, var) in seen:
            return [own]
        outer = []
        for g in files:
            for inc in g.includes:
                if inc.target[1] == var and any(x is f for x in _find(files, inc.target[0])):
                    for p in prefixes(g, inc.owner, seen | {(f.rel, var)}):
                        outer.append(p + inc.prefix)
        return [p + own for p in outer] or [own]

    out: list[Endpoint] = []
    for f in files:
        for r in f.routes:
            for prefix in prefixes(f, r.owner):
                where = f"{f.rel}:{r.line}" + (f" ({r.note})" if r.note else "")
                out.append(Endpoint(r.method, prefix + r.path, set(), {"source"}, [where]))
    return out
