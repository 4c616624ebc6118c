"""What every page must have, checked on every response a test gets from a Flask test client.

- an HTML page: exactly one <h1>, a <title> with text, and <html lang="…" dir="…"> where the
  language is one the portal ships and the direction is "rtl" for a right-to-left language and
  "ltr" otherwise;
- any response of a view marked ``@personal_data``: ``Cache-Control: no-store``.

Exempt, and only these: redirects (nothing is shown), responses to HEAD (no body), and responses
that are not HTML (files, JSON) from the page checks; they still need no-store if personal.
"""

from __future__ import annotations

from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from portal.web.i18n import RTL_LOCALES


class _Outline(HTMLParser):
    """The parts of a page the checks read: <html>'s attributes, the <h1>s and the title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.html_attrs: dict[str, str | None] | None = None
        self.h1_count = 0
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "html" and self.html_attrs is None:
            self.html_attrs = dict(attrs)
        elif tag == "h1":
            self.h1_count += 1
        elif tag == "title":
            self._in_title = True
            self.titles.append("")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.titles[-1] += data


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
    outline = _Outline()
    outline.feed(response.get_data(as_text=True))
    outline.close()
    assert outline.h1_count == 1, f"{where}: {outline.h1_count} <h1> elements, not 1"
    assert len(outline.titles) == 1 and outline.titles[0].strip(), f"{where}: no title, or more than one"
    attrs = outline.html_attrs or {}
    lang, direction = attrs.get("lang"), attrs.get("dir")
    assert lang in app.config["SHIPPED_LOCALES"], f"{where}: <html lang={lang!r}>"
    expected = "rtl" if lang in RTL_LOCALES else "ltr"
    assert direction == expected, f"{where}: <html lang={lang!r} dir={direction!r}>, expected dir={expected!r}"


class PageCheckingClient(FlaskClient):
    """A Flask test client that runs ``check_page()`` on every response it gets, including each
    page of a followed redirect."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        check_page(self.application, response)
        return response
