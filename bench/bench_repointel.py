"""Repository intelligence and guided-verification figures, measured side by side in one run.

A generated monorepo (the six test stacks copied many times, plus a 900 KB minified bundle and a 1 MB
YAML file) is analysed from scratch; the floor is listing the tracked files and reading every one of
them once, which any analysis has to do.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def median_time(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def big_repo(folder: Path, copies: int) -> tuple[Path, int]:
    from repo_fixtures import LAYOUTS, git_repo

    files: dict[str, str] = {}
    for n in range(copies):
        for name, make in LAYOUTS.items():
            layout = make()
            for rel, text in {**layout.files, **layout.monitoring, **layout.audit}.items():
                files[f"services/{name}-{n}/{rel}"] = text
    files["web/dist/bundle.min.js"] = "var a=process.env.API_BASE;" + "x=1;" * 225_000  # one 900 KB line
    files["ops/huge.yaml"] = "".join(f"key{i}: value-{i}\n" for i in range(60_000))
    return git_repo(folder, files), len(files)


def main() -> None:
    from wizard.repointel import analyse, cached_analysis
    from wizard.repointel.files import RepoFiles
    from wizard.repointel.rules import load_rules
    from wizard.verify import alert
    from wizard.verify.auditline import check_audit_line

    print("repointel  (median of 3; ratios compare runs on this machine)")
    with tempfile.TemporaryDirectory() as tmp:
        repo, count = big_repo(Path(tmp) / "mono", copies=40)
        rules = load_rules()

        def floor():
            files = RepoFiles.open(repo, rules)
            for p in files.paths:
                (repo / p).read_bytes()

        floor_t = median_time(floor)
        full_t = median_time(lambda: analyse(repo))
        intel = analyse(repo)
        cached_analysis(repo)
        cached_t = median_time(lambda: cached_analysis(repo), repeat=5)
        print(f"  repo: {count} tracked files; found {len(intel.env_vars)} env var names, {len(intel.signals)} signals, "
              f"{len(intel.admin_actions)} admin actions")
        print(f"  floor: list + read every file    {floor_t * 1000:7.0f} ms")
        print(f"  analyse() from scratch           {full_t * 1000:7.0f} ms  ({full_t / floor_t:.1f}x the floor)")
        print(f"  cached_analysis() again          {cached_t * 1000:7.2f} ms")

    lines = [
        '{"ts": "2026-11-12T14:03:11Z", "actor_id": 42, "action": "user.role_changed", "target_id": 1017, "request_id": "r", "outcome": "ok"}',
        'time=2026-11-12T14:03:11 level=info msg="customer export downloaded" user=dana',
    ] * 2_500
    t = time.perf_counter()
    for line in lines:
        check_audit_line(line)
    per = (time.perf_counter() - t) / len(lines)
    print(f"verify     audit-log line check      {per * 1e6:7.0f} us per line ({len(lines)} lines, JSON and key=value)")
    hostile = '{"actor_id": 1, "pad": "' + "x" * 1_000_000 + '"}'
    hostile_t = median_time(lambda: check_audit_line(hostile))
    print(f"           1 MB hostile paste         {hostile_t * 1000:7.1f} ms (bounded to 20,000 characters)")
    code, pending = alert.issue()
    check_t = median_time(lambda: alert.check(f"alert {code}", pending), repeat=5)
    print(f"           alert challenge check      {check_t * 1000:7.1f} ms (PBKDF2, 100,000 iterations)")


if __name__ == "__main__":
    main()
