"""HAR files exported from a browser's network tab: the routes a real session actually used.

Credentials are stripped on import: no header, cookie or body value is kept. Authorization,
Cookie, Set-Cookie and API-key values (and every cookie) are registered with the redactor first,
so that even an error message quoting the file could not show them. What is kept: method, path
(query dropped), concrete ids seen in the path, and the names of string fields of JSON bodies.
Entries for hosts outside the audit scope and static files are left out.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from wizard.inventory.document import Document
from wizard.inventory.model import METHODS, Endpoint
from wizard.redact import register_secret

_SECRET_HEADERS = re.compile(r"^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-csrf-token|x-xsrf-token)$", re.I)
_SECRET_NAME = re.compile(r"pass|secret|token|key|otp|code|sig|auth|session|cookie|credential", re.I)
_STATIC = re.compile(r"\.(?:js|mjs|css|map|png|jpe?g|gif|svg|ico|webp|woff2?|ttf|eot|otf|mp4|webm|txt)$", re.I)
_STATIC_MIME = ("image/", "font/", "text/css", "javascript", "video/", "audio/")


def _forget_credentials(message: dict) -> None:
    for h in message.get("headers") or []:
        if isinstance(h, dict) and isinstance(h.get("name"), str) and _SECRET_HEADERS.match(h["name"]):
            value = str(h.get("value") or "")
            register_secret(value, "har-credential")
            # a Cookie header carries several values; each must be unprintable on its own
            for part in re.split(r";\s*", value):
                register_secret(part.partition("=")[2] if "=" in part else part, "har-credential")
            bearer = value.split(" ", 1)
            if len(bearer) == 2:
                register_secret(bearer[1], "har-credential")
    for c in message.get("cookies") or []:
        if isinstance(c, dict):
            register_secret(str(c.get("value") or ""), "har-cookie")
    # passwords in login bodies, tokens in query strings and in login answers
    for q in (message.get("queryString") or []) + ((message.get("postData") or {}).get("params") or []):
        if isinstance(q, dict) and _SECRET_NAME.search(str(q.get("name", ""))):
            register_secret(str(q.get("value") or ""), "har-credential")
    for holder in (message.get("postData"), message.get("content")):
        if isinstance(holder, dict) and isinstance(holder.get("text"), str) and "json" in str(holder.get("mimeType", "")):
            try:
                doc = json.loads(holder["text"])
            except ValueError:
                continue
            _forget_named_values(doc)


def _forget_named_values(doc, depth: int = 0) -> None:
    if depth > 6:
        return
    if isinstance(doc, dict):
        for k, v in doc.items():
            if isinstance(v, str) and _SECRET_NAME.search(str(k)):
                register_secret(v, "har-credential")
            else:
                _forget_named_values(v, depth + 1)
    elif isinstance(doc, list):
        for v in doc[:200]:
            _forget_named_values(v, depth + 1)


def _json_fields(post: object) -> list[str]:
    if not isinstance(post, dict) or "json" not in str(post.get("mimeType", "")):
        return []
    try:
        doc = json.loads(post.get("text") or "")
    except (ValueError, TypeError):
        return []
    return [k for k, v in doc.items() if isinstance(v, str)] if isinstance(doc, dict) else []


def parse_har_document(d: Document, hosts: set[str] | None = None) -> list[Endpoint]:
    doc = d.data
    log = doc.get("log") if isinstance(doc, dict) else None
    if not isinstance(log, dict):
        raise d.error("not a HAR file (no 'log' object); export it from the browser's network tab with 'Save all as HAR'")
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise d.error("must be a list of recorded requests", ("log", "entries"))
    for entry in entries:  # strip first, before anything could quote an entry
        if isinstance(entry, dict):
            for part in ("request", "response"):
                if isinstance(entry.get(part), dict):
                    _forget_credentials(entry[part])
    name = d.name.rsplit("/", 1)[-1]
    out: list[Endpoint] = []
    for i, entry in enumerate(entries):
        req = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(req, dict):
            raise d.error("has no 'request' object", ("log", "entries", i))
        url = req.get("url")
        if not isinstance(url, str) or not url:
            raise d.error("missing or not a string", ("log", "entries", i, "request", "url"))
        method = str(req.get("method", "")).upper()
        if method not in METHODS:
            continue  # CONNECT, websocket upgrades and the like are not routes to audit
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or (hosts and parts.hostname not in hosts):
            continue
        mime = str(((entry.get("response") or {}).get("content") or {}).get("mimeType", ""))
        if _STATIC.search(parts.path) or any(m in mime for m in _STATIC_MIME):
            continue
        out.append(Endpoint(method, parts.path or "/", set(), {"har"}, [f"{name} entry {i + 1}"],
                            body_fields=_json_fields(req.get("postData"))))
    return out
