"""The authorization matrix at scale: 200 endpoints x 4 roles (plus the implicit anonymous role).

A local bearer-JWT API (tests/targets/ledger_api.py, fixed build) publishes a 200-operation OpenAPI
spec; the audit discovers it, logs in as 4 roles and runs the matrix probe alone at the default
limits (rate 20 requests/s per host, budget 1500). Printed: wall time, requests counted by the
client and requests the server logged (they must be equal), and the matrix's cell counts.
Target: 60 s or less.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

RESOURCES = 30  # x 5 operations (list, create, read, update, delete)
ADMIN_REPORTS = 38  # finance-only GET routes
TARGET_S = 60.0


def main() -> int:
    from targets.ledger_api import LedgerApi, config_toml, ledger_env

    from wizard.checklist import load_checklist
    from wizard.config import load_config, resolve_credentials
    from wizard.engine.runner import Engine
    from wizard.paths import default_checklist_dir
    from wizard.probes import load_probe
    from wizard.session import AuditSession, ChecklistRef

    with tempfile.TemporaryDirectory() as tmp, LedgerApi(fixed=True, extra_resources=RESOURCES,
                                                         extra_admin=ADMIN_REPORTS) as api:
        endpoints = sum(len([m for m in ops if m != "parameters"]) for ops in api.spec()["paths"].values())
        cfg_path = Path(tmp) / "launch-ready.toml"
        cfg_path.write_text(config_toml(api.base_url), encoding="utf-8")
        config = load_config(cfg_path)
        checklist = load_checklist(default_checklist_dir())
        session = AuditSession.create(None, ChecklistRef(id=checklist.id, version=checklist.version), config.public_dict())
        engine = Engine(checklist, config, resolve_credentials(config, ledger_env()))
        started = time.perf_counter()
        summary = engine.run(session, [load_probe("authz")])
        wall = time.perf_counter() - started
        counted = sum(summary.requests.values())
        served = len(api.access_log)
        matrix = next(f for f in session.findings if f.rule == "authz.matrix")
        counts = matrix.data.get("counts", {})
        roles = len(config.roles)
    ok = wall <= TARGET_S and counted == served and summary.outcomes.get("authz") == "ok"
    print(f"authz     {endpoints}-endpoint x {roles}-role matrix (+ anonymous)  {wall:5.1f} s   "
          f"(target <= {TARGET_S:.0f} s at {config.limits.rate_per_host:g} req/s)  {'ok' if ok else 'MISSED'}")
    print(f"          requests: {counted} counted by the client ({', '.join(f'{k} {v}' for k, v in summary.requests.items())}), "
          f"{served} logged by the server; budget {config.limits.request_budget}")
    print("          cells: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + f"; verdict: {matrix.title}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
