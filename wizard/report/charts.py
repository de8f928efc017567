"""The report's pictures, drawn as SVG from the view-model: where people would rather look than read.

- the score on a bar split into its bands (cover page);
- the score across retests;
- latency: one row per endpoint, how long each request took, with p50 / p95 / p99, the p95's
  confidence interval and the p95 bar;
- the authorization matrix: endpoints by roles, every cell with its word;
- the remediation timeline: fix-before-launch work in hours 0-48, later work after launch.

Every picture also works in black and white: states are words and line styles, not only colours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from wizard.report.figures import LatencySeries, MatrixView
from wizard.report.svg import INK, MUTED, RULE, Svg, fit

WIDTH = 520.0
RED = "#b3261e"
GREEN = "#1d5e2c"
BAND_FILLS = ("#f6d5d2", "#fbe9b7", "#d6ecda", "#cfe3f3")  # lowest band first


WIDTH_MM = 180.0  # the A4 page's text width: a picture spans it unless it sits inside a box
_BASELINE = 0.846  # DejaVu Sans with line-height 1: the baseline sits 0.846 em below the box top


@dataclass
class PlacedLabel:
    text: str
    style: str  # position, size, weight and colour: numbers and our own colours only


@dataclass
class Picture:
    uri: str  # data:image/svg+xml;base64,... (the shapes)
    alt: str  # what the picture says, in words (also for screen readers)
    width_mm: float
    height_mm: float
    labels: list[PlacedLabel]  # the words, placed over the shapes by the template


def _place(label, width: float, mm: float) -> PlacedLabel:
    """`mm`: millimetres per picture unit."""
    pt = mm * 72 / 25.4
    top = (label.y - _BASELINE * label.size) * mm
    css = [f"top: {top:.2f}mm", f"font-size: {label.size * pt:.2f}pt", f"color: {label.colour}"]
    if label.anchor == "end":
        css.append(f"right: {(width - label.x) * mm:.2f}mm")
    elif label.anchor == "middle":
        half = max(4.0, min(label.x, width - label.x, 90.0))
        css += [f"left: {(label.x - half) * mm:.2f}mm", f"width: {2 * half * mm:.2f}mm", "text-align: center"]
    else:
        css.append(f"left: {label.x * mm:.2f}mm")
    if label.bold:
        css.append("font-weight: bold")
    if label.mono:
        css.append('font-family: "DejaVu Sans Mono", monospace')
    return PlacedLabel(label.text, "; ".join(css))


def _picture(svg: Svg, alt: str, width_mm: float = WIDTH_MM) -> Picture:
    mm = width_mm / svg.width
    return Picture(svg.data_uri(), alt, width_mm, svg.height * mm, [_place(lb, svg.width, mm) for lb in svg.labels])


# -- score ---------------------------------------------------------------------------------------
def _band_size(b, scale: float) -> float:
    """The font size that fits a band's name inside it, at most 8.5."""
    return min(8.5, ((min(b.high + 1, 100) - b.low) * scale - 6) / (0.58 * max(len(b.band), 1)))


def score_gauge(score: int, band: str, bands, accent: str) -> Picture:
    """`bands`: BandView(low, high, band), lowest first."""
    x0, x1, y, h = 8.0, WIDTH - 8, 22.0, 18.0
    scale = (x1 - x0) / 100
    narrow = [b for b in bands or [] if _band_size(b, scale) < 7.5]
    svg = Svg(WIDTH, 72 if narrow else 62, f"Readiness score {score} of 100: {band}")
    for i, b in enumerate(bands or []):
        left, right = x0 + b.low * scale, x0 + min(b.high + 1, 100) * scale
        svg.rect(left, y, right - left, h, fill=BAND_FILLS[min(i, len(BAND_FILLS) - 1)], stroke="#ffffff", stroke_width=1)
        if b in narrow:  # too narrow for readable words: named under the scale, never smaller than 7.5
            svg.text(min((left + right) / 2, x1 - 0.58 * 7.5 * len(b.band) / 2), y + h + 24, b.band, 7.5, "middle", fill=INK)
            continue
        size = _band_size(b, scale)
        svg.text((left + right) / 2, y + 9 + size * 0.4, fit(b.band, right - left - 4, size), size, "middle", fill=INK)
    if not bands:
        svg.rect(x0, y, x1 - x0, h, fill="#eef0f3")
    svg.rect(x0, y, x1 - x0, h, stroke=MUTED, stroke_width=0.75)
    for tick in sorted({0, 100, *(b.low for b in bands or [])}):
        tx = x0 + tick * scale
        svg.line(tx, y + h, tx, y + h + 4, MUTED, 0.75)
        svg.text(tx, y + h + 13, str(tick), 7.5, "middle", fill=MUTED)
    sx = x0 + max(0, min(100, score)) * scale
    svg.line(sx, y - 2, sx, y + h + 2, INK, 2.2)
    svg.polygon([(sx - 6, y - 12), (sx + 6, y - 12), (sx, y - 3)], fill=accent)
    anchor = "start" if score < 12 else "end" if score > 88 else "middle"
    shift = 8 if anchor == "start" else -8 if anchor == "end" else 0
    svg.text(sx + shift, y - 14 + 5, f"{score}/100", 10, anchor, bold=True)
    return _picture(svg, f"Readiness score {score} out of 100 ({band}).", width_mm=170)


