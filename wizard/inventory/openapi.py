"""OpenAPI 3.x and Swagger 2.0 specs, from a file or fetched from the live app.

Each operation becomes an Endpoint with the spec's tags, whether it declares `security: []`
(public) or a security requirement, example values of its path parameters and the string fields
of its JSON request body (names, and the body's schema for the input checks' starting point). Only local `$ref`s (`#/...`) are followed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from wizard.inventory.document import Document
from wizard.inventory.model import METHODS, Endpoint

# Where apps usually serve their spec; tried in this order by `discover` on the live app.
SPEC_PATHS = (
    "/openapi.json", "/swagger.json", "/v3/api-docs", "/api/openapi.json", "/api/swagger.json",
    "/api-docs", "/swagger/v1/swagger.json", "/api/v1/openapi.json", "/docs/openapi.json", "/openapi.yaml",
)


def _resolve(doc: dict, node: Any, depth: int = 0) -> Any:
    """Follow a local `$ref` (`#/components/schemas/User`); anything else is returned as it is."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 12:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        node, depth = target, depth + 1
    return node


def _server_prefix(doc: dict) -> str:
    if "swagger" in doc:
        base = doc.get("basePath")
        return base.rstrip("/") if isinstance(base, str) and base.startswith("/") else ""
    servers = doc.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return ""
    url = str(servers[0].get("url") or "")
    variables = servers[0].get("variables") or {}
    if isinstance(variables, dict):
        for name, spec in variables.items():
            default = spec.get("default", "") if isinstance(spec, dict) else ""
            url = url.replace("{" + str(name) + "}", str(default))
    path = urlsplit(url).path if "://" in url else url
    return path.rstrip("/") if path.startswith("/") else ""


def _json_body(doc: dict, op: dict, params: list) -> tuple[object, object]:
    """(the JSON request body's schema, resolved; the media type's example) of an operation, OpenAPI 3's
    requestBody or Swagger 2's `in: body` parameter (which has no media example)."""
    schema = example = None
    body = _resolve(doc, op.get("requestBody"))
    if isinstance(body, dict) and isinstance(body.get("content"), dict):
        for ctype, media in body["content"].items():
            if "json" in str(ctype) and isinstance(media, dict):
                schema, example = _resolve(doc, media.get("schema")), media.get("example")
                break
    for p in params:  # Swagger 2: `in: body`
        if isinstance(p, dict) and p.get("in") == "body":
            schema, example = _resolve(doc, p.get("schema")), None
    return schema, example


def _body_schema(doc: dict, op: dict, params: list) -> dict | None:
    """The JSON request body's schema with its properties resolved one level (for a valid example body)."""
    schema, example = _json_body(doc, op, params)
    if isinstance(schema, dict) and "example" not in schema and isinstance(example, dict):
        schema = {**schema, "example": example}
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return None
    props = {str(k): v for k, v in ((k, _resolve(doc, v)) for k, v in schema["properties"].items()) if isinstance(v, dict)}
    required = [str(r) for r in schema.get("required", []) if isinstance(r, str)] if isinstance(schema.get("required"), list) else []
    out = {"properties": props, "required": required}
    if isinstance(schema.get("example"), dict):
        out["example"] = schema["example"]
    return out


def _body_fields(doc: dict, op: dict, params: list) -> list[str]:
    schema, _ = _json_body(doc, op, params)
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return []
    out = []
    for name, prop in props.items():
        prop = _resolve(doc, prop)
        # free text only: a format (email, uuid, date) or an enum would reject a marker value
        if (isinstance(prop, dict) and prop.get("type") == "string" and not prop.get("readOnly")
                and not prop.get("format") and not prop.get("enum")):
            out.append(str(name))
    return out


def _param_examples(doc: dict, params: list) -> dict[str, str]:
    out = {}
    for p in params:
        p = _resolve(doc, p)
        if not isinstance(p, dict) or p.get("in") != "path" or not isinstance(p.get("name"), str):
            continue
        schema = _resolve(doc, p.get("schema")) or {}
        for value in (p.get("example"), schema.get("example") if isinstance(schema, dict) else None, p.get("x-example")):
            if isinstance(value, (str, int)) and not isinstance(value, bool) and re.fullmatch(r"[\w.-]{1,64}", str(value)):
                out[p["name"]] = str(value)
                break
    return out


def parse_openapi_document(d: Document, source: str = "openapi") -> list[Endpoint]:
    doc = d.data
    if not isinstance(doc, dict):
        raise d.error("not an OpenAPI/Swagger document: the top level must be a mapping")
    version = doc.get("openapi", doc.get("swagger"))
    if version is None:
        raise d.error("not an OpenAPI 3 or Swagger 2 document (no 'openapi' or 'swagger' field)")
    v = str(version)
    if "openapi" in doc and not v.startswith("3."):
        raise d.error(f"OpenAPI version '{v}' is not supported (3.x is)", ("openapi",))
    if "openapi" not in doc and v not in ("2.0", "2"):
        raise d.error(f"Swagger version '{v}' is not supported (2.0 is)", ("swagger",))
    paths = doc.get("paths")
    if paths is None:
        raise d.error("the spec has no 'paths': nothing to audit")
    if not isinstance(paths, dict):
        raise d.error("must be a mapping of '/path' to operations", ("paths",))
    prefix = _server_prefix(doc)
    global_security = doc.get("security")
    name = d.name.rsplit("/", 1)[-1]
    out: list[Endpoint] = []
    for p, item in paths.items():
        if not isinstance(p, str) or not p.startswith("/"):
            raise d.error("a path must start with '/'", ("paths", p))
        item = _resolve(doc, item)
        if not isinstance(item, dict):
            raise d.error("must be a mapping of methods to operations", ("paths", p))
        shared = item.get("parameters") if isinstance(item.get("parameters"), list) else []
        for method, op in item.items():
            if method.upper() not in METHODS:
                continue
            if not isinstance(op, dict):
                raise d.error("an operation must be a mapping (summary, responses, ...)", ("paths", p, method))
            params = shared + (op.get("parameters") if isinstance(op.get("parameters"), list) else [])
            tags = {str(t).lower() for t in op.get("tags", []) if isinstance(t, str)} if isinstance(op.get("tags"), list) else set()
            security = op.get("security", global_security)
            declared = None if security is None else (security == [] or security == [{}])
            if declared:
                tags.add("public")
            ep = Endpoint(method, prefix + p, tags, {source}, [f"{name} {method.upper()} {p}"],
                          _param_examples(doc, params), _body_fields(doc, op, params), declared)
            ep.body_schema = _body_schema(doc, op, params)
            out.append(ep)
    return out
