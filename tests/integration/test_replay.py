"""What a browser proved is held on the server: a copy of an old cookie proves nothing once the
visit it belonged to has ended (sign out, sign out everywhere)."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import AuditRecord, Case

from ..conftest import post_form
from ..helpers import POTHOLE_ANSWERS, answer, reference_on, report_pothole, submit
from .test_accounts import sign_in, sign_up


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """A new browser that carries a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def test_a_copied_cookie_opens_nothing_after_sign_out(app, client, db_session):
    # Bob reports a problem as a guest, tracks it, signs in, and signs out.
    reporter = app.test_client()
    reporter_page = reporter.get(submit_report(reporter)).get_data(as_text=True)
    reference = reference_on(reporter_page)
    sign_up(client, db_session, "bob@example.com")
    assert post_form(client, "/track", {"reference": reference, "contact": "ana@example.com"}).status_code == 302
    assert client.get(f"/track/case/{reference}").status_code == 200
    sign_in(client, "bob@example.com")
    assert client.get(f"/track/case/{reference}").status_code == 200, "what the guest proved survives sign-in"
    signed_in_cookie = _cookie(client)
    assert post_form(client, "/account/sign-out", {}, token_from="/account").status_code == 302

    thief = _replay(app, signed_in_cookie)
    assert thief.get(f"/track/case/{reference}").status_code == 302  # to the tracking page
    withdrawn = post_form(thief, f"/track/case/{reference}/withdraw", {"reason": ""}, token_from="/track")
    assert withdrawn.status_code == 404
    assert db_session.scalar(select(Case.status).filter_by(reference=reference)) == "received"
    # And the browser that signed out holds nothing either.
    assert client.get(f"/track/case/{reference}").status_code == 302


def test_sign_out_everywhere_ends_what_other_browsers_proved(app, db_session):
    ana = app.test_client()
    sign_up(ana, db_session, "ana@example.com")
    sign_in(ana, "ana@example.com")
    page = ana.get(submit_report(ana, signed_in=True)).get_data(as_text=True)
    reference = reference_on(page)
    phone = app.test_client()
    sign_in(phone, "ana@example.com")
    assert phone.get(f"/track/case/{reference}").status_code == 200
    phone_cookie = _cookie(phone)
    assert post_form(ana, "/account/sign-out-everywhere", {}, token_from="/account").status_code == 302
    assert _replay(app, phone_cookie).get(f"/track/case/{reference}").status_code == 302
    assert phone.get(f"/track/case/{reference}").status_code == 302


def test_a_copied_guest_cookie_loses_the_draft_it_held_once_the_guest_signs_in(app, client, db_session):
    sign_up(app.test_client(), db_session, "cy@example.com")
    report_pothole(client)
    guest_cookie = _cookie(client)
    sign_in(client, "cy@example.com")
    # The draft went with the resident into the signed-in visit; the old guest visit ended.
    assert client.get("/report/pothole/check").status_code == 200
    assert _replay(app, guest_cookie).get("/report/pothole/check").status_code == 302


def test_a_signed_in_report_is_audited_as_its_resident(app, client, db_session):
    sign_up(client, db_session, "dee@example.com")
    sign_in(client, "dee@example.com")
    page = client.get(submit_report(client, signed_in=True)).get_data(as_text=True)
    reference = reference_on(page)
    db_session.rollback()  # see what the requests committed
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    row = db_session.scalar(select(AuditRecord).filter_by(action="case.submit", target_id=reference))
    assert row.actor == f"account:{case.account_id}" and row.kind == "resident"


def submit_report(client, signed_in: bool = False) -> str:
    """Report a pothole and send it; the confirmation page's address."""
    if signed_in:
        for qcode, data in POTHOLE_ANSWERS:
            assert answer(client, "pothole", qcode, data).status_code == 302
    else:
        report_pothole(client)
    sent = submit(client)
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    return sent.location


def test_a_read_by_anyone_but_the_resident_is_audited_and_the_residents_own_is_not(app, db_session):
    from portal.actors import STAFF, Actor
    from portal.cases import tracking

    from .. import factories

    made = factories.case(app, "pothole")
    worker = Actor(STAFF, "9", roles=frozenset({"caseworker"}), departments=frozenset({made.case.department}),
                   address="198.51.100.3")
    owner = Actor("guest", cases=frozenset({made.case.id}))
    tracking.open_case(db_session, owner, made.case.reference)
    tracking.open_case(db_session, worker, made.case.reference)
    reads = db_session.scalars(select(AuditRecord).filter_by(action="case.read")).all()
    assert [(r.actor, r.kind, r.target_id) for r in reads] == [("staff:9", "staff", made.case.reference)]
