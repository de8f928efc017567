"""Real object ids, found in the list responses a role gets: which records each test user owns.

For `/api/customers/{id}` the collection is `/api/customers`; the ids are read from the records in
its JSON answer (a top-level list, or the first list of objects inside it, such as
`{"customers": [...]}` or `{"data": {"items": [...]}}`), under the parameter's own name, then
`id`, `uuid`, `pk`, `slug`. Nested templates (`/users/{uid}/posts/{pid}`) are filled left to right.
"""

from __future__ import annotations

import re
from typing import Any

from wizard.engine.http import is_unsafe_path
from wizard.inventory.model import path_params

_SAFE_ID = re.compile(r"^[\w.@~-]{1,80}$")
MAX_IDS = 50


def _records(doc: Any, depth: int = 0) -> list[dict]:
    if isinstance(doc, list):
        return [d for d in doc if isinstance(d, dict)] if any(isinstance(d, dict) for d in doc) else []
    if isinstance(doc, dict) and depth < 3:
        for value in doc.values():
            found = _records(value, depth + 1)
            if found:
                return found
    return []


def _keys_for(param: str) -> list[str]:
    keys = [param]
    base = re.sub(r"(_id|Id|_pk|_uuid)$", "", param)
    if base != param:
        keys.append(base)
    return keys + ["id", "uuid", "pk", "_id", "slug", "key"]


def ids_in(doc: Any, param: str) -> list[str]:
    """Ids of the records in a list response, as strings, in order, without duplicates."""
    out: list[str] = []
    keys = _keys_for(param)
    for record in _records(doc):
        key = next((k for k in keys if k in record and isinstance(record[k], (str, int)) and not isinstance(record[k], bool)), None)
        if key is None:
            continue
        value = str(record[key])
        if _SAFE_ID.match(value) and value not in out:
            out.append(value)
        if len(out) >= MAX_IDS:
            break
    return out


def fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^{}]*)\}", lambda m: values.get(m.group(1), m.group(0)), template)


class IdBook:
    """Which ids each role sees in the collections, fetched through RoleRequests (cached)."""

    def __init__(self, requests):
        self.requests = requests

    async def owned(self, role: str, template: str) -> list[dict[str, str]] | None:
        """Value maps for every parameter of `template`, from `role`'s own list responses.

        None means there was no list to look in (no collection, refused, not JSON); [] an empty list.
        """
        params = path_params(template)
        if not params:
            return [{}]
        last = params[-1]
        prefix = template[: template.index("{" + last + "}")].rstrip("/")
        parents = [{}] if not path_params(prefix) else await self.owned(role, prefix)
        if not parents:
            return parents
        collection = fill(prefix, parents[0])
        if not collection or "{" in collection or is_unsafe_path(collection):
            return None
        out = await self.requests.get(role, collection)
        if not out.ok:
            return None
        try:
            doc = out.resp.json()
        except ValueError:
            return None
        if not _records(doc) and not (isinstance(doc, (list, dict))):
            return None
        return [{**parents[0], last: i} for i in ids_in(doc, last)]
