"""The login- and write-tier probes of issue 8 on the flawed demo, side by side: wall time, requests
counted by the client against what each probe's plan announces, and the offline weak-key guess.

The fixed build's rate-limit check waits for the locked test account to unlock (the demo locks it
for 12 s after 10 failures); that wait is measured separately with the Ledger API's 10-second lock. Targets: every probe within its announced request count;
session + input + CSRF under 10 s on the flawed demo at the default rate (20 requests/s).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

TARGET_S = 10.0


def main() -> int:
    from targets.audit import demo_config, ledger_config, run_probes
    from targets.ledger_api import LedgerApi, ledger_env

    from wizard.checklist.schema import Settings
    from wizard.demo.app import demo_env
    from wizard.demo.repo import make_demo_repo
    from wizard.demo.server import DemoServer
    from wizard.inventory import load_inventory
    from wizard.probes import csrf_active, jwt as jwts, ratelimit, session
    from wizard.probes.input_validation import per_route_requests, write_routes

    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        repo = make_demo_repo(tmp / "repo", fixed=False)
        with DemoServer(fixed=False, workdir=tmp) as server:
            config = demo_config(tmp, server, repo.path, False)
            eps = load_inventory(config)
            plans = {"session": session.max_requests(config), "ratelimit": ratelimit.max_requests(config, Settings()),
                     "input": per_route_requests() * len(write_routes(config, eps)),
                     "csrf-active": csrf_active.max_requests(config, eps)}
            rows = []
            for probe in ("session", "input", "csrf-active", "ratelimit"):
                started = time.perf_counter()
                findings, summary = run_probes(config, demo_env(), [probe])
                wall = time.perf_counter() - started
                sent = summary.requests.get(probe, 0)
                bad = sum(1 for f in findings if f.status.value in ("fail", "warn"))
                within = sent <= plans[probe]
                ok &= within and summary.outcomes.get(probe) == "ok"
                rows.append((probe, wall, sent, plans[probe], bad, within))
        fast = sum(r[1] for r in rows if r[0] != "ratelimit")
        ok &= fast <= TARGET_S
        for probe, wall, sent, plan, bad, within in rows:
            print(f"{probe:<12} flawed demo  {wall:5.2f} s  {sent:3d} requests (plan: at most {plan}){'' if within else ' OVER'}"
                  f"  {bad} problems found")
        print(f"             session + input + CSRF: {fast:.2f} s (target <= {TARGET_S:.0f} s)  {'ok' if fast <= TARGET_S else 'MISSED'}")

        with LedgerApi(fixed=True) as api:
            config = ledger_config(tmp, api.base_url)
            started = time.perf_counter()
            findings, summary = run_probes(config, ledger_env(), ["ratelimit"])
            wall = time.perf_counter() - started
            unlocked = not api.failures.get("dave@ledger.test")
        lock = next(f for f in findings if f.rule == "ratelimit.lockout")
        ok &= unlocked
        print(f"ratelimit    fixed Ledger {wall:5.2f} s  {summary.requests['ratelimit']:3d} requests; {lock.title}; "
              f"account {'unlocked' if unlocked else 'STILL LOCKED'} at the end")

    token = jwts.sign({"typ": "JWT"}, {"sub": "x", "exp": 2_000_000_000}, "a-long-random-key-that-nobody-guesses")
    jwt = jwts.decode(token)
    n = 2000
    started = time.perf_counter()
    for _ in range(n):
        jwts.guess_key(jwt)
    per = (time.perf_counter() - started) / n * 1e6
    print(f"jwt          weak-key guess, offline: {len(jwts.WEAK_KEYS)} secrets in {per:.0f} us per token, 0 requests")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
