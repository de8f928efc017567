"""Report rendering: how long the PDF takes, whole process and imports included, and how much memory.

    python bench/bench_report.py [--repeat N] [--profile]

- the full demo report: `launch-ready report sample_reports/demo-flawed.session.json --out r.pdf`
  (the sample session is made with `launch-ready demo` first when it is missing); target <= 2 s;
- a large report: the demo session grown to 500 findings (copies of its findings on other routes and
  files, statuses kept); target <= 15 s;
- a machine-speed reference measured in the same run: WeasyPrint rendering a fixed 10-page text
  document in a fresh process. The machine is shared: compare ratios, not absolute seconds;
- the words-only bound: the demo PDF's own words (pdftotext) as plain paragraphs in the report's font, size,
  line height and page margins, with no tables, boxes, pictures or HTML building, rendered in a fresh
  process. No layout of those words can be quicker, so it tells whether a target is reachable for this
  content at all;
- the floor under any report PDF: the HTML report's whole process (start-up, checklist, view-model,
  templates) plus WeasyPrint's import and a one-line PDF; what is left above it is WeasyPrint laying out
  and drawing the report's own pages;
- font subsetting with HarfBuzz (libharfbuzz-subset0) against fontTools, same HTML, same process;
- `--baseline DIR`: the same renders made by another checkout (say `git worktree add /tmp/main main`),
  interleaved with this one's in the same run, so a change is judged on figures taken under the same load;
- `--profile`: a pyinstrument profile of the demo render (pip install pyinstrument; not a dependency).

Peak memory is the child process's maximum resident set size (os.wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_reports" / "demo-flawed.session.json"
LARGE = 500

REFERENCE = """
import weasyprint
para = "<p>" + "Readiness is more than a login screen: roles, secrets, monitoring and rollback. " * 8 + "</p>"
html = "<html><body style='font-family: DejaVu Sans; font-size: 9pt'>" + (para * 10 + "<div style='break-after: page'></div>") * 10 + "</body></html>"
weasyprint.HTML(string=html).write_pdf()
"""

# The floor under any report PDF: WeasyPrint imported and a one-line PDF written (fonts found, one page).
MINIMAL = """
import weasyprint
weasyprint.HTML(string="<p style='font-family: DejaVu Sans'>Launch Ready</p>").write_pdf()
"""

# The report's words and nothing else: argv[1] is pdftotext output, set as 80-word paragraphs.
WORDS_ONLY = """
import html, sys
import weasyprint
words = open(sys.argv[1], encoding="utf-8").read().split()
body = "".join("<p>" + html.escape(" ".join(words[i:i + 80])) + "</p>" for i in range(0, len(words), 80))
css = ("@page { size: A4; margin: 16mm 15mm 18mm 15mm } "
       "html { font-family: 'DejaVu Sans'; font-size: 9pt; line-height: 1.4 } p { margin: 3pt 0 5pt }")
open(sys.argv[2], "wb").write(weasyprint.HTML(string=f"<style>{css}</style>{body}").write_pdf())
"""

SUBSET = """
import sys, time
from pathlib import Path
import weasyprint.pdf.fonts as fonts
from wizard.report.pdf import html_to_pdf
html = Path(sys.argv[1]).read_text()
hb = fonts.harfbuzz_subset
html_to_pdf(html)  # warm up: fonts found, caches filled
for mode in ("harfbuzz", "fonttools") * 2:
    if mode == "harfbuzz" and hb is None:
        print("harfbuzz unavailable"); continue
    fonts.harfbuzz_subset = hb if mode == "harfbuzz" else None
    t = time.process_time(); html_to_pdf(html); print(mode, time.process_time() - t)
