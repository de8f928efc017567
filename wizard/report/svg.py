"""A very small SVG writer for the report's pictures: shapes in SVG, words as an HTML overlay.

The shapes travel as `data:image/svg+xml;base64,...` inside an <img>: WeasyPrint draws them as vector
graphics in the PDF (through the fetcher that only serves data: URLs), a browser shows them without
running anything, and no picture needs `|safe` in a template. The document is scrubbed for registered
secrets before it is base64-encoded (after encoding, the final scrub of the page could not see them).

Words are not SVG <text>: WeasyPrint lays SVG text out one letter at a time (a label of 30 letters is
30 text layouts), which made four small charts cost a third of a second. Each label is kept as a
`Label` instead, with its position in the picture's units; the template places it over the image as
ordinary, autoescaped HTML text, which is one layout per label and searchable in the PDF.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from xml.sax.saxutils import escape

from wizard.redact import scrub

INK = "#1b1b1b"
MUTED = "#5a5a5a"
RULE = "#c9ced6"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass
class Label:
    x: float  # picture units; the anchor point on the baseline, as in SVG
    y: float
    text: str
    size: float
    anchor: str  # start / middle / end
    bold: bool
    colour: str
    mono: bool


def fit(text: str, width: float, size: float, mono: bool = False) -> str:
    """`text` cut with an ellipsis so it fits `width` user units at font `size` (an estimate)."""
    per_char = size * (0.61 if mono else 0.58)
    room = max(1, int(width / per_char))
    return text if len(text) <= room else text[: max(1, room - 1)] + "…"


class Svg:
    def __init__(self, width: float, height: float, title: str):
        self.width = width
        self.height = height
        self.title = title
        self.parts: list[str] = []
        self.labels: list[Label] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str = "none", stroke: str | None = None,
             stroke_width: float = 0.75, dash: str | None = None) -> None:
        attrs = f'x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" height="{_num(max(h, 0))}" fill="{fill}"'
        if stroke:
            attrs += f' stroke="{stroke}" stroke-width="{_num(stroke_width)}"'
            if dash:
                attrs += f' stroke-dasharray="{dash}"'
        self.parts.append(f"<rect {attrs}/>")

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = INK, width: float = 1,
             dash: str | None = None) -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{stroke}" stroke-width="{_num(width)}"{extra}/>'
        )

    def polyline(self, points: list[tuple[float, float]], stroke: str = INK, width: float = 1.2) -> None:
        pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        self.parts.append(f'<polyline points="{pts}" fill="none" stroke="{stroke}" stroke-width="{_num(width)}"/>')

    def polygon(self, points: list[tuple[float, float]], fill: str = INK) -> None:
        pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        self.parts.append(f'<polygon points="{pts}" fill="{fill}"/>')

    def circle(self, x: float, y: float, r: float, fill: str = INK, stroke: str | None = None) -> None:
        extra = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
        self.parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{fill}"{extra}/>')

    def text(self, x: float, y: float, text: str, size: float = 9, anchor: str = "start", bold: bool = False,
             fill: str = INK, mono: bool = False) -> None:
        self.labels.append(Label(x, y, text, size, anchor, bold, fill, mono))

    def render(self) -> str:
        body = "".join(self.parts)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(self.width)}" height="{_num(self.height)}" '
            f'viewBox="0 0 {_num(self.width)} {_num(self.height)}" role="img">'
            f"<title>{escape(self.title)}</title>{body}</svg>"
        )

    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(scrub(self.render()).encode("utf-8")).decode("ascii")


__all__ = ["INK", "MUTED", "RULE", "Label", "Svg", "fit"]
