"""The PDF report: the HTML report through WeasyPrint, with a fetcher that cannot reach anything.

WeasyPrint is imported here and only here, inside the functions (it costs about a second).
The fetcher serves `data:` URLs and files inside the bundled templates folder; every other URL
(http, https, ftp, file: outside the templates folder) is refused, so text in a finding such as
`<img src=http://...>` or `<link rel=attachment href=file:///etc/...>` can neither call out nor
embed a file, even if it ever escaped the HTML escaping.
"""

from __future__ import annotations

import gc
import mimetypes
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from wizard.paths import templates_dir
from wizard.redact import scrub
from wizard.report.data import ReportData


class BlockedURL(ValueError):
    """A URL the report renderer refuses to fetch."""


def bundled_file(url: str, root: Path | None = None) -> Path:
    """The local file a `file:` URL names, if it lies inside the templates folder; else BlockedURL."""
    root = (root or templates_dir()).resolve()
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise BlockedURL(f"refused to fetch {url!r}: only bundled assets and data: URLs are allowed")
    path = Path(unquote(parts.path)).resolve()  # resolves .. and symlinks before the check
    if not path.is_relative_to(root) or not path.is_file():
        raise BlockedURL(f"refused to fetch {url!r}: not a bundled asset")
    return path


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class BundledOnlyFetcher(URLFetcher):
        """WeasyPrint 70 fetcher: `data:` via the stock handler, bundled files read here, nothing else."""

        def __init__(self, root: Path | None = None):
            # No redirects and only the data: protocol reach the stock opener.
            super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)
            self._root = (root or templates_dir()).resolve()

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            path = bundled_file(url, self._root)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return BundledOnlyFetcher


def make_fetcher(root: Path | None = None):
    return _fetcher_class()(root)


@contextmanager
def _collector_paused():
    """Python's cycle collector off while WeasyPrint works: it allocates a few million small objects and
    the collector kept walking them (~10% of the render, for ~3 MB more peak memory)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def html_to_pdf(html: str) -> bytes:
    with _collector_paused():
        from weasyprint import HTML

        base = templates_dir().resolve().as_uri() + "/"
        document = HTML(string=html, base_url=base, url_fetcher=make_fetcher())
        return document.write_pdf()


def render(data: ReportData) -> bytes:
    from wizard.report.html import render_html

    return html_to_pdf(scrub(render_html(data, "pdf")))
