"""The HTML report: Jinja2 with autoescape on and StrictUndefined, from the bundled templates.

Nothing untrusted is ever marked safe: headers, evidence, answers and notes go through autoescape.
The only `Markup` is the bundled stylesheet, read from the templates folder, and the `ticks` filter's
output, which escapes its text before it adds <code> around `backticked` parts. Pictures are SVG documents
drawn in Python (`charts.py`) and embedded as data: URIs in <img> tags, so they need no `|safe` either.

One template serves two media: "html" (the single offline file: every stack's fix snippet) and "pdf"
(the snippet for the app's stack only, so the printed plan stays short).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from wizard.paths import templates_dir
from wizard.redact import scrub
from wizard.report import charts
from wizard.report.data import ReportData
from wizard.report.template_cache import bytecode_cache

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
MEDIA = ("html", "pdf")
_WEBLINK = re.compile(r"^https?://[^\s\"'<>`]+$")


@dataclass(frozen=True)
class Limits:
    """How much of the long parts a medium shows. The PDF is the document people read (and every page of
    it costs WeasyPrint ~0.1 s); the HTML report is the complete record. Wherever the PDF stops, it says
    how much more the HTML report has."""

    findings_in_full: int  # open findings per check shown as blocks; the rest one line each
    evidence_lines: int  # per finding
    evidence_chars: int  # per evidence line
    snippet_lines: int  # a longer fix snippet shows its first snippet_lines - 2 lines
    references: int  # named references per check (links only in the HTML)
    passing_titles: int  # "also checked, and fine" titles per check


_ALL = 10**9
LIMITS = {
    "html": Limits(_ALL, _ALL, _ALL, _ALL, _ALL, _ALL),
    "pdf": Limits(findings_in_full=8, evidence_lines=5, evidence_chars=240, snippet_lines=14, references=3,
                  passing_titles=16),
}


@dataclass
class Pictures:
    gauge: charts.Picture
    trend: charts.Picture | None
    timeline: charts.Picture | None
    latency: dict[str, charts.Picture] = field(default_factory=dict)  # item id -> picture
    matrices: dict[str, charts.Picture] = field(default_factory=dict)  # finding id -> picture


def pictures(data: ReportData) -> Pictures:
    v = data.verdict
    out = Pictures(
        gauge=charts.score_gauge(v.score, v.band, v.bands, data.look.accent),
        trend=charts.score_trend(data.retest.trend, v.bands) if data.retest and len(data.retest.trend) > 1 else None,
        timeline=charts.timeline_chart(data.plan, data.look.accent) if data.plan else None,
    )
    for g in [*data.finding_groups, *data.passing_items]:  # a READY report shows why its checks passed
        if g.latency:
            out.latency[g.item_id] = charts.latency_chart(g.latency, data.p95_ms)
        for m in g.matrices:
            out.matrices[m.finding_id] = charts.matrix_chart(m)
    return out


def hours(value: float) -> str:
    return f"{value:g}"


def plain(value: Any) -> str:
    """A config value as one line of text: lists joined, None as a dash."""
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={plain(v)}" for k, v in value.items())
    return str(value)


def stamp(value: str | None) -> str:
    """ISO timestamp -> '2026-11-02 09:03 UTC' for people; anything unparsable is shown as it is."""
    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


_TICKED = re.compile(r"`([^`\n]+)`")


def ticks(value: Any) -> Markup:
    """Fix text as written in the checklist and the probes, `like this` for a command or a header: escaped
    first, then each backtick pair becomes <code>. Nothing else is let through as markup."""
    return Markup(_TICKED.sub(r"<code>\1</code>", str(escape(value))))


def css_class(status: str) -> str:
    return re.sub(r"[^a-z0-9-]", "", status.lower()) or "info"


def is_weblink(value: Any) -> bool:
    # Only plain http(s) addresses become links; anything else (javascript:, data:) stays text.
    return isinstance(value, str) and bool(_WEBLINK.match(value))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=bytecode_cache(),
    )
    env.filters.update(hours=hours, plain=plain, css=css_class, stamp=stamp, ticks=ticks)
    env.tests["weblink"] = is_weblink
    return env


def render_html(data: ReportData, medium: str = "html") -> str:
    """The whole report as one self-contained HTML document (stylesheet inline, pictures as data: URIs)."""
    if medium not in MEDIA:
        raise ValueError(f"medium must be one of {MEDIA}")
    css = (templates_dir() / STYLESHEET).read_text(encoding="utf-8")
    html = environment().get_template(TEMPLATE).render(
        r=data, css=Markup(css), pics=pictures(data), medium=medium, lim=LIMITS[medium]
    )
    return scrub(html)


def render(data: ReportData) -> str:
    return render_html(data, "html")
