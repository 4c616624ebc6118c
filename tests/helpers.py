"""Journey helpers shared by the integration tests."""

from __future__ import annotations

import re

from .conftest import post_form

POTHOLE_ANSWERS = [
    ("location", {"street": "12 Main Street", "city": "Riverton", "zip": "20500"}),
    ("position", {"value": "traffic_lane"}),
    ("size", {"value": "medium"}),
    ("first_seen", {"day": "", "month": "", "year": ""}),
    ("details", {"value": "Deep hole near the bus stop."}),
]


GUEST_CONTACT = {"name": "Ana Díaz", "email": "ana@example.com", "phone": "", "channel": "email",
                 "locale": "en", "want_updates": "y", "want_reminders": "y"}


def answer(client, code: str, qcode: str, data: dict, **kwargs):
    return post_form(client, f"/report/{code}/q/{qcode}", data, **kwargs)


def report_pothole(client, contact: dict | None = None):
    """Answer every page of the pothole report, up to check answers. Returns the check page."""
    for qcode, data in POTHOLE_ANSWERS:
        response = answer(client, "pothole", qcode, data)
        assert response.status_code == 302, (qcode, response.get_data(as_text=True)[:2000])
    contact = {**GUEST_CONTACT, **(contact or {})}
    response = post_form(client, "/report/pothole/contact", contact)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.location.endswith("/report/pothole/check")
    return client.get("/report/pothole/check")


def submit(client):
    return post_form(client, "/report/pothole/check", {})


def reference_on(page: str) -> str:
    match = re.search(r'class="portal-reference__number">([A-Z0-9-]+)<', page)
    assert match, "no reference on the page"
    return match.group(1)


def tracking_link_on(page: str) -> str:
    match = re.search(r'href="https?://[^/"]+(/track/t/[0-9a-f]+)"', page)
    assert match, "no private tracking link on the page"
    return match.group(1)
