"""`make bench`: speed and memory figures, measured side by side in one run on this machine.

Timed tests are flaky on a shared machine; this script prints figures and ratios instead.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "launch-ready"


def timed(cmd: list[str], repeat: int = 1, **kw) -> tuple[float, subprocess.CompletedProcess]:
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, text=True, **kw)
        times.append(time.perf_counter() - t)
        if result.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed:\n{result.stderr[-2000:]}")
    return statistics.median(times), result


def child_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    print("Launch Ready benchmarks (median of repeats; compare ratios, the machine is shared)\n")
    base, _ = timed([sys.executable, "-c", "pass"], repeat=7)
    help_t, _ = timed([str(BIN), "--help"], repeat=7)
    print(f"start-up  launch-ready --help      {help_t * 1000:7.0f} ms  (bare python {base * 1000:.0f} ms; target < 300 ms)")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        demo_t, res = timed([str(BIN), "demo", "--out", str(out)])
        print(f"demo      launch-ready demo        {demo_t:7.1f} s   -> {res.stdout.strip()}")
        fixed_t, res = timed([str(BIN), "demo", "--fixed", "--out", str(out)])
        print(f"demo      launch-ready demo --fixed{fixed_t:7.1f} s   -> {res.stdout.strip()}")
        session = out / "demo-flawed.session.json"
        render_t, _ = timed([str(BIN), "report", str(session), "--out", str(out / "r.pdf")], repeat=3)
        html_t, _ = timed([str(BIN), "report", str(session), "--out", str(out / "r.html")], repeat=3)
        print(f"report    PDF render (whole process) {render_t:5.2f} s   (HTML only {html_t:.2f} s; target <= 2 s)")
    print(f"memory    peak RSS of any child      {child_peak_mb():5.0f} MB")

    for extra in sorted((ROOT / "bench").glob("bench_*.py")):
        print()
        subprocess.run([sys.executable, str(extra)], check=False, env=os.environ)


if __name__ == "__main__":
    main()
