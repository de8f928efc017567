"""The HTML report: Jinja2 with autoescape on and StrictUndefined, from the bundled templates.

Nothing untrusted is ever marked safe: headers, evidence, answers and notes go through autoescape.
The only `Markup` is the bundled stylesheet, read from the templates folder.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from wizard.paths import templates_dir
from wizard.redact import scrub
from wizard.report.data import ReportData

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
_WEBLINK = re.compile(r"^https?://[^\s\"'<>`]+$")


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
    )
    env.filters.update(hours=hours, plain=plain, css=css_class, stamp=stamp)
    env.tests["weblink"] = is_weblink
    return env


def render_html(data: ReportData) -> str:
    """The whole report as one self-contained HTML document (stylesheet inline, logo as data: URI)."""
    css = (templates_dir() / STYLESHEET).read_text(encoding="utf-8")
    html = environment().get_template(TEMPLATE).render(r=data, css=Markup(css))
    return scrub(html)


def render(data: ReportData) -> str:
    return render_html(data)
