"""Deleting an account leaves nothing about the person anywhere — in any table, the mail room or
the upload folder — except what ``portal.accounts.erasure`` says stays (their requests, anonymised)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import JSON, String, func, select

from portal import audit, db, documents
from portal.actors import Actor
from portal.cases import drafts, workflow
from portal.cases.transitions import transition
from portal.models import (
    Account,
    AccountSession,
    AuditRecord,
    Base,
    Case,
    ContactPreferences,
    Draft,
    EmailToken,
    Identity,
    Notification,
)
from portal.models.base import utcnow
from portal.notify import outbox

from ..conftest import post_form
from ..helpers import POTHOLE_ANSWERS, answer, reference_on, report_pothole, submit
from .test_accounts import PASSWORD, last_link, sign_in
from .test_notify import notify_app, run_worker, smtp  # noqa: F401 - fixtures

NAME = "Marisol Quiñones"
EMAIL = "marisol.q@example.org"
PHONE = "+12025550187"
STREET = "48 Willow Lane"
ADDRESS = "203.0.113.45"
PERSONAL = [NAME, EMAIL, PHONE, "2025550187", "(202) 555-0187", STREET, ADDRESS]
POSTAL = {"channel": "post", "line1": STREET, "line2": "", "city": "Riverton", "state": "VA", "zip": "20500"}
PDF = b"%PDF-1.4\n% plans drawn by " + NAME.encode() + b"\n%%EOF\n"


STAFF = Actor("system", "staff:12", source="web", address="198.51.100.20")


def browser(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    return client


def found_in_tables(session) -> list[str]:
    """Every (table.column, text) where a personal detail is still stored."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | JSON)]
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value or "")
                found += [f"{table.name}.{column.name}: {p}" for p in PERSONAL if p.lower() in text.lower()]
    return found


def found_in_folders(*folders: str) -> list[str]:
    found = []
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                data = path.read_bytes().lower()
                found += [f"{path.name}: {p}" for p in PERSONAL if p.lower().encode() in data]
    return found


