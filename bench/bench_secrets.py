"""Secret scanning speed and memory, measured side by side in one run.

Generates (with `git fast-import`, in a few seconds) a repository of realistic code churn with
some planted fake secrets, then prints:
  * the history scan time as a ratio to `git log -p --all --full-history > /dev/null` (the floor),
    measured in interleaved rounds (floor, scan, floor, scan...) so both see the same machine load;
    the median ratio and its spread over the rounds; for the default RE2 backend (parallel git
    slices, and one stream for comparison) and the stdlib-`re` fallback;
  * working-tree lines per second;
  * peak memory of the history scan on two history sizes (it must not grow with history length);
  * gitleaks on the same repo when a `gitleaks` binary is available (PATH or $GITLEAKS).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMITS = int(os.environ.get("BENCH_SECRETS_COMMITS", "5000"))
LINES_PER_COMMIT = 85
REPEAT = 3
ROUNDS = int(os.environ.get("BENCH_SECRETS_ROUNDS", "5"))

_WORDS = ("user account order invoice report export customer session audit billing refund plan team role admin "
          "search filter page limit offset cache retry queue worker event webhook notify email template status").split()
_MODULES = ("os", "json", "logging", "httpx", "starlette.routing", "app.db", "app.auth", "app.settings", "datetime")
_TEMPLATES = (
    "    {v}_token = request.headers.get('X-{W}-Token')", "    password = form.cleaned_data['password']",
    "    api_key = settings.{W}_API_KEY", "    secret = os.environ['{W}_SECRET']",
    "def {f}_{g}({a}, {b}):", "    return {a} + {b}", "    {v} = {f}_{g}({a})", "    if {v} is None:",
    "        raise ValueError('{w} {x} missing')", "import {m}", "from {m} import {f}_{g}",
    "    logger.info('{w} %s for %s', {v}, {a})", "# {w} {x} {y}: keep in sync with the {f} module", "    return {{'{w}': {v}, '{x}': {a}}}",
    "const {v} = require('{m}');", "    for {a} in {v}:",
    "        {b}.append({a}.{w}_{x})", "class {W}{X}Service:", "    \"\"\"{W} {x} handling for the {y} page.\"\"\"",
    "    timeout = {n}", "    url = f'/api/{w}/{{{a}}}/{x}'", "    await {v}.save(update_fields=['{w}', '{x}'])",
    "    assert {v}.{w} == {n}", "  {w}: {x}-{y}", "export function {f}{W}({a}) {{ return {a}.{x}; }}", "",
)


_SENSITIVE = 4  # the first templates name passwords, tokens, keys: ~2% of lines, as in real code


def _line(rng: random.Random) -> str:
    w, x, y = rng.sample(_WORDS, 3)
    template = rng.choice(_TEMPLATES[:_SENSITIVE]) if rng.random() < 0.02 else rng.choice(_TEMPLATES[_SENSITIVE:])
    return template.format(
        f=rng.choice(_WORDS), g=rng.choice(_WORDS), a=rng.choice(_WORDS), b=rng.choice(_WORDS),
        v=rng.choice(_WORDS), w=w, x=x, y=y, W=w.upper(), X=x.capitalize(), m=rng.choice(_MODULES),
        n=rng.randint(1, 5000),
    )


def _fake_token(rng: random.Random) -> str:
    return "gh" + "p_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


FILES = 400
FILE_LINES = 300


def generate_repo(path: Path, commits: int, seed: int = 7) -> dict:
    """Real-looking churn: 400 files of ~300 lines; each commit edits one file in 3 hunks (85 added lines)."""
    rng = random.Random(seed)
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    proc = subprocess.Popen(["git", "-C", str(path), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    exts = (".py", ".js", ".ts", ".yaml", ".go")
    names = [f"src/{_WORDS[i % len(_WORDS)]}/mod{i}{exts[i % len(exts)]}" for i in range(FILES)]
    contents: list[list[str] | None] = [None] * FILES
    added = planted = 0
    ts = 1_600_000_000
    for n in range(1, commits + 1):
        slot = rng.randrange(FILES)
        lines = contents[slot]
        if lines is None:
            lines = [_line(rng) for _ in range(LINES_PER_COMMIT)]
            new_lines = LINES_PER_COMMIT
        else:
            new_lines = 0
            for size in (30, 30, LINES_PER_COMMIT - 60):  # three hunks: replace 20 lines with `size` new ones
                at = rng.randrange(max(1, len(lines) - 20))
                fresh = [_line(rng) for _ in range(size)]
                lines[at:at + 20] = fresh
                new_lines += size
            if len(lines) > FILE_LINES:
                del lines[FILE_LINES:]
        if n % 250 == 0:  # a planted fake secret every 250 commits
            lines[rng.randrange(len(lines))] = f'    GITHUB_TOKEN = "{_fake_token(rng)}"'
            planted += 1
        contents[slot] = lines
        added += new_lines
        blob = ("\n".join(lines) + "\n").encode()
        msg = f"{rng.choice(_WORDS)}: update {rng.choice(_WORDS)}".encode()
        proc.stdin.write(b"".join([
            b"commit refs/heads/main\n", f"author Dev <dev@example.invalid> {ts + n * 600} +0000\n".encode(),
            f"committer Dev <dev@example.invalid> {ts + n * 600} +0000\n".encode(), b"data %d\n" % len(msg), msg, b"\n",
            f"M 100644 inline {names[slot]}\n".encode(), b"data %d\n" % len(blob), blob, b"\n",
        ]))
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("bench_secrets: git fast-import failed")
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "main"], check=True)
    return {"commits": commits, "added_lines": added, "planted": planted}


def timed(cmd: list[str], repeat: int = REPEAT, **kw) -> tuple[float, subprocess.CompletedProcess]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, **kw)
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def diff_lines(repo: Path) -> int:
    out = subprocess.run(f"git -C {repo} log -p -U0 --all --full-history --format= | grep -c '^[-+][^-+]'",
                         shell=True, capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


_SCAN = (
    "import json, resource, sys, time\n"
    "from pathlib import Path\n"
    "from wizard.secretscan.engine import Scanner\n"
    "from wizard.secretscan import history\n"
    "from wizard.secretscan.history import scan_history\n"
    "from wizard.secretscan.tree import scan_tree\n"
    "from wizard.secretscan.regex import HAVE_RE2\n"
    "if len(sys.argv) > 3:  # a forced number of git slices, whatever the machine is doing\n"
    "    history.STREAMS = int(sys.argv[3]); history._spare_cores = lambda: history.STREAMS - 1\n"
    "t0 = time.perf_counter(); s = Scanner(); t1 = time.perf_counter()\n"
    "hits = list(scan_history(Path(sys.argv[1]), s) if sys.argv[2] == 'history' else scan_tree(Path(sys.argv[1]), s, True))\n"
    "t2 = time.perf_counter()\n"
    "print(json.dumps({'hits': len({(h.rule.id, h.secret) for h in hits}), 'rules': len(s.rules), 're2': HAVE_RE2,"
    " 'load': t1 - t0, 'scan': t2 - t1, 'lines': s.stats.lines, 'streams': s.stats.git_streams, 'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
)


def timed_cpu(cmd: list[str], repeat: int = REPEAT, **kw) -> tuple[float, subprocess.CompletedProcess, float]:
    """Median wall time, the last result, and the median CPU time (user + system) of the process tree."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        before = os.times()
        t = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, **kw)
        walls.append(time.perf_counter() - t)
        after = os.times()
        cpus.append(after.children_user - before.children_user + after.children_system - before.children_system)
    return statistics.median(walls), result, statistics.median(cpus)


