"""The Markdown report, from the same view-model and a Jinja template with escaping built in.

Markdown has no autoescape, so the environment's `finalize` escapes every `{{ }}` output by default:
HTML (`<`, `>`, `&`) is turned into entities and Markdown control characters are backslashed, so a
header value or an answer note can neither open a tag nor restyle the page. The only values that
bypass it are those the `code` / `codeblock` filters produced, which pick a backtick fence longer
than any run of backticks in the text (code spans show `<` literally; they never render HTML).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from wizard.paths import templates_dir
from wizard.redact import scrub
from wizard.report.data import ReportData
from wizard.report.html import hours, plain, stamp

TEMPLATE = "report.md.j2"

# Inline control characters; the rest (#, -, +, 1.) only matter at the start of a line.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
# A heading, a list item, a rule ("---"), or "1." / "1)" followed by a space: only these open a block.
_MD_LINE_START = re.compile(r"^([#+=-](?=[\s#+=-]|$)|\d+(?=[.)](?:\s|$)))")


class Md(str):
    """Text that is already valid, neutralised Markdown (made by the code filters only)."""


def escape_md(value: Any) -> str:
    """Plain text -> Markdown that shows exactly that text and nothing more."""
    if isinstance(value, Md):
        return value
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    # One value never spans lines: a newline could start a heading, a list or a table row.
    text = re.sub(r"\s*\n\s*", " ", text).strip()
    return _MD_LINE_START.sub(lambda m: m[1] + "\\" if m[1][0].isdigit() else "\\" + m[1], text)


def _fence(text: str, char: str = "`", minimum: int = 1) -> str:
    longest = max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)
    return char * max(minimum, longest + 1)


def code_span(value: Any) -> Md:
    text = re.sub(r"\s*\n\s*", " ", "" if value is None else str(value))
    fence = _fence(text)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return Md(f"{fence}{pad}{text}{pad}{fence}")


def code_block(value: Any, language: str = "") -> Md:
    text = ("" if value is None else str(value)).rstrip("\n")
    fence = _fence(text, minimum=3)
    lang = re.sub(r"[^A-Za-z0-9_+-]", "", language or "")
    return Md(f"{fence}{lang}\n{text}\n{fence}")


def block_lines(value: Any) -> Md:
    """Multi-line plain text as a Markdown blockquote, each line escaped; a trailing backslash keeps
    each line break (CommonMark's hard break) instead of folding the lines into one."""
    lines = [escape_md(line) for line in ("" if value is None else str(value)).splitlines()] or [""]
    return Md("\\\n".join("> " + line for line in lines))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=False,  # Markdown is not HTML; `finalize` does the escaping instead
        finalize=escape_md,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(code=code_span, codeblock=code_block, quote=block_lines, hours=hours, plain=plain, stamp=stamp)
    return env


def render(data: ReportData) -> str:
    text = environment().get_template(TEMPLATE).render(r=data)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return scrub(text)
