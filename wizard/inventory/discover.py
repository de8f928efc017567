"""Fetch an OpenAPI spec from a URL, or find one at the usual paths of the live app (GETs only,
through the audit's one HTTP client, so scope, budget and rate apply)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from wizard.errors import UserError
from wizard.inventory.document import parse_document
from wizard.inventory.model import Endpoint
from wizard.inventory.openapi import SPEC_PATHS, parse_openapi_document

PROBE_ID = "inventory"  # how the client counts these requests
log = logging.getLogger("launch_ready.inventory")


async def fetch_spec(http, url: str) -> list[Endpoint]:
    """The spec the person named by URL: any failure is their input's error, named clearly."""
    from wizard.engine.http import BlockedRequest, RequestFailed

    try:
        resp = await http.request("GET", url, probe=PROBE_ID)
    except (BlockedRequest, RequestFailed) as err:
        raise UserError(f"could not fetch the OpenAPI spec: {err.reason}", where=url) from None
    if resp.status != 200:
        raise UserError(f"fetching the OpenAPI spec answered {resp.status}", where=url)
    if resp.truncated:
        raise UserError("the OpenAPI spec is larger than the response size limit (limits.max_body_bytes)", where=url)
    return parse_openapi_document(parse_document(resp.text, url, "OpenAPI spec"), "openapi")


async def discover_spec(http, base_url: str) -> list[Endpoint]:
    """The first spec found at a usual path; nothing (and no error) when the app publishes none."""
    from wizard.engine.http import BlockedRequest, RequestFailed

    base = base_url.rstrip("/")
    for path in SPEC_PATHS:
        url = base + path
        try:
            resp = await http.request("GET", url, probe=PROBE_ID, follow_redirects=False)
        except (BlockedRequest, RequestFailed):
            continue
        ctype = resp.headers.get("content-type", "")
        if resp.status != 200 or "html" in ctype or resp.truncated:
            continue
        try:
            endpoints = parse_openapi_document(parse_document(resp.text, url, "OpenAPI spec"), "openapi")
        except UserError as err:
            log.info("no usable spec at %s: %s", urlsplit(url).path, err)
            continue
        for ep in endpoints:
            ep.origins = [f"{path} (served by the app) {o.split(' ', 1)[-1]}" for o in ep.origins]
        return endpoints
    return []
