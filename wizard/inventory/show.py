"""`launch-ready endpoints`: the merged inventory and the expected access, for the person to confirm.

One line per route: method and path, who should reach it (and why), tags, and every source that
named it. Edits go in the config: `[endpoints] tags` / `exclude` and `[[access]]` rules.
"""

from __future__ import annotations

import asyncio
import json
import sys


def inventory_rows(config, endpoints) -> list[dict]:
    from wizard.config import ANONYMOUS
    from wizard.engine.http import is_unsafe_path
    from wizard.probes.authz.expect import expected_access

    rows = []
    for ep in endpoints:
        exp = expected_access(ep, config) if config.roles or config.access else None
        allowed = (["everyone"] if exp and ANONYMOUS in exp.allowed else exp.allowed if exp else [])
        rows.append({**ep.to_dict(), "expected": allowed, "because": exp.because if exp else "",
                     "unsafe": is_unsafe_path(ep.path)})
    return rows


def run_endpoints(config, as_json: bool = False, discover: bool = True) -> int:
    from wizard.engine.runner import Engine
    from wizard.inventory import build_inventory, load_inventory

    async def build():
        from wizard.engine.http import ScopedClient

        async with ScopedClient(Engine(None, config).policy()) as client:  # type: ignore[arg-type]
            return await build_inventory(config, client), dict(client.sent)

    if discover and config.target.url:
        endpoints, sent = asyncio.run(build())
    else:
        endpoints, sent = load_inventory(config), {}
    rows = inventory_rows(config, endpoints)
    if as_json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    width = max((len(f"{r['method']} {r['path']}") for r in rows), default=10)
    for r in rows:
        route = f"{r['method']} {r['path']}".ljust(width)
        who = ", ".join(r["expected"]) or "-"
        flags = " [never called: changes state]" if r["unsafe"] else ""
        print(f"{route}  {who:<24} tags: {', '.join(r['tags']) or '-':<22} from: {', '.join(r['sources'])}{flags}")
    extra = f"; {sent.get('inventory', 0)} request(s) to look for a spec" if sent else ""
    print(f"{len(rows)} route(s){extra}. Edit with [endpoints] tags/exclude and [[access]] rules in the config.",
          file=sys.stderr)
    return 0
