"""What a screen reader, a right-to-left reader and anyone reading an error on a question page
gets: the date example, hints and errors tied to their fields, aria-invalid, text kept in its own
direction, and a whole-sentence error next to a list's add button."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from ..conftest import post_form
from ..helpers import POTHOLE_ANSWERS, answer

DATE_EXAMPLE = re.compile(r"\d{1,2} \d{1,2} \d{4}")


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, in order, and the text of elements by id."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attrs))
        if tag not in ("input", "br", "img", "meta", "link"):
            self._open.append((tag, attrs.get("id")))
            if attrs.get("id"):
                self.text.setdefault(attrs["id"], "")

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _tag, element_id in self._open:
            if element_id:
                self.text[element_id] += data

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def by_id(self, element_id: str) -> dict:
        found = [a for _t, a in self.tags if a.get("id") == element_id]
        assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
        return found[0]


def up_to_first_seen(client, locale: str) -> None:
    client.get(f"/?lang={locale}")
    for qcode, data in POTHOLE_ANSWERS[:3]:
        assert answer(client, "pothole", qcode, data).status_code == 302


@pytest.mark.parametrize("locale, fields", [
    ("en", ["month", "day", "year"]),
    ("es", ["day", "month", "year"]),
    ("ar", ["day", "month", "year"]),
])
def test_the_date_error_gives_the_example_of_the_hint_in_the_order_of_the_fields(client, locale, fields):
    up_to_first_seen(client, locale)
    page = answer(client, "pothole", "first_seen", {"day": "40", "month": "3", "year": "2025"})
    assert page.status_code == 400
    html = Elements(page.get_data(as_text=True))
    hint, error = html.text["day-date-hint"], html.text["day-date-error"]
    assert DATE_EXAMPLE.findall(hint) == DATE_EXAMPLE.findall(error), (hint, error)
    shown = [a["name"] for a in html.find("input") if a.get("name") in ("day", "month", "year")]
    assert shown == fields
    # The example is written in the order of the fields: 27 is the day, 3 the month.
    parts = {"day": "27", "month": "3", "year": "2025"}
    assert DATE_EXAMPLE.findall(hint) == [" ".join(parts[f] for f in fields)]
