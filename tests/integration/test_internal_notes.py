"""An internal note reaches no resident-facing surface: the tracking page (signed in or by the
private link), the messages sent (emails, texts, letters, call sheets), the account's export and
its dashboard. Each case below carries internal notes at every step; each surface is read whole."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import select

from portal import db
from portal.actors import STAFF, Actor
from portal.cases import tracking
from portal.cases.merge import merge
from portal.cases.transfer import transfer
from portal.models import CaseEvent, Notification

from .. import factories
from ..factories import Staff
from .test_accounts import sign_in
from .test_notify import notify_app, run_worker, smtp  # noqa: F401  (fixtures)

SECRET = "INTERNAL-7731 caller was rude, check the neighbour's claim"


# A supervisor of both departments, to pass a case from one to the other and merge a duplicate.
ROUTER = Actor(STAFF, "router", roles=frozenset({"supervisor"}), departments=frozenset({"public-works", "transportation"}))


def _worked(app, **kwargs):
    """A case moved by staff through every kind of step, each with an internal note: passed to
    another department for an internal reason, and a duplicate merged into it with a note."""
    made = factories.case(app, "pothole",
                          Staff("in_review", internal=f"{SECRET} (1)"),
                          Staff("more_info_needed", public="Which lane is it in?", internal=f"{SECRET} (2)"),
                          Staff("in_review", internal=f"{SECRET} (3)"), **kwargs)
    with db.session_scope(app) as s:
        case = tracking.get(s, made.case.reference)
        transfer(s, ROUTER, case, "transportation", reason=f"{SECRET} (5)", seen=case.revision,
                 known_departments=["public-works", "transportation"])
    duplicate = factories.case(app, "pothole", **kwargs)
    with db.session_scope(app) as s:
        found = tracking.get(s, duplicate.case.reference)
        merge(s, ROUTER, found, made.case.reference, seen=found.revision, note=f"{SECRET} (6)")
    factories.move(app, made.case.reference, Staff("resolved", public="We filled it.", internal=f"{SECRET} (4)"))
    with db.session_scope(app) as s:
        notes = s.scalars(select(CaseEvent.internal_note).filter_by(case_id=made.case.id)).all()
    assert sum(1 for note in notes if note and SECRET in note) == 6  # the notes are there to leak
    return made


def test_no_internal_note_on_the_tracking_page_nor_the_private_link(app):
    account = factories.account(app)
    own = _worked(app, account=account)
    client = app.test_client()
    sign_in(client, account.email)
    page = client.get(f"/track/case/{own.case.reference}").get_data(as_text=True)
    assert "We filled it." in page and SECRET not in page
    guest = _worked(app)
    page = app.test_client().get(f"/track/t/{guest.tracking_token}").get_data(as_text=True)
    assert "We filled it." in page and SECRET not in page


def test_no_internal_note_in_the_account_export_nor_the_dashboard(app):
    account = factories.account(app)
    made = _worked(app, account=account)
    client = app.test_client()
    sign_in(client, account.email)
    exported = client.get("/account/export.json")
    assert exported.status_code == 200
    assert made.case.reference in exported.get_data(as_text=True)
    assert SECRET not in json.dumps(exported.get_json(), ensure_ascii=False)
    for path in ("/account/export", "/account"):
        page = client.get(path)
        assert page.status_code == 200 and made.case.reference in page.get_data(as_text=True)
        assert SECRET not in page.get_data(as_text=True)


def test_the_export_lists_what_the_tracking_page_shows_and_no_staff_only_step(app):
    from portal.cases import notes

    account = factories.account(app)
    made = _worked(app, account=account)
    with db.session_scope(app) as s:
        case = tracking.get(s, made.case.reference)
        notes.add(s, case, ROUTER, f"{SECRET} (7)")
        shown = list(reversed(tracking.public_view(case).updates))
        events = len(case.events)
    client = app.test_client()
    sign_in(client, account.email)
    request, = [r for r in client.get("/account/export.json").get_json()["requests"]
                if r["reference"] == made.case.reference]
    updates = request["updates"]
    assert len(updates) == len(shown) < events  # the internal note alone is not an update
    assert [u["status"] for u in updates] == [u.status for u in shown]
    assert [u["passed_to"] for u in updates if u["passed_to"]] == ["transportation"]
    assert "We filled it." in [u["note"] for u in updates]


CHANNELS = {
    "email": {},
    "sms": {"preferred_channel": "text", "phone": "+12025550143"},
    "letter": {"preferred_channel": "post", "postal": {"line1": "12 Main Street", "city": "Riverton",
                                                       "state": "VA", "zip": "20500"}, "large_print": True},
    "call": {"preferred_channel": "phone", "phone": "+12025550143"},
}


def test_no_internal_note_in_any_message_queued_or_sent(notify_app, smtp, caplog):  # noqa: F811
    caplog.set_level(logging.INFO, logger="portal.sms")
    for contact in CHANNELS.values():
        _worked(notify_app, contact=contact)
    with db.session_scope(notify_app) as s:
        queued = list(s.scalars(select(Notification)))
        assert {note.channel for note in queued} == set(CHANNELS)
        assert len(queued) >= 5 * len(CHANNELS)  # the receipt and a message for each move
        for note in queued:
            assert SECRET not in json.dumps(note.context, ensure_ascii=False, default=str)
    stats = run_worker(notify_app)
    assert stats.sent == len(queued)
    sent = [received.content.decode() for received in smtp.messages]
    sent += [path.read_text() for path in Path(notify_app.config["MAILROOM_DIR"]).rglob("*") if path.is_file()]
    sent += [record.getMessage() for record in caplog.records if record.name == "portal.sms"]
    assert any("We filled it." in message for message in sent)
    assert len(sent) >= len(queued)
    assert not [message for message in sent if "INTERNAL-7731" in message]