def score_trend(points, bands) -> Picture:
    """`points`: TrendPoint(label, date, status, score, band), oldest first."""
    height = 130.0
    svg = Svg(WIDTH, height, "Readiness score across audits")
    left, right, top, bottom = 40.0, WIDTH - 90, 12.0, height - 34
    span = bottom - top
    for b in bands or []:
        if 0 < b.low <= 100:
            yy = bottom - b.low / 100 * span
            svg.line(left, yy, right, yy, RULE, 0.75, "3 2")
            svg.text(right + 4, yy + 3, fit(f"{b.band} ({b.low}+)", WIDTH - right - 6, 7.5), 7.5, fill=MUTED)
    svg.line(left, top, left, bottom, MUTED, 0.75)
    svg.line(left, bottom, right, bottom, MUTED, 0.75)
    for v in (0, 50, 100):
        yy = bottom - v / 100 * span
        svg.text(left - 4, yy + 3, str(v), 7.5, "end", fill=MUTED)
    n = len(points)
    xs = [left + 20 + (right - left - 40) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    coords = [(x, bottom - max(0, min(100, p.score)) / 100 * span) for x, p in zip(xs, points)]
    if n > 1:
        svg.polyline(coords, INK, 1.5)
    for (x, yy), p in zip(coords, points):
        svg.circle(x, yy, 3.5, fill="#ffffff", stroke=INK)
        svg.text(x, yy - 7, str(p.score), 9, "middle", bold=True)
        svg.text(x, bottom + 12, p.date, 7.5, "middle", fill=MUTED)
        svg.text(x, bottom + 22, fit(p.status, 110, 7.5), 7.5, "middle", fill=INK)
    alt = "Score across audits: " + ", ".join(f"{p.date} {p.score} ({p.status})" for p in points) + "."
    return _picture(svg, alt)


# -- latency -------------------------------------------------------------------------------------
def _nice(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def latency_chart(series: list[LatencySeries], bar_ms: float) -> Picture:
    rows = series[:12]
    row_h, top, axis = 36.0, 20.0, 34.0
    height = top + row_h * len(rows) + axis
    svg = Svg(WIDTH, height, "Latency distribution per endpoint")
    label_w, plot_l, plot_r = 150.0, 156.0, WIDTH - 66
    longest = max((s.p99 or s.samples[-1]) for s in rows)
    xmax = _nice(max(bar_ms * 1.2, min(longest * 1.1, bar_ms * 4), max((s.p95 or 0) * 1.15 for s in rows)))
    scale = (plot_r - plot_l) / xmax
    bins = 48
    width_bin = xmax / bins

    def x_of(ms: float) -> float:
        return plot_l + min(ms, xmax) * scale

    for i, s in enumerate(rows):
        y0 = top + i * row_h
        base = y0 + row_h - 12
        if i % 2 == 0:
            svg.rect(0, y0, WIDTH, row_h, fill="#f7f8fa")
        svg.text(4, y0 + 14, fit(s.label, label_w - 8, 8.5, mono=True), 8.5, mono=True)
        svg.text(4, y0 + 26, fit(f"n={s.n}" + (f", {s.errors} errors" if s.errors else ""), label_w - 8, 7.5), 7.5, fill=MUTED)
        counts = [0] * bins
        over = 0
        for v in s.samples:
            if v >= xmax:
                over += 1
            else:
                counts[min(bins - 1, int(v / width_bin))] += 1
        peak = max(counts) or 1
        for b, c in enumerate(counts):
            if c:
                hgt = max(1.0, (row_h - 16) * c / peak)
                svg.rect(plot_l + b * width_bin * scale + 0.3, base - hgt, width_bin * scale - 0.6, hgt, fill="#9aa5b1")
        svg.line(plot_l, base, plot_r, base, RULE, 0.5)
        if over:
            svg.text(plot_r + 2, base - 2, f"+{over}›", 7.5, fill=MUTED)
        if s.ci:
            lo, hi = s.ci
            cx1 = x_of(lo)
            cx2 = plot_r if math.isinf(hi) else x_of(hi)
            svg.line(cx1, base + 5, cx2, base + 5, INK, 1)
            svg.line(cx1, base + 2.5, cx1, base + 7.5, INK, 1)
            if not math.isinf(hi):
                svg.line(cx2, base + 2.5, cx2, base + 7.5, INK, 1)
        if s.p50 is not None:
            svg.line(x_of(s.p50), base - (row_h - 14), x_of(s.p50), base, INK, 0.8)
        if s.p99 is not None:
            svg.line(x_of(s.p99), base - (row_h - 14), x_of(s.p99), base, INK, 0.9, "1.5 1.5")
        if s.p95 is not None:
            px = x_of(s.p95)
            svg.line(px, base - (row_h - 12), px, base + 1, INK, 2)
            text = f"p95 {s.p95:.0f} ms"
            anchor = "end" if px > plot_r - 60 else "start"
            svg.text(px + (-3 if anchor == "end" else 3), y0 + 9, text, 7.5, anchor, bold=True)
        word = {"pass": "PASS", "fail": "FAIL", "warn": "WARN"}.get(s.status, "UNCLEAR")
        svg.text(WIDTH - 4, y0 + 16, word, 8.5, "end", bold=True, fill=RED if word == "FAIL" else GREEN if word == "PASS" else INK)

    bottom = top + row_h * len(rows)
    bx = x_of(bar_ms)
    svg.line(bx, top - 4, bx, bottom, RED, 1.2, "4 2")
    svg.text(bx, top - 8, f"{bar_ms:g} ms bar", 7.5, "middle", bold=True, fill=RED)
    for k in range(0, 5):
        v = xmax * k / 4
        svg.line(x_of(v), bottom, x_of(v), bottom + 3, MUTED, 0.75)
        svg.text(x_of(v), bottom + 12, f"{v:g} ms" if k == 4 else f"{v:g}", 7.5, "middle", fill=MUTED)
    svg.text(4, bottom + 27, "Bars: requests by time taken. Thick line: p95; thin: p50; dotted: p99; "
             "bracket: 95% confidence interval of the p95.", 7.5, fill=MUTED)
    hidden = len(series) - len(rows)
    alt = "; ".join(f"{s.label}: p95 {s.p95:.0f} ms, {s.status}" if s.p95 is not None else f"{s.label}: {s.status}"
                    for s in rows) + (f"; {hidden} more endpoints in the JSON report" if hidden else "")
    return _picture(svg, f"Latency per endpoint against the {bar_ms:g} ms bar: {alt}.")


# -- authorization matrix ------------------------------------------------------------------------
_CELL_STYLE = {  # kind -> (fill, text colour, bold, border dash)
    "enforced": ("#e3f1e6", GREEN, False, None),
    "bypassed": (RED, "#ffffff", True, None),
    "inconclusive": ("#ece8f4", "#4a3b6b", False, "2 1.5"),
    "not-probed": ("#f4f4f4", MUTED, False, "1 1.5"),
    "allowed": ("#eef3f8", INK, False, None),
    "other": ("#ffffff", INK, False, None),
}


def matrix_chart(matrix: MatrixView) -> Picture:
    label_w = 190.0
    n = len(matrix.roles)
    cell_w = (WIDTH - label_w - 4) / max(n, 1)
    head, row_h = 22.0, 17.0
    height = head + row_h * len(matrix.rows) + (16 if matrix.hidden_rows else 4)
    svg = Svg(WIDTH, height, "Authorization matrix: endpoints by roles")
    svg.text(4, 14, "Endpoint", 8, bold=True, fill=MUTED)
    for j, role in enumerate(matrix.roles):
        svg.text(label_w + j * cell_w + cell_w / 2, 14, fit(role, cell_w - 4, 8.5), 8.5, "middle", bold=True)
    for i, row in enumerate(matrix.rows):
        y = head + i * row_h
        svg.text(4, y + 12, fit(row.endpoint, label_w - 8, 8, mono=True), 8, mono=True)
        for j, cell in enumerate(row.cells):
            fill, colour, bold, dash = _CELL_STYLE.get(cell.kind, _CELL_STYLE["other"])
            x = label_w + j * cell_w
            svg.rect(x + 1, y + 1, cell_w - 2, row_h - 2, fill=fill, stroke=colour if dash else "#ffffff",
                     stroke_width=0.75, dash=dash)
            svg.text(x + cell_w / 2, y + 12, fit(cell.text, cell_w - 6, 8), 8, "middle", bold=bold, fill=colour)
        svg.line(4, y + row_h, WIDTH - 4, y + row_h, RULE, 0.4)
    if matrix.hidden_rows:
        svg.text(4, height - 4, f"{matrix.hidden_rows} more rows in the JSON report.", 7.5, fill=MUTED)
    alt = (f"Authorization matrix of {len(matrix.rows) + matrix.hidden_rows} endpoints by {n} roles: "
           f"{matrix.bypassed} cell{'s' if matrix.bypassed != 1 else ''} BYPASSED.")
    return _picture(svg, alt)


# -- remediation timeline ------------------------------------------------------------------------
def timeline_chart(plan, accent: str) -> Picture:
    """`plan`: PlanRows. Before-launch work sits in its window of the first 48 hours; later work after."""
    rows = plan[:30]
    row_h, head, foot = 16.0, 26.0, 18.0
    height = head + row_h * len(rows) + foot
    svg = Svg(WIDTH, height, "Remediation timeline")
    label_w, plot_l, plot_r = 176.0, 180.0, 412.0
    after_l, after_r = 420.0, WIDTH - 4
    scale = (plot_r - plot_l) / 48

    svg.rect(after_l, head - 4, after_r - after_l, row_h * len(rows) + 8, fill="#f4f4f4")
    svg.text((after_l + after_r) / 2, 10, "After launch", 8, "middle", bold=True, fill=MUTED)
    svg.text((plot_l + plot_r) / 2, 10, "Before launch: hours from now", 8, "middle", bold=True)
    for h in (0, 8, 16, 24, 36, 48):
        x = plot_l + h * scale
        svg.line(x, head - 6, x, head + row_h * len(rows), RULE, 0.5, "2 2")
        svg.text(x, head - 8 + 0.5, f"{h}h", 7.5, "middle", fill=MUTED)
    launch_x = plot_l + 48 * scale
    svg.line(launch_x, head - 6, launch_x, head + row_h * len(rows) + 4, INK, 1.4)

    for i, p in enumerate(rows):
        y = head + i * row_h
        svg.text(4, y + 11.5, fit(f"{p.number}. {p.title}", label_w - 8, 8), 8, bold=p.blocker)
        if p.before_launch and math.isfinite(p.start):
            x1 = plot_l + max(0.0, min(48.0, p.start - 1 if p.start >= 1 else p.start)) * scale
            x2 = plot_l + max(0.0, min(48.0, p.end)) * scale
            svg.rect(x1, y + 3, max(x2 - x1, 3), row_h - 6, fill=RED if p.blocker else accent)
            label = f"{p.effort_hours:g} h"
            if x2 + 26 < plot_r:
                svg.text(x2 + 3, y + 11.5, label, 7.5, fill=INK)
            else:
                svg.text(x1 - 3, y + 11.5, label, 7.5, "end", fill=INK)
        elif p.before_launch:  # before launch, but no hour window in the checklist
            svg.rect(plot_l, y + 3, plot_r - plot_l, row_h - 6, fill="#ffffff", stroke=accent, dash="3 2")
            svg.text(plot_l + 4, y + 11.5, f"{p.timeline} · {p.effort_hours:g} h", 7.5)
        else:
            svg.rect(after_l + 4, y + 3, after_r - after_l - 8, row_h - 6, fill="#ffffff", stroke=MUTED, dash="3 2")
            svg.text(after_l + 8, y + 11.5, fit(f"{p.effort_hours:g} h of work", after_r - after_l - 14, 7.5), 7.5)
    bottom = head + row_h * len(rows)
    svg.text(4, bottom + 13, "Filled bars: work in its window before launch (name in bold: a launch blocker). "
             "Dashed: after launch.", 7.5, fill=MUTED)
    before = sum(p.effort_hours for p in plan if p.before_launch)
    after = sum(p.effort_hours for p in plan if not p.before_launch)
    alt = (f"Remediation timeline: {sum(1 for p in plan if p.before_launch)} fixes before launch "
           f"({before:g} hours of work), {sum(1 for p in plan if not p.before_launch)} after ({after:g} hours).")
    return _picture(svg, alt)


__all__ = ["Picture", "latency_chart", "matrix_chart", "score_gauge", "score_trend", "timeline_chart"]
