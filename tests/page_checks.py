"""What every page must have, checked on every response a test gets from a Flask test client.

- an HTML page: exactly one <h1>, a <title> with text, and <html lang="…" dir="…"> where the
  language is one the portal ships and the direction is "rtl" for a right-to-left language and
  "ltr" otherwise;
- its form fields: every id that aria-describedby names is on the page; a fieldset's own hint and
  error message (its children) are in its aria-describedby; and every control in a group marked
  with an error (usa-form-group--error) is aria-invalid="true";
- any response of a view marked ``@personal_data``: ``Cache-Control: no-store``.

Exempt, and only these: redirects (nothing is shown), responses to HEAD (no body), and responses
that are not HTML (files, JSON) from the page checks; they still need no-store if personal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from portal.web.i18n import RTL_LOCALES

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CONTROLS = {"input", "select", "textarea"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class Page(HTMLParser):
    """A page as a tree of elements, enough to check it: tolerant of what browsers tolerate."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.elements: list[Element] = []
        self._open = [self.root]
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, parent=self._open[-1])
        self._open[-1].children.append(element)
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        if any(e.tag == tag for e in self._open[1:]):
            while self._open.pop().tag != tag:
                pass

    def handle_data(self, data):
        for element in self._open[1:]:
            element.text += data

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]


def form_problems(page: Page) -> list[str]:
    """What is wrong with how the page's fields tell screen readers about hints and errors."""
    problems = []
    ids = {e.attrs["id"] for e in page.elements if e.attrs.get("id")}
    for element in page.elements:
        for named in element.attrs.get("aria-describedby", "").split():
            if named not in ids:
                problems.append(f"<{element.tag} id={element.attrs.get('id')!r}> is described by "
                                f"#{named}, which is not on the page")
    for fieldset in page.all("fieldset"):
        described = set(fieldset.attrs.get("aria-describedby", "").split())
        for child in fieldset.children:
            if child.classes() & {"usa-hint", "usa-error-message"} and child.attrs.get("id") not in described:
                problems.append(f"a fieldset's {' '.join(sorted(child.classes()))} "
                                f"#{child.attrs.get('id')} is not in its aria-describedby")
    for control in (e for e in page.elements if e.tag in CONTROLS and e.attrs.get("type") != "hidden"):
        in_error = any("usa-form-group--error" in a.classes() for a in control.ancestors())
        if in_error and control.attrs.get("aria-invalid") != "true":
            problems.append(f"<{control.tag} name={control.attrs.get('name')!r}> has an error "
                            f"but is not aria-invalid")
    return problems


def view_of(app: Flask, response: TestResponse):
    """The view function that answered the request, or None (no route matched)."""
    adapter = app.url_map.bind_to_environ(response.request.environ)
    try:
        endpoint, _args = adapter.match()
    except HTTPException:
        return None
    return app.view_functions.get(endpoint)


def check_page(app: Flask, response: TestResponse) -> None:
    request = response.request
    where = f"{request.method} {request.path} ({response.status_code})"
    if 300 <= response.status_code < 400:
        return
    if getattr(view_of(app, response), "personal_data", False):
        cache = response.headers.get("Cache-Control", "")
        assert "no-store" in cache, f"{where}: shows personal data but is sent Cache-Control: {cache!r}"
    if request.method == "HEAD" or response.mimetype != "text/html":
        return
    page = Page(response.get_data(as_text=True))
    h1_count = len(page.all("h1"))
    assert h1_count == 1, f"{where}: {h1_count} <h1> elements, not 1"
    titles = page.all("title")
    assert len(titles) == 1 and titles[0].text.strip(), f"{where}: no title, or more than one"
    html = page.all("html")
    attrs = html[0].attrs if html else {}
    lang, direction = attrs.get("lang"), attrs.get("dir")
    assert lang in app.config["SHIPPED_LOCALES"], f"{where}: <html lang={lang!r}>"
    expected = "rtl" if lang in RTL_LOCALES else "ltr"
    assert direction == expected, f"{where}: <html lang={lang!r} dir={direction!r}>, expected dir={expected!r}"
    problems = form_problems(page)
    assert not problems, f"{where}: " + "; ".join(problems)


class PageCheckingClient(FlaskClient):
    """A Flask test client that runs ``check_page()`` on every response it gets, including each
    page of a followed redirect."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        check_page(self.application, response)
        return response