def scan(repo: Path, target: str, env: dict | None = None, repeat: int = REPEAT) -> tuple[float, dict, float]:
    wall, res, cpu = timed_cpu(scan_command(repo, target), repeat, env={**os.environ, **(env or {})})
    if res.returncode != 0:
        sys.exit(f"bench_secrets: scan failed:\n{res.stderr.decode()[-2000:]}")
    return wall, json.loads(res.stdout), cpu


def scan_command(repo: Path, target: str, streams: int | None = None) -> list[str]:
    return [sys.executable, "-c", _SCAN, str(repo), target, *([str(streams)] if streams else [])]


def side_by_side(commands: dict[str, list[str]], rounds: int) -> dict[str, list[tuple[float, float, bytes]]]:
    """Each round runs every command once (in a rotating order): (wall, CPU of the process tree, stdout)."""
    names = list(commands)
    out: dict[str, list[tuple[float, float, bytes]]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            before = os.times()
            t = time.perf_counter()
            res = subprocess.run(commands[name], capture_output=True)
            wall = time.perf_counter() - t
            after = os.times()
            if res.returncode != 0:
                sys.exit(f"bench_secrets: {name} failed:\n{res.stderr.decode()[-2000:]}")
            out[name].append((wall, after.children_user - before.children_user + after.children_system
                               - before.children_system, res.stdout))
    return out


def ratios(runs: dict[str, list[tuple[float, float, bytes]]], name: str, base: str = "floor") -> tuple[list[float], list[float]]:
    """Per-round wall and CPU ratios of `name` to `base`, sorted."""
    walls = sorted(a[0] / b[0] for a, b in zip(runs[name], runs[base]))
    cpus = sorted(a[1] / b[1] for a, b in zip(runs[name], runs[base]))
    return walls, cpus


def compile_bytecode() -> None:
    """Compile the package's bytecode once, as an installed wheel has it: with PYTHONDONTWRITEBYTECODE
    set (as on some dev machines) every scan would otherwise recompile its modules from source."""
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "wizard"), quiet=1)


