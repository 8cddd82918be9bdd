"""Hostile input for the security tests, and HTML checks that it stayed inert.

`HOSTILE` is the list every text field of every form (and the score import) gets.
`problems(html)` parses a page the way a browser would and lists what an attacker
would have gained: an inline script, an event handler attribute, an htmx attribute
pointing at /logout, a javascript: URL. `read_form(html, action)` fills in a form
as a browser would submit it unchanged (hidden fields, values, checked boxes,
selected options), so a test only overrides the field it attacks.
"""

from __future__ import annotations

from html.parser import HTMLParser

#: name → value; none has leading or trailing blanks (forms strip those).
HOSTILE: dict[str, str] = {
    "script tag": '<script>alert("xss")</script>',
    "attribute breaker": '"><img src=x onerror=alert(1)>',
    "single-quote breaker": "'><svg onload=alert(1)>",
    "javascript url": "javascript:alert(document.cookie)",
    "htmx element": '<a hx-get="/logout" hx-trigger="load">x</a>',
    "htmx attribute breaker": '" hx-get="/logout" hx-trigger="load" x="',
    "template syntax": "{{ 7*7 }} {% if 1 %}x{% endif %} ${7*7}",
    "sql fragment": "'; DROP TABLE task;--",
    "rtl override": "factuur\u202egpj.exe",
    "very long unicode": "Zoë € 漢字 🙂 " * 350 + "einde",
    "10,000 characters": "x" * 10_000,
    "nul byte": "voor\x00na",
}


def refusal_reason(value: str, max_length: int) -> str | None:
    """Why a text field of `max_length` must refuse `value` (422), or None."""
    if "\x00" in value:
        return "NUL"
    if len(value) > max_length:
        return "too long"
    return None


HTMX_REQUEST_ATTRIBUTES = ("hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", *HTMX_REQUEST_ATTRIBUTES)


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.attribute_values: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        if tag == "script":
            self._in_script = True
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"<script> without a same-site src: {attrs}")
        for name, value in attrs:
            value = value or ""
            self.attribute_values.append(value)
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}= on <{tag}>")
            if name in HTMX_REQUEST_ATTRIBUTES and "/logout" in value:
                self.problems.append(f"{name}={value!r} on <{tag}>")
            if name in URL_ATTRIBUTES and "javascript:" in value.strip().lower()[:20]:
                self.problems.append(f"javascript: URL in {name}= on <{tag}>")
        if "hx-trigger" in names and tag == "a" and "hx-get" in names:
            self.problems.append(f"injected htmx link <a {attrs}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script content: {data[:60]!r}")
        self.text.append(data)


def inspect(html: str) -> _Inspector:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


def problems(html: str) -> list[str]:
    """What a hostile value gained in this page (empty when it stayed inert)."""
    return inspect(html).problems


def shows(html: str, value: str) -> bool:
    """The page shows `value` as text or as a form value (escaped in the source)."""
    inspector = inspect(html)
    return value in "".join(inspector.text) or any(
        value in attribute for attribute in inspector.attribute_values
    )


class _FormReader(HTMLParser):
    """Every POST form of a page with the fields a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.by_id: dict[str, dict] = {}
        self._stack: list[dict] = []
        self._pending: list[tuple[str, dict]] = []  # fields with form="id"
        self._textarea: tuple[dict, str] | None = None
        self._select: tuple[dict, str, bool] | None = None

    def _target(self, attrs: dict) -> dict | None:
        if attrs.get("form"):
            return self.by_id.get(attrs["form"]) or {"pending": attrs["form"]}
        return self._stack[-1] if self._stack else None

    def _add(self, form: dict | None, name: str, value: str) -> None:
        if form is None or not name:
            return
        if "pending" in form:
            self._pending.append((form["pending"], {name: value}))
            return
        form["fields"].setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            form = {
                "action": attrs.get("action") or attrs.get("hx-post") or "",
                "method": attrs.get("method", "get").lower(),
                "fields": {},
            }
            self.forms.append(form)
            if attrs.get("id"):
                self.by_id[attrs["id"]] = form
            self._stack.append(form)
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "file", "reset", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            default = "y" if kind == "checkbox" else ""
            self._add(
                self._target(attrs), attrs.get("name", ""), attrs.get("value", default)
            )
        elif tag == "textarea":
            self._textarea = (self._target(attrs), attrs.get("name", ""), [])
        elif tag == "select":
            self._select = (self._target(attrs), attrs.get("name", ""), [], [])
        elif tag == "option" and self._select is not None:
            form, name, chosen, first = self._select
            value = attrs.get("value", "")
            first.append(value)
            if "selected" in attrs:
                chosen.append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2].append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self._stack:
            self._stack.pop()
        elif tag == "textarea" and self._textarea is not None:
            form, name, parts = self._textarea
            text = "".join(parts)
            self._add(form, name, text[1:] if text.startswith("\n") else text)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            form, name, chosen, first = self._select
            for value in chosen or first[:1]:
                self._add(form, name, value)
            self._select = None

    def close(self):
        super().close()
        for form_id, field in self._pending:
            form = self.by_id.get(form_id)
            if form is not None:
                for name, value in field.items():
                    form["fields"].setdefault(name, []).append(value)


def read_form(html: str, action: str, page: str = "") -> dict[str, list[str]]:
    """The fields of the POST form of `html` (the page at `page`) that submits to
    `action` (a form without an action submits to its page)."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    for form in reader.forms:
        target = form["action"].split("?")[0] or page
        if form["method"] == "post" and target == action:
            return {name: list(values) for name, values in form["fields"].items()}
    actions = [form["action"] for form in reader.forms]
    raise AssertionError(f"no POST form to {action} on the page (forms: {actions})")
