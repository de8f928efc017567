"""`make bench`: the whole HTTP surface (headers, transport, cookies, CORS, CSRF signals, exposure,
bundles, health) against the demo target on loopback: wall time and requests sent.

The demo config's limits apply (20 requests/s per host by default), so the request count sets a
floor of (requests - 1) / rate seconds; the figure beside it shows how close the run gets to it.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wizard.audit import Audit  # noqa: E402
from wizard.checklist import load_checklist  # noqa: E402
from wizard.config import load_config, resolve_credentials  # noqa: E402
from wizard.demo.app import demo_env  # noqa: E402
from wizard.demo.run import _write_config  # noqa: E402
from wizard.demo.server import DemoServer  # noqa: E402
from wizard.paths import default_checklist_dir  # noqa: E402
from wizard.session import AuditSession, ChecklistRef  # noqa: E402

PROBES = ["http-surface", "cookies", "cors", "csrf", "exposure", "bundles", "health"]
REPEAT = 3


def one_run(checklist, config) -> tuple[float, dict[str, int]]:
    session = AuditSession.create(None, ChecklistRef(id=checklist.id, version=checklist.version), config.public_dict())
    audit = Audit(checklist, config, session, resolve_credentials(config, demo_env()))
    started = time.perf_counter()
    summary = audit.run_probes(only=PROBES, skip=["csrf-active"])  # the write-tier CSRF check is issue 8's, not the surface
    elapsed = time.perf_counter() - started
    if set(summary.outcomes.values()) != {"ok"}:
        sys.exit(f"bench_http: a probe did not finish: {summary.outcomes}")
    return elapsed, summary.requests


def main() -> None:
    checklist = load_checklist(default_checklist_dir())
    print("HTTP surface against the demo target (loopback; median of %d runs; target <= 2 s)" % REPEAT)
    for fixed in (False, True):
        with tempfile.TemporaryDirectory() as tmp, DemoServer(fixed=fixed, workdir=Path(tmp)) as srv:
            config = load_config(_write_config(Path(tmp), srv, Path(tmp), fixed))
            runs = [one_run(checklist, config) for _ in range(REPEAT)]
        wall = statistics.median(t for t, _ in runs)
        requests = runs[0][1]
        total = sum(requests.values())
        rate = config.limits.rate_per_host
        per_probe = ", ".join(f"{p} {n}" for p, n in sorted(requests.items(), key=lambda kv: -kv[1]))
        build = "fixed " if fixed else "flawed"
        print(f"http      {build} build  {wall:5.2f} s  {total} requests ({per_probe})")
        print(f"          per-host rate {rate:g}/s sets a floor of {(total - 1) / rate:.2f} s for {total} requests")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
