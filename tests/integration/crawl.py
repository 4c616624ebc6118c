"""Walking the portal as a browser does: the links and forms on its pages, and every journey.

Used by the tests that must reach every page (the bad-input fuzz test and the caching test) without
a hand-made list: pages are found by following links from the home page and by answering every
service's questions through the forms on its pages, with ordinary answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from portal import create_app

from ..conftest import _clean, post_form
from ..helpers import reference_on, tracking_link_on
from .test_accounts import sign_in, sign_up

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NOT_THE_PASSWORD = "not the password of anyone"


@pytest.fixture
def app_without_rate_limits(_schema):
    """The app, with rate limits off: a crawl signs in and sends many forms quickly."""
    app = create_app({**_schema, "RATELIMIT_ENABLED": False})
    _clean(app)
    yield app
    app.extensions["db_engine"].dispose()


@dataclass
class Field:
    name: str
    kind: str  # the input's type, or "textarea", "select", "submit"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Form:
    page: str
    action: str
    method: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)

    def names(self) -> list[str]:
        return list(dict.fromkeys(f.name for f in self.fields if f.name))

    def kind_of(self, name: str) -> str:
        return next(f.kind for f in self.fields if f.name == name)


class _Page(HTMLParser):
    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url, self.forms, self.links = url, [], []
        self._form: Form | None = None
        self._open: Field | None = None  # a textarea or select being read

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form":
            self._form = Form(self.url, urljoin(self.url, a.get("action") or self.url),
                              (a.get("method") or "get").lower(), a.get("enctype") == "multipart/form-data")
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            self._form.fields.append(Field(a["name"], a.get("type", "text"), a.get("value", ""),
                                           "checked" in a, attrs=a))
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.fields.append(Field(a["name"], "submit", a.get("value", ""), attrs=a))
        elif tag in ("textarea", "select"):
            self._open = Field(a["name"], tag, attrs=a)
            self._form.fields.append(self._open)
        elif tag == "option" and self._open is not None:
            self._open.options.append(a.get("value", ""))
            if "selected" in a or not self._open.value:
                self._open.value = a.get("value", "")

    def handle_data(self, data):
        if self._open is not None and self._open.kind == "textarea":
            self._open.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag in ("textarea", "select"):
            self._open = None


def parse(url: str, html: str) -> _Page:
    page = _Page(url)
    page.feed(html)
    return page


def local(url: str) -> str | None:
    """The path and query of a link to this site, or None for another site or a fragment."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start: list[str], limit: int = 400) -> dict:
    """Every page reachable by following links from ``start`` (language links aside): path -> response."""
    pages, queue = {}, list(dict.fromkeys(start))
    while queue and len(pages) < limit:
        path = queue.pop(0)
        if path in pages or "lang=" in path or path.startswith("/static/"):
            continue
        response = pages[path] = client.get(path)
        if response.status_code in (301, 302, 303) and local(response.location):
            queue.append(local(response.location))
        if response.status_code == 200 and response.mimetype == "text/html":
            queue.extend(link for link in map(local, parse(path, response.get_data(as_text=True)).links) if link)
    return pages


# --- Filling a form as a resident would -----------------------------------------------------------

BY_NAME = {
    "day": "1", "month": "1", "year": "2025", "time": "10:30", "street": "12 Main Street",
    "city": "Riverton", "zip": "20500", "line1": "12 Main Street", "name": "Ana Díaz",
    "email": "ana@example.com", "phone": "202 555 0143", "contact": "ana@example.com",
    "interpreter_language": "Vietnamese", "state": "VA", "line2": "", "reason": "I fixed it myself",
}


def ordinary_value(f: Field) -> str:
    """What a resident types in an empty text field."""
    short = f.name.rpartition("-")[2]  # the field of a question inside a group: "<question>-<field>"
    if short in BY_NAME:
        return BY_NAME[short]
    if f.kind == "email" or "email" in f.attrs.get("autocomplete", ""):
        return BY_NAME["email"]
    if f.kind == "tel" or "tel" in f.attrs.get("autocomplete", ""):
        return BY_NAME["phone"]
    if f.kind == "password":
        return NOT_THE_PASSWORD
    if short in ("latitude", "longitude"):
        return ""
    if f.attrs.get("inputmode") in ("numeric", "decimal"):
        return "1"
    return "Seen last week"


def fill(form: Form, attempt: int = 0, button: str | None = None) -> list[tuple[str, str]]:
    """The pairs a browser sends for an ordinary answer. ``attempt`` picks other radio choices."""
    pairs: list[tuple[str, str]] = []
    radios: dict[str, list[Field]] = {}
    boxes: dict[str, list[Field]] = {}
    for f in form.fields:
        if f.kind == "radio":
            radios.setdefault(f.name, []).append(f)
        elif f.kind == "checkbox":
            boxes.setdefault(f.name, []).append(f)
        elif f.kind in ("submit", "file"):
            continue
        elif f.kind in ("hidden", "select"):
            pairs.append((f.name, f.value))
        else:
            pairs.append((f.name, f.value.strip() or ordinary_value(f)))
    for name, group in radios.items():
        checked = [f for f in group if f.checked]
        chosen = checked[0] if checked and attempt == 0 else group[attempt % len(group)]
        pairs.append((name, chosen.value))
    for name, group in boxes.items():
        picked = [f for f in group if f.checked] or (group[:1] if name.rpartition("-")[2] == "value" else [])
        pairs.extend((name, f.value or "y") for f in picked)
    submits = [f for f in form.fields if f.kind == "submit"]
    if submits:
        chosen = next((f for f in submits if f.value == button), submits[-1])
        pairs.append((chosen.name, chosen.value))
    return pairs


