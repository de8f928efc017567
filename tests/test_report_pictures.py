"""The report's pictures: a score gauge, latency per endpoint, the authorization matrix and the remediation
timeline, drawn as SVG shapes with their words as ordinary (escaped) text, in the PDF as vector graphics.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest

from wizard.model import Finding, Location, Severity, Status
from wizard.report import charts, render_report
from wizard.report.figures import latency_series, matrix_view
from wizard.report.html import pictures, render_html

from conftest import normalise
from test_report import pdf_text  # text in reading order, whitespace collapsed
from test_report import checklist, sample_session  # noqa: F401  (the module-scoped checklist fixture)

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_of(uri: str) -> ET.Element:
    assert uri.startswith("data:image/svg+xml;base64,")
    return ET.fromstring(base64.b64decode(uri.split(",", 1)[1]))


def matrix_finding(checklist, matrix, title="Role checks per endpoint") -> Finding:
    return Finding.make(probe="authz", rule="authz.matrix", key=title, item=checklist.item_for_rule("authz.matrix"),
                        status=Status.FAIL, severity=Severity.CRITICAL, title=title, data={"matrix": matrix},
                        location=Location(url="https://admin.staging.example.com"))


def latency_finding(checklist, path: str, samples: list[float], status=Status.FAIL, ci=(640.0, float("inf"))) -> Finding:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return Finding.make(probe="latency", rule="latency.p95", key=path, item=checklist.item_for_rule("latency.p95"),
                        status=status, title=f"GET {path}: p95 {p(0.95):.0f} ms is over 500 ms",
                        location=Location(url=f"https://admin.staging.example.com{path}", method="GET"),
                        data={"n": len(samples), "p50_ms": p(0.5), "p95_ms": p(0.95), "p99_ms": p(0.99),
                              "ci_ms": list(ci), "errors": 0, "samples_ms": samples})


MATRIX = {
    "roles": ["admin", "support", "anonymous"],
    "rows": [
        {"endpoint": "GET /admin/users", "cells": {"admin": "allowed", "support": "BYPASSED", "anonymous": "enforced"}},
        {"endpoint": "GET /admin/export", "cells": {"admin": "allowed", "support": "inconclusive", "anonymous": "not probed"}},
    ],
}


def test_matrix_shapes_are_read_and_an_unknown_shape_is_skipped(checklist):
    shapes = [
        MATRIX,
        {"columns": ["admin", "support"], "rows": [{"route": "GET /a", "cells": ["allowed", "BYPASSED"]}]},
        {"endpoints": ["GET /a"], "roles": ["admin", "support"], "cells": [["allowed", "BYPASSED"]]},
        {"GET /a": {"admin": "allowed", "support": "BYPASSED"}},
    ]
    for shape in shapes:
        view = matrix_view(matrix_finding(checklist, shape))
        assert view and view.bypassed == 1 and view.rows[0].endpoint.startswith("GET /a"), shape
    for junk in (None, [], "x", {"roles": "admin"}, {"rows": [1, 2]}, {"roles": ["a"], "rows": ["x"]}):
        assert matrix_view(matrix_finding(checklist, junk)) is None, junk


def test_the_authz_probes_own_matrix_reads_as_words(checklist):
    """The shape the authz probe really emits (cells are dicts with a label), not only hand-made ones."""
    from wizard.probes.authz.matrix import BYPASSED, ENFORCED, NOT_PROBED, Cell, Matrix, Row

    row = Row("GET", "/admin/export", ["admin"], "admin route", "openapi")
    row.set("anonymous", Cell(ENFORCED, "401"))
    row.set("support", Cell(BYPASSED, "got the admin's rows"))
    row.set("admin", Cell(NOT_PROBED, "tier not consented"))
    view = matrix_view(matrix_finding(checklist, Matrix(["anonymous", "support", "admin"], [row]).to_data()))
    assert view and view.bypassed == 1
    assert [c.text for c in view.rows[0].cells] == ["enforced", "BYPASSED", "not probed"]
    assert [c.kind for c in view.rows[0].cells] == ["enforced", "bypassed", "not-probed"]


def test_latency_series_reads_samples_and_ignores_junk(checklist):
    s = latency_series(latency_finding(checklist, "/slow", [100.0] * 50 + [900.0] * 10))
    assert s and s.n == 60 and s.p95 == 900.0 and s.ci[1] == float("inf") and s.samples == sorted(s.samples)
    junk = latency_finding(checklist, "/junk", [1.0])
    junk.data["samples_ms"] = ["x", None, float("nan"), -5]
    assert latency_series(junk) is None


def test_every_picture_is_svg_shapes_only_and_its_words_are_escaped_text(checklist):
    hostile = '<img src="http://127.0.0.1:9/x">'
    session = sample_session(checklist, [
        matrix_finding(checklist, {"roles": ["admin", hostile], "rows": [
            {"endpoint": f"GET /admin/{hostile}", "cells": {"admin": "allowed", hostile: "BYPASSED"}}]}),
        latency_finding(checklist, f"/search{hostile}", [120.0, 130.0, 900.0, 40_000.0] * 10),
    ])
    from wizard.report.data import build_report_data
    from wizard.verdict import compute_verdict

    data = build_report_data(checklist, session, compute_verdict(checklist, session.findings, session.answers))
    pics = pictures(data)
    all_pics = [pics.gauge, pics.timeline, *pics.latency.values(), *pics.matrices.values()]
    assert pics.timeline and pics.latency and pics.matrices
    for pic in all_pics:
        root = svg_of(pic.uri)
        assert root.tag == f"{SVG_NS}svg"
        tags = {el.tag.removeprefix(SVG_NS) for el in root.iter()}
        assert tags <= {"svg", "title", "rect", "line", "polyline", "polygon", "circle"}, tags  # no text, image, link
        assert not any(k.endswith("href") for el in root.iter() for k in el.attrib)
    html = render_html(data, "pdf")
    assert "&lt;img src=" in html and '<img src="http://127.0.0.1:9' not in html
    assert "BYPASSED" in html and 'class="lbl"' in html


def test_timeline_puts_before_launch_work_in_hours_and_later_work_after_launch(checklist):
    from wizard.report.data import build_report_data
    from wizard.verdict import compute_verdict

    session = sample_session(checklist)
    data = build_report_data(checklist, session, compute_verdict(checklist, session.findings, session.answers))
    pic = charts.timeline_chart(data.plan, "#1f4e79")
    launch_mm = 412.0 * charts.WIDTH_MM / charts.WIDTH  # the 48 h line
    words = [lb.text for lb in pic.labels]
    assert "48h" in words and "After launch" in words
    later = [p for p in data.plan if not p.before_launch]
    assert later and all(p.timeline == "after launch" for p in later)  # no slot in the 48 hours before launch
    labels = [lb for lb in pic.labels if lb.text.endswith(" h of work")]
    assert len(labels) == len(later)
    for label in labels:
        left = float(label.style.split("left: ")[1].split("mm")[0])
        assert left > launch_mm, label.style


def test_the_pdf_draws_the_matrix_and_latency_with_their_words(checklist, tmp_path):
    session = sample_session(checklist, [
        matrix_finding(checklist, MATRIX),
        latency_finding(checklist, "/api/reports/search", [300.0] * 40 + [800.0] * 5, ci=(640.0, 900.0)),
    ])
    text = normalise(pdf_text(render_report("pdf", checklist, session, tmp_path / "r.pdf")))
    for word in ("GET /admin/users", "BYPASSED", "inconclusive", "not probed", "500 ms bar", "p95 800 ms",
                 "Before launch: hours from now", "After launch", "Readiness score"):
        assert word in text, word


def test_the_matrix_grid_is_drawn_even_when_its_finding_is_past_the_pdfs_cut(checklist, tmp_path):
    """The demo has more open role-check findings than the PDF shows in full; the grid must still be there."""
    others = [Finding.make(probe="authz", rule="authz.function-level", key=f"GET /r{i}", status=Status.FAIL,
                           item=checklist.item_for_rule("authz.function-level"), severity=Severity.CRITICAL,
                           title=f"'support' can open GET /r{i}, meant for admin only",
                           location=Location(url=f"https://admin.staging.example.com/r{i}", method="GET"))
              for i in range(12)]
    session = sample_session(checklist, others + [matrix_finding(checklist, MATRIX, title="Authorization matrix")])
    text = normalise(pdf_text(render_report("pdf", checklist, session, tmp_path / "r.pdf")))
    assert "BYPASSED" in text and "GET /admin/users" in text


@pytest.mark.parametrize("score", [0, 6, 50, 89, 100])
def test_the_gauge_marks_the_score_inside_its_band(score):
    from wizard.report.data import BandView

    bands = [BandView(0, 49, "Not ready"), BandView(50, 89, "Needs work"), BandView(90, 100, "Launch-ready")]
    pic = charts.score_gauge(score, "x", bands, "#1f4e79")
    assert f"{score}/100" in [lb.text for lb in pic.labels]
    marker = [el for el in svg_of(pic.uri).iter() if el.tag == f"{SVG_NS}polygon"][0]
    x = float(marker.get("points").split()[2].split(",")[0])
    assert abs(x - (8 + score * (charts.WIDTH - 16) / 100)) < 0.2


def test_limitations_name_the_routes_and_checks_the_audit_did_not_cover(checklist):
    """A pass only covers what was sent: routes the role checks never called, checks that did not run and
    timings from a small sample are named, so a READY report never claims more than it tested."""
    from wizard.report.data import build_report_data
    from wizard.verdict import compute_verdict

    grid = {"roles": ["admin", "support"], "rows": [
        {"endpoint": "GET /admin/users", "cells": {"admin": "allowed", "support": "enforced"}},
        {"endpoint": "POST /admin/users/{id}/role", "cells": {"admin": "not probed", "support": "not probed"}}]}
    skipped = Finding.make(probe="input", rule="input.not-probed", key="POST /preferences", status=Status.SKIPPED,
                           item=checklist.item_for_rule("input.not-probed"),
                           title="POST /preferences: not checked (no example body)")
    matrix = matrix_finding(checklist, grid)
    matrix.status = Status.PASS
    session = sample_session(checklist, [matrix, skipped,
                                         latency_finding(checklist, "/api/search", [120.0] * 40, status=Status.PASS)])
    data = build_report_data(checklist, session, compute_verdict(checklist, session.findings, session.answers))
    said = " ".join(data.limitations)
    assert "sent nothing to 1 route (not probed: POST /admin/users/{id}/role)" in said
    assert "GET /admin/users" not in said
    assert "1 automated check did not run: POST /preferences: not checked (no example body)" in said
    assert "GET /api/search (n=40)" in said
