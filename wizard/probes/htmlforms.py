"""The forms of an HTML page: where they post, and their fields with the values the page filled in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Names frameworks give their anti-CSRF token (Django, Rails, Laravel, ASP.NET, Spring, Flask-WTF, Express).
TOKEN_FIELD = re.compile(r"csrf|xsrf|^_token$|authenticity_token|requestverificationtoken|^_csrf$", re.I)
TEXT_TYPES = ("text", "search", "", "textarea")


@dataclass
class Field:
    name: str
    value: str
    type: str  # input type, "textarea" or "select"


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def data(self, **changes: str) -> dict[str, str]:
        out = {f.name: f.value for f in self.fields if f.type not in ("submit", "button", "image", "file", "reset")}
        out.update(changes)
        return out

    @property
    def token_fields(self) -> list[str]:
        return [f.name for f in self.fields if TOKEN_FIELD.search(f.name)]

    def value(self, name: str) -> str | None:
        return next((f.value for f in self.fields if f.name == name), None)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            if not self._select.value or "selected" in a:
                self._select.value = a.get("value", "")
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append(Field(a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else ""), kind))
        elif tag == "textarea":
            self._textarea = Field(a["name"], "", "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field(a["name"], "", "select")
            self._form.fields.append(self._select)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def forms_in(html: str) -> list[Form]:
    parser = _Parser()
    try:
        parser.feed(html[:500_000])
        parser.close()
    except Exception:  # a malformed page gives the forms read so far  # noqa: BLE001
        pass
    return parser.forms
