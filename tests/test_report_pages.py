"""The demo report as stakeholders get it: every page read back as text and as pictures.

Renders the committed sample session of the flawed demo (sample_reports/demo-flawed.session.json, made by
`make samples`) so this runs in seconds; poppler-utils reads the PDF back.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from wizard.audit import checklist_for_session
from wizard.report import render_report
from wizard.report.handover import HANDOVER_FIELDS
from wizard.report.html import LIMITS
from wizard.session import AuditSession
from wizard.verdict import compute_verdict

from conftest import normalise, require_binary

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_reports" / "demo-flawed.session.json"
TEMPLATES_CSS = ROOT / "templates" / "report.css"


def run_tool(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120).stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    for binary in ("pdftotext", "pdffonts", "pdfdetach", "pdftoppm"):
        require_binary(binary)
    session = AuditSession.load(SAMPLE)
    session.path = None
    checklist = checklist_for_session(session, None)
    out = tmp_path_factory.mktemp("pages")
    pdf = render_report("pdf", checklist, session, out / "demo.pdf")
    return session, checklist, pdf, out


def page_texts(pdf: Path) -> list[str]:
    return [normalise(p) for p in run_tool("pdftotext", "-enc", "UTF-8", str(pdf), "-").split("\f") if p.strip()]


def test_the_text_has_the_verdict_every_bar_item_every_finding_and_the_handover(demo):
    session, checklist, pdf, _ = demo
    verdict = compute_verdict(checklist, session.findings, session.answers, session.status_overrides())
    text = " ".join(page_texts(pdf))
    assert verdict.headline in text
    assert text.index(verdict.headline) < text.index("2. Scorecard")
    for entry in checklist.bar:
        assert normalise(entry.title) in text, entry.title
    squeezed = squeeze(text)  # a title wrapped after "/" gets a space from pdftotext: compare without spaces
    for f in session.findings:
        assert squeeze(f.title) in squeezed, f.title
    handover = text.split("6. Handover checklist")[-1]
    for _, heading in HANDOVER_FIELDS:
        assert heading in handover, heading
    for it in checklist.items:
        assert normalise(it.title) in text, it.title


def test_every_page_is_numbered(demo):
    _, _, pdf, _ = demo
    pages = page_texts(pdf)
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page, n


def test_fonts_are_embedded_and_nothing_is_attached(demo):
    _, _, pdf, _ = demo
    rows = run_tool("pdffonts", str(pdf)).splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), rows
    assert int(run_tool("pdfdetach", "-list", str(pdf)).split()[0]) == 0


def test_no_page_draws_outside_its_margins(demo):
    """pdftoppm -r 60 pictures of every page: nothing, text or table rule, reaches the page edges."""
    from PIL import Image

    _, _, pdf, out = demo
    run_tool("pdftoppm", "-r", "60", "-png", str(pdf), str(out / "page"))
    pngs = sorted(out.glob("page-*.png"))
    assert len(pngs) == len(page_texts(pdf))
    edge = round(12 / 25.4 * 60)  # 12 mm: the page margins are 15 mm on the sides
    for png in pngs:
        img = Image.open(png).convert("L")
        w, h = img.size
        for box in ((0, 0, edge, h), (w - edge, 0, w, h)):  # left and right margins
            lo, _ = img.crop(box).getextrema()
            assert lo > 235, f"{png.name}: something is drawn in the margin {box}"


def test_the_evidence_blocks_are_whole_on_the_page(demo):
    """Every open finding's evidence, as far as the PDF shows it, is in the text: nothing cut or hidden;
    a cut keeps the first lines and the last (where probes put the conclusion) and says how much more
    the HTML report has."""
    session, checklist, pdf, _ = demo
    text = " ".join(page_texts(pdf))
    flat = squeeze(text).replace("-", "")  # wrapped lines gain a space, hyphenated ones lose or gain a hyphen
    shown = LIMITS["pdf"].evidence_lines
    in_full = shown_in_full(session, checklist)
    assert in_full
    for f in session.findings:
        if f.id in in_full:
            cut = len(f.evidence) > shown
            for line in (f.evidence[:shown - 2] + f.evidence[-1:]) if cut else f.evidence:
                assert squeeze(line[:120]).replace("-", "") in flat, (f.title, line[:120])
            if cut:
                hidden = len(f.evidence) - shown + 1
                assert f"{hidden} more line{'s' if hidden != 1 else ''} in the HTML report" in text, f.title


def squeeze(text: str) -> str:
    return "".join(text.split())


def shown_in_full(session, checklist) -> set[str]:
    """Ids of the findings the PDF shows as whole blocks (the first few of each check; the rest get a line)."""
    from wizard.report.data import build_report_data

    verdict = compute_verdict(checklist, session.findings, session.answers, session.status_overrides())
    groups = build_report_data(checklist, session, verdict).finding_groups
    return {f.id for g in groups for f in g.open[:LIMITS["pdf"].findings_in_full]}


def test_the_pdf_says_each_thing_once_and_where_the_html_has_more(demo):
    """Open findings are listed under their check, passing ones in appendix C; a long fix snippet and the
    reference links are cut with a pointer to the HTML report, which keeps them whole."""
    session, checklist, pdf, out = demo
    text = " ".join(page_texts(pdf))
    findings_part, appendix = text.split("4. Findings and fixes")[-1].split("7. Appendix")[0], text.split("7. Appendix")[-1]
    findings_part, appendix = squeeze(findings_part), squeeze(appendix)
    for f in session.findings:
        title = squeeze(f.title)
        if f.status.value in ("fail", "warn", "unknown"):
            assert title in findings_part and title not in appendix, f.title
        else:
            assert title in appendix, f.title
    assert squeeze("more lines in the HTML report") in findings_part  # the demo has fix snippets over the limit
    assert squeeze("(with links) in the HTML report") in findings_part
    html = render_report("html", checklist, session, out / "demo.html").read_text()
    assert "more lines in the HTML report" not in html and '<a href="https://' in html


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = []
    for i in (0, 2, 4):
        c = int(h[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_status_labels_read_in_greyscale():
    """Every status and retest label is a word, and its text keeps a 4.5:1 contrast with its background once
    printed in grey (contrast by luminance does not depend on hue)."""
    css = TEMPLATES_CSS.read_text()
    rules = re.findall(r"\.((?:s|c)-[a-z-]+)(?:,\s*\.[a-z-]+)*\s*\{([^}]*)\}", css)
    checked = 0
    for name, body in rules:
        bg = re.search(r"background:\s*(#[0-9a-fA-F]{3,6})", body)
        fg = re.search(r"(?<!-)color:\s*(#[0-9a-fA-F]{3,6})", body)
        if not (bg and fg):
            continue
        a, b = sorted((_luminance(bg.group(1)), _luminance(fg.group(1))), reverse=True)
        ratio = (a + 0.05) / (b + 0.05)
        assert ratio >= 4.5, f".{name}: contrast {ratio:.1f}"
        checked += 1
    assert checked >= 10, checked


def test_the_sample_reports_are_the_demo_s(demo):
    """sample_reports/ holds the flawed, fixed and retest reports and a picture of each first page."""
    for name in ("demo-flawed", "demo-fixed", "demo-retest"):
        for suffix in (".pdf", ".html", ".json", ".md", "-page1.png"):
            assert (ROOT / "sample_reports" / f"{name}{suffix}").is_file(), f"{name}{suffix}"
    retest = json.loads((ROOT / "sample_reports" / "demo-retest.json").read_text())
    assert retest["verdict"]["status"] == "READY" and {c["outcome"] for c in retest["retest"]["changes"]} == {"fixed"}


def test_the_cover_says_what_to_do_next_and_page_2_lists_blockers_in_plan_order(demo):
    """A founder who reads only page 1 learns the next step; page 2's blockers carry the plan's step
    numbers, in that order, so the two pages never disagree on what comes first."""
    from wizard.report.data import build_report_data

    session, checklist, pdf, _ = demo
    verdict = compute_verdict(checklist, session.findings, session.answers, session.status_overrides())
    data = build_report_data(checklist, session, verdict)
    first = [p for p in data.plan if p.blocker]
    cover, page2 = page_texts(pdf)[:2]
    assert data.verdict.senior_engineer  # the demo raises red flags: the next step starts there
    assert (f"What to do next: bring in a senior engineer to lead the work (the red flags above); the {len(first)} "
            f"launch blockers come first, about {sum(p.effort_hours for p in first):g} hours of work, starting with "
            f"{first[0].title}") in cover
    assert [b.id for b in data.verdict.blockers] == [p.item_id for p in first]
    assert [p.number for p in first] == list(range(1, len(first) + 1))  # blockers open the plan
    assert page2.index(f"1 {first[0].title}") < page2.index(f"2 {first[1].title}")


def test_a_ready_report_shows_what_its_passing_checks_measured(tmp_path):
    """In the fixed demo nothing fails, yet the role grid and the timings are what a reviewer wants to see."""
    session = AuditSession.load(ROOT / "sample_reports" / "demo-fixed.session.json")
    session.path = None
    checklist = checklist_for_session(session, None)
    text = " ".join(page_texts(render_report("pdf", checklist, session, tmp_path / "fixed.pdf")))
    assert "Authorization (role checks): what the audit measured" in text and "enforced" in text
    assert "Response time (p95 latency): what the audit measured" in text and "500 ms bar" in text
