"""The preview of a staff action is the message the worker then sends: the same rendering, for
the resident's channel, language and format, and a preview queues nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import db
from portal.actors import STAFF, Actor
from portal.cases import tracking, transitions
from portal.models import Notification
from portal.notify import preview
from portal.notify.render import render

from .. import factories

WORKER = Actor(STAFF, "1", roles=frozenset({"caseworker"}), departments=frozenset({"public-works"}))
POSTAL = {"line1": "48 Cedar Lane", "line2": "", "city": "Riverton", "state": "VA", "zip": "20501"}


@pytest.mark.parametrize("contact, channel, locale", [
    ({}, "email", "en"),
    ({"preferred_channel": "text", "phone": "+12025550143", "locale": "es"}, "sms", "es"),
    ({"preferred_channel": "post", "postal": POSTAL, "large_print": True, "locale": "ar"}, "letter", "ar"),
])
def test_the_preview_is_what_the_worker_sends(app, contact, channel, locale):
    made = factories.case(app, "pothole", "in_review", contact=contact, locale=contact.get("locale", "en"))
    with db.session_scope(app) as s:
        case = tracking.get(s, made.case.reference)
        count = s.scalar(select(func.count()).select_from(Notification))
        owed = transitions.message_owed(case, "request_information", "Which lane is the pothole in?")
        shown = preview.for_case(app, s, case, owed.template, owed.context)
        assert s.scalar(select(func.count()).select_from(Notification)) == count
        assert shown.channel == channel and shown.locale == locale
        assert shown.large_print == (channel == "letter")
        event = transitions.act(s, case, "request_information", WORKER,
                                public_note="Which lane is the pothole in?", expected_revision=case.revision)
        queued = s.scalar(select(Notification).filter_by(key=f"case:{case.id}:event:{event.id}"))
        sent = render(app, queued)
    assert (sent.subject, sent.text, sent.html, sent.large_print) == (shown.subject, shown.text, shown.html,
                                                                       shown.large_print)
    if channel != "sms":  # a text message points to the tracking page instead
        assert "Which lane is the pothole in?" in shown.html