"""


def run_child(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench_report: {' '.join(cmd)} failed:\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out


def demo_session(tmp: Path) -> Path:
    if SAMPLE.exists():
        return SAMPLE
    print("  (no sample session: running `launch-ready demo` once, ~30 s)")
    run_child([sys.executable, "-m", "wizard", "demo", "--out", str(tmp / "demo")])
    return tmp / "demo" / "demo-flawed.session.json"


def large_session(source: Path, target: Path, count: int = LARGE) -> Path:
    """The demo session with its findings copied onto other routes and files until there are `count`."""
    doc = json.loads(source.read_text())
    originals = list(doc["findings"].values())
    findings = {}
    for n in range(count):
        f = json.loads(json.dumps(originals[n % len(originals)]))
        copy = n // len(originals)
        if copy:
            f["id"] = f"{f['id']}-{copy}"
            f["title"] = f"{f['title']} (copy {copy})"
            loc = f["location"]
            if loc.get("url"):
                loc["url"] = f"{loc['url'].rstrip('/')}/v{copy}"
            if loc.get("path"):
                loc["path"] = f"copy{copy}/{loc['path']}"
        findings[f["id"]] = f
    doc["findings"] = findings
    doc["name"] = f"{doc.get('name', 'demo')}-{count}"
    target.write_text(json.dumps(doc))
    return target


def render(session: Path, out: Path, repeat: int, baseline: Path | None = None) -> tuple[list[float], float]:
    """Render `repeat` times; with a baseline checkout, it renders first each time (to out with .base)."""
    walls, peak = [], 0.0
    for _ in range(repeat):
        if baseline:  # `python -m wizard` run from a checkout imports that checkout's wizard
            base_out = out.with_name(f"{out.stem}.base{out.suffix}")
            wall, rss, _ = run_child([sys.executable, "-m", "wizard", "report", str(session), "--out", str(base_out)],
                                     cwd=baseline)
            BASE.setdefault(out.name, []).append((wall, rss))
        wall, rss, _ = run_child([sys.executable, "-m", "wizard", "report", str(session), "--out", str(out)])
        walls.append(wall)
        peak = max(peak, rss)
    return walls, peak


BASE: dict[str, list[tuple[float, float]]] = {}  # output name -> (wall, peak MB) of each baseline render


def baseline_line(label: str, out: Path, ref: float) -> str:
    runs = BASE.get(out.name, [])
    if not runs:
        return ""
    best, peak = min(w for w, _ in runs), max(r for _, r in runs)
    base_pdf = out.with_name(f"{out.stem}.base{out.suffix}")
    return (f"  {label:<21} {best:5.2f} s best  ({pages(base_pdf)} pages, peak {peak:.0f} MB)  "
            f"/ reference = {best / ref:.2f}")


def pages(pdf: Path) -> str:
    try:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return "?"
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--baseline", type=Path, metavar="DIR", help="another checkout to compare with, in the same run")
    args = ap.parse_args()
    baseline = args.baseline.resolve() if args.baseline else None
    if baseline and not (baseline / "wizard" / "__main__.py").is_file():
        sys.exit(f"bench_report: {baseline} is not a Launch Ready checkout (no wizard/__main__.py)")

    print("Report rendering (whole process: python start-up, imports, checklist, view-model, HTML, PDF)")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp_name:
        tmp = Path(tmp_name)
        session = demo_session(tmp)
        big = large_session(session, tmp / "large.session.json")

        ref = [run_child([sys.executable, "-c", REFERENCE])[0] for _ in range(args.repeat)]
        minimal = [run_child([sys.executable, "-c", MINIMAL])[0] for _ in range(args.repeat)]
        bare = [run_child([sys.executable, "-c", "pass"])[0] for _ in range(args.repeat)]
        demo, demo_rss = render(session, tmp / "demo.pdf", args.repeat, baseline)
        large, large_rss = render(big, tmp / "large.pdf", max(1, args.repeat - 1), baseline)
        html, _ = render(session, tmp / "demo.html", args.repeat)

        words_txt, words_pdf = tmp / "demo.txt", tmp / "words-only.pdf"
        subprocess.run(["pdftotext", str(tmp / "demo.pdf"), str(words_txt)], check=True, timeout=60)
        words = [run_child([sys.executable, "-c", WORDS_ONLY, str(words_txt), str(words_pdf)])[0]
                 for _ in range(args.repeat)]
        word_count = len(words_txt.read_text(encoding="utf-8").split())

        best, med = min(demo), statistics.median(demo)
        print(f"  demo report PDF       {best:5.2f} s best, {med:5.2f} s median of {len(demo)}  "
              f"({pages(tmp / 'demo.pdf')} pages, peak {demo_rss:.0f} MB)  target <= 2 s: "
              f"{'met' if best <= 2 else 'NOT met'}")
        print(f"  {LARGE}-finding PDF      {min(large):5.2f} s best  "
              f"({pages(tmp / 'large.pdf')} pages, peak {large_rss:.0f} MB)  target <= 15 s: "
              f"{'met' if min(large) <= 15 else 'NOT met'}")
        print(f"  demo report HTML      {min(html):5.2f} s best (no WeasyPrint)")
        print(f"  machine reference     {min(ref):5.2f} s best: WeasyPrint import + a 10-page text PDF "
              f"(demo PDF / reference = {best / min(ref):.2f}, {LARGE}-finding PDF / reference = "
              f"{min(large) / min(ref):.2f})")
        # A PDF of this report cannot start before its HTML exists: the bound adds the HTML's own work
        # (the HTML process less the Python start-up both processes pay).
        bound = min(words) + max(0.0, min(html) - min(bare))
        print(f"  words-only bound      {min(words):5.2f} s best: the demo PDF's {word_count:,} words as plain "
              f"paragraphs, same font and margins, nothing else ({pages(words_pdf)} pages); with the view-model and "
              f"HTML the PDF is made from: {bound:.2f} s. No layout of this text is quicker, so 2 s is "
              f"{'within reach' if bound <= 2 else 'out of reach for this content'} (demo PDF / bound = {best / bound:.2f})")
        print(f"  floor                 {min(html) + min(minimal):5.2f} s before any page: the HTML report "
              f"({min(html):.2f} s: start-up, checklist, view-model, templates) + WeasyPrint import and a one-line "
              f"PDF ({min(minimal):.2f} s)")
        if baseline:
            print(f"  baseline {baseline}, same run:")
            print(baseline_line("demo report PDF", tmp / "demo.pdf", min(ref)))
            print(baseline_line(f"{LARGE}-finding PDF", tmp / "large.pdf", min(ref)))

        # Font subsetting: the same HTML, HarfBuzz against fontTools, CPU time in one process.
        html_in = tmp / "pdf-input.html"
        subprocess.run([sys.executable, "-c", (
            "import sys; from pathlib import Path; from wizard.audit import checklist_for_session; "
            "from wizard.session import AuditSession; from wizard.verdict import compute_verdict; "
            "from wizard.report.data import build_report_data; from wizard.report.html import render_html; "
            "s = AuditSession.load(Path(sys.argv[1])); s.path = None; c = checklist_for_session(s, None); "
            "v = compute_verdict(c, s.findings, s.answers, s.status_overrides()); "
            "Path(sys.argv[2]).write_text(render_html(build_report_data(c, s, v), 'pdf'))"),
            str(session), str(html_in)], check=True, cwd=ROOT)
        _, _, out = run_child([sys.executable, "-W", "ignore", "-c", SUBSET, str(html_in)])
        times: dict[str, list[float]] = {}
        for line in out.splitlines():
            mode, _, value = line.partition(" ")
            if value and value[0].isdigit():
                times.setdefault(mode, []).append(float(value))
        if "harfbuzz" in times:
            hb, ft = min(times["harfbuzz"]), min(times["fonttools"])
            print(f"  font subsetting       HarfBuzz {hb:.2f} s vs fontTools {ft:.2f} s CPU for the demo PDF "
                  f"(saves {ft - hb:.2f} s)")
        else:
            print("  font subsetting       libharfbuzz-subset missing: WeasyPrint falls back to fontTools "
                  "(run scripts/system-deps.sh)")

        if args.profile:
            try:
                import pyinstrument  # noqa: F401
            except ImportError:
                print("  --profile needs pyinstrument: pip install pyinstrument")
            else:
                prof = subprocess.run([sys.executable, "-m", "pyinstrument", "-r", "text", "--show", "*/wizard/*",
                                       "-m", "wizard", "report", str(session), "--out", str(tmp / "p.pdf")],
                                      capture_output=True, text=True, cwd=ROOT)
                print(prof.stdout[-6000:])


if __name__ == "__main__":
    main()
