"""What a served HTML page tells a browser: scripts, forms, meta policies and subresource URLs.

The standard library's tolerant HTML parser, fed at most MAX_HTML characters in small pieces: it
costs a few microseconds per tag, so a hostile page of a million tiny tags would take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

MAX_HTML = 256_000  # what browsers act on first; scripts and forms of an admin page sit well within it
_FEED = 8192

# Subresources a browser blocks when they come over plain HTTP on an HTTPS page ("active" mixed
# content), and those it only upgrades or warns about ("passive"). Keys are (tag, attribute).
ACTIVE_REFS = {("script", "src"), ("iframe", "src"), ("frame", "src"), ("object", "data"), ("embed", "src"),
               ("form", "action"), ("link", "href")}
PASSIVE_REFS = {("img", "src"), ("audio", "src"), ("video", "src"), ("video", "poster"), ("source", "src"),
                ("track", "src"), ("input", "src")}
_ACTIVE_LINK_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "manifest", "import"}


@dataclass
class Form:
    method: str
    action: str
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (name, type), lower-cased


@dataclass
class Script:
    src: str | None
    inline: str = ""


@dataclass
class Subresource:
    tag: str
    url: str
    active: bool


@dataclass
class Page:
    scripts: list[Script] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    meta_csp: list[str] = field(default_factory=list)
    meta_referrer: list[str] = field(default_factory=list)
    meta_names: dict[str, str] = field(default_factory=dict)  # <meta name=... content=...>, lower-cased names
    subresources: list[Subresource] = field(default_factory=list)
    asset_urls: list[str] = field(default_factory=list)  # every src/href, for folder hints


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._script: Script | None = None
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        page = self.page
        if tag == "script":
            self._script = Script(a.get("src") or None)
            page.scripts.append(self._script)
        elif tag == "form":
            self._form = Form(a.get("method", "get").lower() or "get", a.get("action", ""))
            page.forms.append(self._form)
        elif tag in ("input", "button", "textarea", "select") and self._form is not None and a.get("name"):
            self._form.inputs.append((a["name"].lower(), a.get("type", "text").lower()))
        elif tag == "meta":
            equiv = a.get("http-equiv", "").lower()
            if equiv == "content-security-policy":
                page.meta_csp.append(a.get("content", ""))
            name = a.get("name", "").lower()
            if name == "referrer":
                page.meta_referrer.append(a.get("content", ""))
            elif name:
                page.meta_names[name] = a.get("content", "")
        rels = set(a.get("rel", "").lower().split())
        for attr in ("src", "href", "action", "data", "poster"):
            ref = a.get(attr, "").strip()
            if not ref:
                continue
            if attr in ("src", "href") and tag != "a":
                page.asset_urls.append(ref)
            if (tag, attr) in PASSIVE_REFS:
                page.subresources.append(Subresource(tag, ref, False))
            elif (tag, attr) in ACTIVE_REFS and (tag != "link" or rels & _ACTIVE_LINK_RELS):
                page.subresources.append(Subresource(tag, ref, True))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._script is not None and self._script.src is None:
            self._script.inline += data


def parse_html(text: str) -> Page:
    parser = _Parser()
    text = text[:MAX_HTML]
    try:
        for i in range(0, len(text), _FEED):  # small pieces keep the parser's buffer handling linear
            parser.feed(text[i:i + _FEED])
        parser.close()
    except (AssertionError, ValueError):  # the stdlib parser's rare give-ups on broken markup
        pass
    return parser.page


def is_html(resp) -> bool:
    ctype = resp.headers.get("content-type", "").lower()
    if "html" in ctype:
        return True
    head = resp.body[:512].lstrip().lower()
    return not ctype and (head.startswith(b"<!doctype html") or head.startswith(b"<html"))
