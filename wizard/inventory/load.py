"""Build the inventory from every source the config names, then apply the person's tags and exclusions."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from wizard.inventory.model import Endpoint, merge, normalise_path, template_key
from wizard.inventory.tags import apply_default_tags

if TYPE_CHECKING:
    from wizard.config import Config


def is_url(value: str | None) -> bool:
    return bool(value) and str(value).startswith(("http://", "https://"))


def route_matches(pattern: str, ep: Endpoint) -> bool:
    """`GET /admin/*`, `* /api/customers/{id}`, `/health` (any method): globs on the path template."""
    method, _, path = pattern.strip().partition(" ")
    if not path:
        method, path = "*", method
    if method != "*" and method.upper() != ep.method:
        return False
    want = template_key(normalise_path(path)[0]) if "*" not in path else path
    return fnmatch.fnmatchcase(template_key(ep.path), want) or fnmatch.fnmatchcase(ep.path, path)


def strip_base_path(endpoints: list[Endpoint], base_url: str | None) -> list[Endpoint]:
    """Paths from specs and recordings are absolute; probes join them to the target URL, which may
    already carry a prefix (https://host/app)."""
    base = urlsplit(base_url).path.rstrip("/") if base_url else ""
    if not base:
        return endpoints
    for ep in endpoints:
        if ep.path == base or ep.path.startswith(base + "/"):
            ep.path = ep.path[len(base):] or "/"
    return endpoints


def _file_sources(config: "Config") -> list[list[Endpoint]]:
    from wizard.inventory.document import read_document
    from wizard.inventory.har import parse_har_document
    from wizard.inventory.openapi import parse_openapi_document
    from wizard.inventory.plainlist import parse_list
    from wizard.inventory.postman import parse_postman_document

    e = config.endpoints
    base = config.target.url
    lists = []
    if e.list:
        lists.append(parse_list(config.resolve(e.list)))
    if e.openapi and not is_url(e.openapi):
        doc = read_document(config.resolve(e.openapi), "OpenAPI spec")
        lists.append(strip_base_path(parse_openapi_document(doc), base))
    if e.postman:
        doc = read_document(config.resolve(e.postman), "Postman collection", yaml_ok=False)
        lists.append(strip_base_path(parse_postman_document(doc), base))
    if e.har:
        doc = read_document(config.resolve(e.har), "HAR file", yaml_ok=False)
        lists.append(strip_base_path(parse_har_document(doc, set(config.target.scope) or None), base))
    if e.from_source and config.target.repo:
        from wizard.inventory.source import extract_routes

        repo = config.resolve(config.target.repo)
        if repo is not None and repo.is_dir():
            lists.append(extract_routes(repo))
    return lists


def finish(config: "Config", lists: list[list[Endpoint]]) -> list[Endpoint]:
    """Merge, tag by path words, then apply the person's own tags and exclusions (they win)."""
    endpoints = merge(*lists)
    apply_default_tags(endpoints)
    e = config.endpoints
    for pattern, tags in e.tags.items():
        hits = [ep for ep in endpoints if route_matches(pattern, ep)]
        for ep in hits:
            for tag in tags:
                if tag.startswith("-"):
                    ep.tags.discard(tag[1:].lower())
                else:
                    ep.tags.add(tag.lower())
                    ep.sources.add("config")
    return [ep for ep in endpoints if not any(route_matches(p, ep) for p in e.exclude)]


def load_inventory(config: "Config") -> list[Endpoint]:
    """Every file and source-code route, merged (no network: see `build_inventory` for URLs)."""
    return finish(config, _file_sources(config))


async def build_inventory(config: "Config", http) -> list[Endpoint]:
    """`load_inventory` plus a spec fetched from a URL or discovered on the live app."""
    from wizard.inventory.discover import discover_spec, fetch_spec

    lists = _file_sources(config)
    e = config.endpoints
    if is_url(e.openapi):
        lists.append(strip_base_path(await fetch_spec(http, str(e.openapi)), config.target.url))
    elif e.discover and config.target.url:
        found = await discover_spec(http, config.target.url)
        if found:
            lists.append(strip_base_path(found, config.target.url))
    return finish(config, lists)
