"""One route of the app, as every source describes it: method + path template, tags and where it was seen.

Path templates are normalised so that the same route from different sources merges into one:
`/users/:id`, `/users/<int:pk>`, `/users/[id]`, `/users/{userId}` and a recorded `/users/42` all
become `/users/{...}` with the key `GET /users/{}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")

# Source kinds, most trusted first: the display path (parameter names) comes from the first.
SOURCE_ORDER = ("config", "openapi", "postman", "list", "source", "har")

_PARAM_FORMS = [
    (re.compile(r"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}"), r"{\1}"),  # Postman {{var}} left unresolved
    (re.compile(r"\{([A-Za-z_]\w*)(?::[^}]*)?\}"), r"{\1}"),  # Starlette {id:int}, OpenAPI {id}
    (re.compile(r"<(?:[A-Za-z_]\w*:)?([A-Za-z_]\w*)>"), r"{\1}"),  # Flask/Django <int:pk>
    (re.compile(r"^\[\[?\.\.\.([A-Za-z_]\w*)\]?\]$"), r"{\1}"),  # Next.js [...slug], [[...slug]]
    (re.compile(r"^\[([A-Za-z_]\w*)\]$"), r"{\1}"),  # Next.js [id]
    (re.compile(r"^:([A-Za-z_]\w*)$"), r"{\1}"),  # Express/Rails/Postman :id
    (re.compile(r"^\*([A-Za-z_]\w*)$"), r"{\1}"),  # Rails glob *path
]
# A recorded or listed concrete value that is an object id: all digits, a UUID, a Mongo id, long hex.
_ID_SEGMENT = re.compile(
    r"^(?:\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{24}|[0-9a-f]{32,64})$"
)
_PARAM = re.compile(r"\{([^{}]*)\}")


def normalise_path(raw: str) -> tuple[str, dict[str, str]]:
    """(template, example values): query and fragment dropped, parameters as `{name}`, ids templated.

    `example values` maps a parameter name to the concrete value that stood in its place, so a
    recorded `/customers/101` keeps 101 as a real id to try later.
    """
    path = raw.split("#", 1)[0].split("?", 1)[0].strip() or "/"
    path = re.sub(r"\(\.:format\)$", "", path)  # Rails optional format suffix
    if not path.startswith("/"):
        path = "/" + path
    examples: dict[str, str] = {}
    segments = []
    for seg in path.split("/"):
        if not seg:
            continue
        for pattern, repl in _PARAM_FORMS:
            seg = pattern.sub(repl, seg)
        if _ID_SEGMENT.match(seg):
            name = "id" if "id" not in examples else f"id{len(examples) + 1}"
            examples[name] = seg
            seg = "{" + name + "}"
        segments.append(seg)
    return "/" + "/".join(segments), examples


def template_key(template: str) -> str:
    """The dedup key: parameter names do not matter (`{id}` == `{customer_id}`)."""
    return _PARAM.sub("{}", template)


def path_params(template: str) -> list[str]:
    return _PARAM.findall(template)


@dataclass
class Endpoint:
    """One route. `sources` says which kinds of input named it; `origins` where exactly (file:line)."""

    method: str
    path: str
    tags: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    origins: list[str] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)  # parameter -> a concrete value seen somewhere
    body_fields: list[str] = field(default_factory=list)  # names of string fields an example body had
    declared_public: bool | None = None  # a spec said: no security (True) or security required (False)
    named_params: bool = True  # False when parameter names were made up from concrete ids (/items/42)
    body_schema: dict | None = None  # a spec's JSON body schema: {"properties", "required", "example"?}

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        template, examples = normalise_path(self.path)
        self.path = template
        self.named_params = self.named_params and not examples
        for k, v in examples.items():
            self.examples.setdefault(k, v)

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, template_key(self.path))

    @property
    def params(self) -> list[str]:
        return path_params(self.path)

    @property
    def public(self) -> bool:
        return "public" in self.tags

    @property
    def sensitive(self) -> bool:
        from wizard.inventory.tags import is_sensitive

        return is_sensitive(self)

    def concrete(self, values: dict[str, str] | None = None, fallback: str = "1") -> str:
        """The path with each parameter filled: given values, then values seen in the sources, then `fallback`."""
        values = values or {}

        def fill(m: re.Match) -> str:
            name = m.group(1)
            return str(values.get(name) or self.examples.get(name) or fallback)

        return _PARAM.sub(fill, self.path)

    def describe_sources(self) -> str:
        kinds = sorted(self.sources, key=lambda s: SOURCE_ORDER.index(s) if s in SOURCE_ORDER else 99)
        return ", ".join(kinds)

    def to_dict(self) -> dict:
        return {
            "method": self.method, "path": self.path, "tags": sorted(self.tags), "sources": sorted(self.sources),
            "origins": list(self.origins), "examples": dict(self.examples), "body_fields": list(self.body_fields),
        }

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _rename(examples: dict[str, str], old: list[str], new: list[str]) -> dict[str, str]:
    """Example values keyed by another source's parameter names, matched by position."""
    out = {}
    for k, v in examples.items():
        i = old.index(k) if k in old else -1
        out[new[i] if 0 <= i < len(new) else k] = v
    return out


def merge(*lists: list[Endpoint]) -> list[Endpoint]:
    """Merge and deduplicate by method + path template; tags, sources and origins are united.

    The path shown keeps the parameter names of the most trusted source (a spec over a recording).
    """
    merged: dict[tuple[str, str], Endpoint] = {}
    rank: dict[tuple[str, str], tuple[bool, int]] = {}

    def source_rank(ep: Endpoint) -> tuple[bool, int]:
        """Real parameter names first, then the most trusted source."""
        return (not ep.named_params,
                min((SOURCE_ORDER.index(s) for s in ep.sources if s in SOURCE_ORDER), default=len(SOURCE_ORDER)))

    for endpoints in lists:
        for ep in endpoints:
            have = merged.get(ep.key)
            if have is None:
                merged[ep.key] = Endpoint(ep.method, ep.path, set(ep.tags), set(ep.sources), list(ep.origins),
                                          dict(ep.examples), list(ep.body_fields), ep.declared_public, ep.named_params,
                                          ep.body_schema)
                rank[ep.key] = source_rank(ep)
                continue
            if source_rank(ep) < rank[ep.key]:
                have.examples = _rename(have.examples, have.params, ep.params)
                have.path = ep.path
                have.named_params = ep.named_params
                rank[ep.key] = source_rank(ep)
            have.tags |= ep.tags
            have.sources |= ep.sources
            have.origins += [o for o in ep.origins if o not in have.origins]
            for k, v in _rename(ep.examples, ep.params, have.params).items():
                have.examples.setdefault(k, v)
            have.body_fields += [f for f in ep.body_fields if f not in have.body_fields]
            have.body_schema = have.body_schema or ep.body_schema
            if have.declared_public is None:
                have.declared_public = ep.declared_public
    return sorted(merged.values(), key=lambda e: (e.path, METHODS.index(e.method) if e.method in METHODS else 9))