def test_deleting_an_account_leaves_nothing_about_the_person(notify_app, smtp):  # noqa: F811
    app = notify_app
    guest = browser(app)
    # As a guest: a report with a letter to their street, and their name in the description.
    report_pothole(guest, {"name": NAME, "email": EMAIL, "phone": "202 555 0187", **POSTAL})
    answer(guest, "pothole", "details", {"value": f"{NAME} tripped here. Call 202 555 0187."})
    first = reference_on(guest.get(submit(guest).location).get_data(as_text=True))
    # Another, asking for a phone call: a call sheet in the mail room.
    caller = browser(app)
    report_pothole(caller, {"name": NAME, "email": EMAIL, "phone": "202 555 0187", "channel": "phone"})
    third = reference_on(caller.get(submit(caller).location).get_data(as_text=True))
    # A guest draft on another browser with their email, and a resume link sent to it.
    other = browser(app)
    report_pothole(other, {"name": NAME, "email": EMAIL})
    assert post_form(other, "/report/pothole/save", {"how": "email", "email": EMAIL}).status_code == 302
    # Their account: proves the address (claiming the guest report), a postal address, a second report.
    client = browser(app)
    post_form(client, "/account/create", {"email": EMAIL, "password": PASSWORD})
    with db.session_scope(app, immediate=False) as session:
        assert client.get(last_link(session, "verify_email", EMAIL)).status_code == 200
    signed_in = sign_in(client, EMAIL)
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:3000]
    assert post_form(client, "/account/preferences", {**POSTAL, "phone": "202 555 0187", "locale": "en",
                                                      "want_updates": "y"}).status_code == 302
    for qcode, data in POTHOLE_ANSWERS:
        assert answer(client, "pothole", qcode, data).status_code == 302
    second = reference_on(client.get(submit(client).location).get_data(as_text=True))
    with db.session_scope(app) as session:
        account = session.scalar(select(Account))
        account.name = NAME
        session.add(Identity(account_id=account.id, issuer="https://id.example", subject="8c1e", created_at=utcnow()))
        # A saved benefit draft of the account's, with plans uploaded to it.
        definition = app.extensions["catalog"].service("residential-alteration")
        draft, _token = drafts.start(session, definition, "en", account_id=account.id)
        documents.add(session, draft, "plans", f"{NAME} plans.pdf", io.BytesIO(PDF))
        case = session.scalar(select(Case).filter_by(reference=first))
        transition(session, case, workflow.IN_REVIEW, STAFF, public_note=f"Thank you, {NAME}.")
    assert run_worker(app).failed == 0
    mailroom, uploads = app.config["MAILROOM_DIR"], app.config["UPLOAD_DIR"]
    assert len(list(Path(mailroom).glob("calls/*/*.txt"))) == 1
    assert found_in_folders(mailroom, uploads)  # the letters, call sheet and upload carry the person's details
    with db.session_scope(app, immediate=False) as session:
        assert len(found_in_tables(session)) > 10

    deleted = post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert deleted.status_code == 302
    assert run_worker(app).sent == 1
    assert smtp.messages[-1].rcpt_tos == [EMAIL]  # the notice of the deletion was sent, then forgotten
    assert "Your account was deleted" in smtp.messages[-1].message["Subject"]

    with db.session_scope(app, immediate=False) as session:
        assert found_in_tables(session) == []
        for model in (Account, AccountSession, EmailToken, Identity, ContactPreferences, Draft):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model.__name__
        # The requests stay, unlinked and anonymised: the problem is still described.
        cases = session.scalars(select(Case).order_by(Case.id)).all()
        assert [c.reference for c in cases] == [first, third, second]
        assert {(c.account_id, c.contact_email) for c in cases} == {(None, None)}
        assert cases[0].answers["location"]["street"] == "12 Main Street"
        assert cases[0].answers["details"] == "••• tripped here. Call •••."
        assert cases[0].events[-1].public_note == "Thank you, •••."
        # Every message's recipient is gone; the audit trail still verifies, the staff's address kept.
        assert {json.dumps(n.recipient) for n in session.scalars(select(Notification))} == {"{}"}
        assert audit.verify_chain(session) is None
        staff = session.scalar(select(AuditRecord).filter_by(action="case.transition"))
        assert staff.address == STAFF.address
    assert found_in_folders(mailroom, uploads) == []
    # Nobody can follow the requests any more: not by reference and email, not by the private link.
    lookup = post_form(app.test_client(), "/track", {"reference": first, "contact": EMAIL})
    assert lookup.status_code in (400, 404)


def test_the_delete_page_says_what_stays_and_what_goes(app, client):
    from .test_accounts import sign_up

    with db.session_scope(app, immediate=False) as session:
        sign_up(client, session)
    sign_in(client)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "You can still track them" not in page
    assert "nobody can track your requests online, not even with their reference number" in page
    privacy = app.test_client().get("/privacy").get_data(as_text=True)
    assert "We record every time staff look at them" not in privacy
    assert "We remove names and contact details first" not in privacy
    assert "does not yet remove names and contact details" in privacy


def test_the_deletion_notice_is_forgotten_even_when_it_cannot_be_sent(notify_app):  # noqa: F811
    with db.session_scope(notify_app) as session:
        outbox.queue(session, key="account:9:deleted", template="account_deleted",
                     route=outbox.Route("email", {"email": f"{EMAIL}\r\nBcc: x@example.net", "name": NAME}, "en"),
                     context={})
    assert run_worker(notify_app).failed == 1
    with db.session_scope(notify_app, immediate=False) as session:
        note = session.scalar(select(Notification))
        assert (note.status, note.recipient, note.context, note.last_error) == ("failed", {}, {}, "PermanentFailure")
        assert [a.error for a in note.attempt_log] == ["PermanentFailure"]
        assert found_in_tables(session) == []