def gitleaks_binary() -> str | None:
    return os.environ.get("GITLEAKS") or shutil.which("gitleaks")


def main() -> None:
    print("Secret scanning (wizard/secretscan): ratios measured in this run\n")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        t = time.perf_counter()
        big = tmp_path / "big"
        info = generate_repo(big, COMMITS)
        gen = time.perf_counter() - t
        lines = diff_lines(big)
        print(f"repo      {info['commits']} commits, {info['added_lines']} added lines, {lines} diff lines (+/-), "
              f"{info['planted']} planted fake tokens; generated in {gen:.1f} s with git fast-import")

        compile_bytecode()
        load_before = os.getloadavg()[0]
        gl = gitleaks_binary()
        commands = {
            "floor": ["sh", "-c", f"git -C {big} log -p --all --full-history > /dev/null"],
            "ours": scan_command(big, "history"),
            "one": scan_command(big, "history", streams=1),
            "two": scan_command(big, "history", streams=2),
        }
        if gl:
            commands["gitleaks"] = [gl, "git", "--no-banner", "--redact", "--exit-code", "0", "--log-level", "error",
                                    "--report-format", "json", "--report-path", str(tmp_path / "gl.json"), str(big)]
        runs = side_by_side(commands, ROUNDS)
        out = json.loads(runs["ours"][-1][2])
        floor = statistics.median(w for w, _, _ in runs["floor"])
        floor_cpu = statistics.median(c for _, c, _ in runs["floor"])
        walls, cpus = ratios(runs, "ours")
        one_walls, one_cpus = ratios(runs, "one")
        two_walls, two_cpus = ratios(runs, "two")
        print(f"floor     git log -p --all --full-history > /dev/null   {floor:6.2f} s  = 1.00x  (median of {ROUNDS} rounds)")
        slices = ",".join(str(json.loads(o)["streams"]) for _, _, o in runs["ours"])
        print(f"history   launch-ready, {out['rules']} rules, {'RE2' if out['re2'] else 're'}: "
              f"{statistics.median(walls):.2f}x the floor, rounds {walls[0]:.2f}-{walls[-1]:.2f}x  (target <= 1.3x; "
              f"whole process incl. start-up and {out['load']:.2f} s rule load; {out['hits']} distinct secrets)")
        print(f"          git slices per round: {slices} (a second git only when a core is free at the start); "
              f"always one git stream: {statistics.median(one_walls):.2f}x, rounds {one_walls[0]:.2f}-{one_walls[-1]:.2f}x; "
              f"always two: {statistics.median(two_walls):.2f}x, rounds {two_walls[0]:.2f}-{two_walls[-1]:.2f}x")
        print(f"          CPU of the process tree: floor {floor_cpu:.2f} s; scan {statistics.median(cpus):.2f}x "
              f"(one stream {statistics.median(one_cpus):.2f}x, two {statistics.median(two_cpus):.2f}x): git -U0 plus Python, "
              f"the wall ratio when no core is spare; "
              f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall ratios swing with it)")

        if gl:
            version = subprocess.run([gl, "version"], capture_output=True, text=True).stdout.strip()
            found = len(json.loads((tmp_path / "gl.json").read_text() or "[]"))
            gl_walls, gl_cpus = ratios(runs, "gitleaks")
            print(f"history   gitleaks {version} git, same rounds: {statistics.median(gl_walls):.2f}x the floor, rounds "
                  f"{gl_walls[0]:.2f}-{gl_walls[-1]:.2f}x; CPU {statistics.median(gl_cpus):.2f}x ({found} findings)")
        else:
            print("history   gitleaks: no binary on PATH or in $GITLEAKS (not packaged in Debian; on PyPI only as a "
                  "third-party wrapper), not compared in this run")

        tree = tmp_path / "tree"
        _make_tree(tree, files=2000, lines=200)
        tree_wall, tout, _ = scan(tree, "tree")
        print(f"tree      {tout['lines']} lines in 2000 files: {tout['scan']:.2f} s scanning = "
              f"{tout['lines'] / tout['scan']:,.0f} lines/s ({tree_wall:.2f} s for the whole process)")
        if gl:
            gdt, _ = timed([gl, "dir", "--no-banner", "--redact", "--exit-code", "0", "--log-level", "error", str(tree)])
            print(f"tree      gitleaks dir on the same tree: {gdt:.2f} s (ours {tree_wall:.2f} s, whole process)")

        half, double = tmp_path / "half", tmp_path / "double"
        generate_repo(half, COMMITS // 2, seed=8)
        generate_repo(double, COMMITS * 2, seed=9)
        _, small, _ = scan(half, "history")
        _, large, _ = scan(double, "history", repeat=1)
        print(f"memory    peak RSS of the history scan: {small['rss_mb']:.0f} MB at {COMMITS // 2} commits, "
              f"{out['rss_mb']:.0f} MB at {COMMITS}, {large['rss_mb']:.0f} MB at {COMMITS * 2} "
              f"(blocks are streamed; only distinct secrets and small bounded caches are kept)")
        half_floor, _, _ = timed_cpu(["sh", "-c", f"git -C {half} log -p --all --full-history > /dev/null"], repeat=1)
        fallback, out_re, _ = scan(half, "history", {"LAUNCH_READY_REGEX": "re"}, repeat=1)
        corpus_comparison(tmp_path, gl)
        self_noise(tmp_path, gl)
        print(f"fallback  stdlib re instead of RE2, {COMMITS // 2} commits: {fallback:.2f} s = {fallback / half_floor:.2f}x "
              f"its floor ({out_re['hits']} distinct secrets, as with RE2: {small['hits']})")


def corpus_comparison(tmp: Path, gl: str | None) -> None:
    """Recall and precision on the labelled test corpus, ours and (when present) gitleaks'."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from secret_corpus import make_corpus

    from wizard.secretscan import scan_repo

    corpus = make_corpus(tmp / "corpus")
    planted = [p.value for p in corpus.planted]

    def score(secrets: set[str]) -> tuple[float, float]:
        hit = lambda s, p: s == p or (len(p) >= 12 and p in s) or (len(s) >= 12 and s in p)  # noqa: E731
        recall = sum(any(hit(s, p) for s in secrets) for p in planted) / len(planted)
        precision = sum(any(hit(s, p) for p in planted) for s in secrets) / max(1, len(secrets))
        return recall, precision

    t = time.perf_counter()
    ours = {f._secret for f in scan_repo(corpus.path).findings}
    r, p = score(ours)
    print(f"corpus    {len(planted)} planted, {len(corpus.decoys)} decoys: launch-ready recall {r:.3f}, "
          f"precision {p:.3f} ({len(ours)} reported, {time.perf_counter() - t:.2f} s)")
    if gl:
        found: set[str] = set()
        for mode in ("git", "dir"):  # history, then the files on disk (gitleaks git skips ignored dist/)
            report = tmp / f"gl-{mode}.json"
            subprocess.run([gl, mode, "--no-banner", "--exit-code", "0", "--log-level", "error", "--report-format",
                            "json", "--report-path", str(report), str(corpus.path)], capture_output=True)
            found |= {f["Secret"] for f in json.loads(report.read_text() or "[]")}
            report.unlink()  # it holds the fake values unredacted
        r, p = score(found)
        print(f"corpus    gitleaks git + dir: recall {r:.3f}, precision {p:.3f} ({len(found)} distinct values reported)")


def self_noise(tmp: Path, gl: str | None) -> None:
    """Alerts on this very repository (every branch of its history, and the tree): a real, clean project."""
    from wizard.secretscan import scan_repo

    root = Path(__file__).resolve().parent.parent
    ours = scan_repo(root).findings
    line = f"noise     this repository (all branches + tree): launch-ready {len(ours)} alerts"
    if gl:
        report = tmp / "self.json"
        subprocess.run([gl, "git", "--no-banner", "--redact", "--exit-code", "0", "--log-level", "error",
                        "--report-format", "json", "--report-path", str(report), str(root)], capture_output=True)
        line += f", gitleaks git {len(json.loads(report.read_text() or '[]'))} alerts"
    print(line + " (fake values planted in tests count as alerts for both)")


def _make_tree(root: Path, files: int, lines: int) -> None:
    rng = random.Random(11)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for i in range(files):
        p = root / f"pkg{i % 40}" / f"mod{i}.py"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(_line(rng) for _ in range(lines)) + "\n")


if __name__ == "__main__":
    main()