Value = str | bytes  # bytes: sent as they are, even when they are not UTF-8


def _bytes(value: Value) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def multipart(pairs: list[tuple[str, Value]], files: list[tuple[Value, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser makes it; with no file chosen, one empty file part."""
    boundary = "----portal-crawl-boundary-7MA4YWxkTrZu0gW"
    parts = [b'Content-Disposition: form-data; name="' + _bytes(name) + b'"\r\n\r\n' + _bytes(value)
             for name, value in pairs]
    for filename, content in files or [("", b"")]:
        parts.append(b'Content-Disposition: form-data; name="file"; filename="' + _bytes(filename) + b'"\r\n'
                     b"Content-Type: application/octet-stream\r\n\r\n" + content)
    separator = b"--" + boundary.encode()
    body = b"".join(separator + b"\r\n" + part + b"\r\n" for part in parts) + separator + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary}"


def send(client, form: Form, pairs: list[tuple[str, Value]], files: list[tuple[Value, bytes]] | None = None):
    """Post (or get) the form with these pairs, encoded as a browser encodes them."""
    path = local(form.action) or form.action
    if form.method != "post":
        return client.get(path + ("&" if "?" in path else "?") + urlencode(pairs))
    if form.multipart:
        body, content_type = multipart(pairs, files or [])
        return client.post(path, data=body, content_type=content_type)
    return client.post(path, data=urlencode(pairs), content_type="application/x-www-form-urlencoded")


# --- Answering a whole service --------------------------------------------------------------------

def main_form(page: _Page) -> Form | None:
    """The page's own form: posted to the page itself (not the header's or a Remove button's)."""
    here = local(page.url)
    for form in page.forms:
        if form.method == "post" and local(form.action) == here:
            return form
    return None


def answer_service(client, code: str, base: str = "/report") -> None:
    """Answer every question of a service with ordinary answers, and the contact page, up to check
    answers: the browser then holds a draft in progress with every page answered. ``base``: where
    the service's pages are (the staff preview's, for one)."""
    start = client.get(f"{base}/{code}").get_data(as_text=True)
    url = next(link for link in map(local, parse(f"{base}/{code}", start).links)
               if link and link.startswith(f"{base}/{code}/q/"))
    attempts: dict[str, int] = {}
    last_choice: str | None = None
    for _ in range(200):
        if url.split("?")[0].endswith("/check"):
            return
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            url = local(response.location)
            continue
        assert response.status_code == 200, (url, response.status_code)
        page = parse(url, response.get_data(as_text=True))
        form = main_form(page)
        if form is None:  # an exit page: go back and choose differently
            assert last_choice is not None, f"{url} has no form"
            attempts[last_choice] = attempts.get(last_choice, 0) + 1
            url = last_choice
            continue
        url = _answer_page(client, page, form, attempts) or url
        if any(f.kind == "radio" for f in form.fields):
            last_choice = page.url
    raise AssertionError(f"{code}: did not reach check answers")


def _answer_page(client, page: _Page, form: Form, attempts: dict[str, int]) -> str | None:
    """Post an ordinary answer to the page; the next page's path, or None to show it again."""
    if any(f.kind == "file" for f in form.fields):
        send(client, form, fill(form, button="upload"), files=[("plan.pdf", PDF)])
        response = send(client, form, fill(form, button="continue"))
    else:
        response = send(client, form, fill(form, attempts.get(page.url, 0)))
    if response.status_code == 302:
        return local(response.location)
    adding = next((link for link in map(local, page.links) if link and "/item/new" in link), None)
    if response.status_code == 400 and adding:  # a list that needs (more) entries
        item = parse(adding, client.get(adding).get_data(as_text=True))
        added = send(client, main_form(item), fill(main_form(item)))
        assert added.status_code == 302, (adding, added.status_code, errors_on(added))
        return None
    attempts[page.url] = attempts.get(page.url, 0) + 1
    assert attempts[page.url] < 6, (page.url, response.status_code, errors_on(response))
    return None


def send_reports(client, count: int) -> list[str]:
    """Pothole reports sent from this browser, which opens each one's private link. Their references."""
    references = []
    for _ in range(count):
        client.get("/report/pothole")  # after a report is sent, the start page begins a new one
        answer_service(client, "pothole")
        page = client.get(post_form(client, "/report/pothole/check", {}).location).get_data(as_text=True)
        assert client.get(tracking_link_on(page)).status_code == 200
        references.append(reference_on(page))
    return references


def services_listed(client) -> list[str]:
    """The start page of every service the services page lists."""
    html = client.get("/services").get_data(as_text=True)
    found = [link for link in map(local, parse("/services", html).links)
             if link and re.fullmatch(r"/report/[\w-]+", link)]
    assert len(found) >= 10, found
    return list(dict.fromkeys(found))


def sign_in_as_resident(client, db_session, email: str) -> None:
    sign_up(client, db_session, email)
    assert sign_in(client, email).status_code == 302


def errors_on(response) -> list[str]:
    """The messages in the page's error summary."""
    summary = re.search(r'portal-error-summary__list">(.*?)</ul>', response.get_data(as_text=True), re.S)
    return re.findall(r"<a[^>]*>(.*?)</a>", summary.group(1), re.S) if summary else []
