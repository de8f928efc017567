"""Postman v2.0/v2.1 collections: nested folders, collection variables and inherited folder auth.

Folder names become tags; a request whose nearest auth (its own, then its folders', then the
collection's) is `noauth` is marked public. Auth values in the file (tokens, passwords) are never
kept: they are registered with the redactor so no output can show them.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from wizard.inventory.document import Document
from wizard.inventory.model import METHODS, Endpoint
from wizard.redact import register_secret

_VAR = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


def _variables(items: Any) -> dict[str, str]:
    out = {}
    if isinstance(items, list):
        for v in items:
            if isinstance(v, dict) and isinstance(v.get("key"), str) and v.get("value") is not None and not v.get("disabled"):
                out[v["key"]] = str(v["value"])
    return out


def _substitute(text: str, variables: dict[str, str]) -> str:
    for _ in range(5):  # variables may refer to variables
        new = _VAR.sub(lambda m: variables.get(m.group(1), m.group(0)), text)
        if new == text:
            break
        text = new
    return text


def _forget_auth_values(auth: Any) -> None:
    if not isinstance(auth, dict):
        return
    for params in auth.values():
        if isinstance(params, list):
            for p in params:
                if isinstance(p, dict) and isinstance(p.get("value"), str) and not _VAR.fullmatch(p["value"].strip()):
                    register_secret(p["value"], "postman-auth")


def _url_path(url: Any, variables: dict[str, str]) -> tuple[str, dict[str, str]] | None:
    examples: dict[str, str] = {}
    if isinstance(url, dict):
        examples = {k: v for k, v in _variables(url.get("variable")).items() if re.fullmatch(r"[\w.-]{1,64}", v)}
        raw = url.get("raw")
        if not isinstance(raw, str):
            path = url.get("path")
            if isinstance(path, str):
                raw = "/" + path.lstrip("/")
            elif isinstance(path, list):
                raw = "/" + "/".join(str(s.get("value", "") if isinstance(s, dict) else s) for s in path)
            else:
                return None
    elif isinstance(url, str):
        raw = url
    else:
        return None
    text = _substitute(raw.strip(), variables)
    text = re.sub(r"^\{\{[^{}]*\}\}", "", text)  # an unresolved {{baseUrl}} in front
    if "://" in text:
        text = urlsplit(text).path or "/"
    elif not text.startswith("/"):
        # "example.com/api/x" without a scheme: the first segment is the host
        text = "/" + text.split("/", 1)[1] if "/" in text else "/"
    return text, examples


def _body_fields(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    if body.get("mode") == "raw" and isinstance(body.get("raw"), str):
        try:
            doc = json.loads(body["raw"])
        except ValueError:
            return []
        return [k for k, v in doc.items() if isinstance(v, str)] if isinstance(doc, dict) else []
    if body.get("mode") in ("urlencoded", "formdata") and isinstance(body.get(body["mode"]), list):
        return [p["key"] for p in body[body["mode"]] if isinstance(p, dict) and isinstance(p.get("key"), str)]
    return []


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def parse_postman_document(d: Document) -> list[Endpoint]:
    doc = d.data
    if not isinstance(doc, dict):
        raise d.error("not a Postman collection: the top level must be an object")
    if "requests" in doc and "item" not in doc:
        raise d.error("this is a Postman v1 collection; export it again as 'Collection v2.1'")
    info = doc.get("info")
    schema = info.get("schema", "") if isinstance(info, dict) else ""
    if not isinstance(info, dict) or "getpostman.com" not in str(schema) and "postman" not in str(schema):
        raise d.error("not a Postman collection (no info.schema naming the Postman collection format)", ("info",))
    if "v1." in str(schema):
        raise d.error("Postman v1 collections are not supported; export as 'Collection v2.1'", ("info", "schema"))
    if not isinstance(doc.get("item"), list):
        raise d.error("must be a list of requests and folders", ("item",))
    variables = _variables(doc.get("variable"))
    name = d.name.rsplit("/", 1)[-1]
    out: list[Endpoint] = []

    def walk(items: list, loc: tuple, folders: list[str], auth: Any) -> None:
        for i, it in enumerate(items):
            here = loc + (i,)
            if not isinstance(it, dict):
                raise d.error("must be a request or a folder (an object)", here)
            own_auth = it.get("auth")
            _forget_auth_values(own_auth)
            effective = own_auth if isinstance(own_auth, dict) and own_auth.get("type") not in (None, "inherit") else auth
            if isinstance(it.get("item"), list):
                walk(it["item"], here + ("item",), folders + [str(it.get("name", ""))], effective)
                continue
            req = it.get("request")
            if req is None:
                raise d.error("has neither 'request' nor 'item'", here)
            if isinstance(req, str):
                req = {"method": "GET", "url": req}
            if not isinstance(req, dict):
                raise d.error("must be an object or a URL string", here + ("request",))
            req_auth = req.get("auth")
            _forget_auth_values(req_auth)
            if isinstance(req_auth, dict) and req_auth.get("type") not in (None, "inherit"):
                effective = req_auth
            method = str(req.get("method", "GET")).upper()
            if method not in METHODS:
                raise d.error(f"method '{method}' is not one of {', '.join(METHODS)}", here + ("request", "method"))
            parsed = _url_path(req.get("url"), variables)
            if parsed is None:
                raise d.error("missing or not a URL", here + ("request", "url"))
            path, examples = parsed
            tags = {_slug(f) for f in folders if _slug(f)}
            auth_type = effective.get("type") if isinstance(effective, dict) else None
            declared = None if auth_type is None else auth_type == "noauth"
            if declared:
                tags.add("public")
            label = " / ".join(folders + [str(it.get("name", method + " " + path))])
            out.append(Endpoint(method, path, tags, {"postman"}, [f"{name}: {label}"], examples,
                                _body_fields(req.get("body")), declared))

    collection_auth = doc.get("auth")
    _forget_auth_values(collection_auth)
    walk(doc["item"], ("item",), [], collection_auth if isinstance(collection_auth, dict) else None)
    return out
