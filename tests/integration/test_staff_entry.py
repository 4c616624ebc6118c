"""Cases entered for residents by staff: the resident's own question pages under /staff/enter, who the
case is for (an account, earlier contact details, new ones) with the resident's agreement, and the
receipt sent to the resident the way they chose, in their language."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import AuditRecord, Case, Draft, Notification
from portal.notify.render import render

from .. import factories
from ..conftest import csrf_token, post_form
from ..helpers import POTHOLE_ANSWERS, reference_on
from ..staff import sign_in_staff

ENTER = "/staff/enter/pothole"
SPANISH_CALLER = {"name": "Lucía Pérez", "email": "", "phone": "202 555 0143", "channel": "text",
                  "locale": "es", "want_updates": "y", "want_reminders": "y", "consent": "yes"}


def _agent(app, client, roles=("contact_centre",), email="agent@riverton.example"):
    member = factories.staff_member(app, email, roles=roles, name="Alex Agent")
    assert sign_in_staff(client, member).status_code == 302
    return member


def _answer_questions(client, channel="phone", locale="es"):
    started = post_form(client, ENTER, {"channel": channel, "locale": locale})
    assert started.status_code == 302 and started.location.endswith(f"{ENTER}/q/location")
    response = None
    for qcode, data in POTHOLE_ANSWERS:
        response = post_form(client, f"{ENTER}/q/{qcode}", data)
        assert response.status_code == 302, (qcode, response.get_data(as_text=True)[:2000])
    assert response.location.endswith(f"{ENTER}/resident")
    return response


def _count(db_session, model) -> int:
    db_session.rollback()
    return db_session.scalar(select(func.count()).select_from(model))


def test_a_pothole_by_phone_for_a_spanish_speaker_who_wants_a_text(app, client, db_session):
    agent = _agent(app, client)
    services = client.get("/staff/enter/")
    assert services.status_code == 200 and "Pothole" in services.get_data(as_text=True)
    assert 'href="/staff/enter/"' in client.get("/staff/").get_data(as_text=True)  # the navigation link
    _answer_questions(client)

    saved = post_form(client, f"{ENTER}/resident/details", SPANISH_CALLER)
    assert saved.status_code == 302 and saved.location.endswith(f"{ENTER}/check")
    check = client.get(f"{ENTER}/check").get_data(as_text=True)
    assert "12 Main Street" in check and "Lucía Pérez" in check
    # "Change" on check answers goes to the question and straight back to check answers.
    assert f'href="{ENTER}/q/details?change=1"' in check
    changed = post_form(client, f"{ENTER}/q/details?change=1", {"value": "Deep hole by the bus stop."})
    assert changed.location.endswith(f"{ENTER}/check")

    sent = post_form(client, f"{ENTER}/check", {})
    assert sent.status_code == 302 and sent.location.endswith(f"{ENTER}/confirmation")
    confirmation = client.get(sent.location).get_data(as_text=True)
    reference = reference_on(confirmation)
    assert "A text message to (202) 555-0143, in Spanish." in confirmation

    db_session.rollback()
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    assert (case.channel, case.entered_by_id, case.locale, case.account_id) == ("phone", agent.id, "es", None)
    assert case.contact_preference == "text" and case.contact_phone == "+12025550143"
    assert case.answers["details"] == "Deep hole by the bus stop."
    receipt = db_session.scalar(select(Notification).filter_by(case_id=case.id, template="case_received"))
    assert (receipt.channel, receipt.locale, receipt.recipient["phone"]) == ("sms", "es", "+12025550143")
    text = render(app, receipt).text
    assert "recibimos su solicitud" in text and reference in text and "Bache" in text
    audit = db_session.scalar(select(AuditRecord).filter_by(action="case.submit", target_id=reference))
    assert audit.actor == f"staff:{agent.id}"
    assert audit.details["channel"] == "phone" and audit.details["entered_by"] == f"staff:{agent.id}"
    assert audit.details["on_behalf_of"] == "contact details given"


def test_an_account_found_by_email_gets_the_case(app, client, db_session):
    ana = factories.account(app, "ana@example.com", locale="es")
    agent = _agent(app, client)
    _answer_questions(client, channel="counter")
    found = post_form(client, f"{ENTER}/resident", {"action": "find", "lookup": " ANA@example.com "})
    assert found.status_code == 200 and "ana@example.com" in found.get_data(as_text=True)
    used = post_form(client, f"{ENTER}/resident", {"action": "account", "lookup": "ana@example.com",
                                                    "consent": "yes"})
    assert used.status_code == 302 and used.location.endswith(f"{ENTER}/check")
    sent = post_form(client, f"{ENTER}/check", {})
    reference = reference_on(client.get(sent.location).get_data(as_text=True))

    db_session.rollback()
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    assert (case.account_id, case.channel, case.entered_by_id) == (ana.id, "counter", agent.id)
    receipt = db_session.scalar(select(Notification).filter_by(case_id=case.id, template="case_received"))
    assert (receipt.channel, receipt.recipient["email"], receipt.locale) == ("email", "ana@example.com", "es")
    # The case is in Ana's account; the agent's draft never was.
    resident = app.test_client()
    from .test_accounts import sign_in

    assert sign_in(resident, "ana@example.com").status_code == 302
    assert reference in resident.get("/account").get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Draft).filter_by(account_id=ana.id)) == 0


def test_contact_details_of_an_earlier_case_are_offered_again(app, client, db_session):
    factories.case(app, "pothole")  # a guest's case, with its contact details
    earlier = db_session.scalar(select(Case))
    _agent(app, client)
    _answer_questions(client)
    found = post_form(client, f"{ENTER}/resident", {"action": "find", "lookup": earlier.contact_email})
    assert "Use these details" in found.get_data(as_text=True)
    offered = post_form(client, f"{ENTER}/resident", {"action": "earlier", "lookup": earlier.contact_email,
                                                       "index": "0"})
    assert offered.status_code == 200 and f'value="{earlier.contact_email}"' in offered.get_data(as_text=True)


def test_no_consent_keeps_nothing(app, client, db_session):
    factories.account(app, "ana@example.com")
    _agent(app, client)
    _answer_questions(client)
    missing = post_form(client, f"{ENTER}/resident/details", {**SPANISH_CALLER, "consent": ""})
    assert missing.status_code == 400 and "Select whether the resident agrees" in missing.get_data(as_text=True)
    assert 'href="#consent-0"' in missing.get_data(as_text=True)  # the error summary links to the first option
    refused = post_form(client, f"{ENTER}/resident", {"action": "account", "lookup": "ana@example.com",
                                                       "consent": "no"})
    assert refused.status_code == 400
    assert "The resident must agree before we keep their details" in refused.get_data(as_text=True)
    # Nothing was kept, so check answers sends the agent back to say who it is for.
    assert client.get(f"{ENTER}/check").location.endswith(f"{ENTER}/resident")
    db_session.rollback()
    assert db_session.scalar(select(Draft)).contact == {"channel": "phone"}


def test_a_text_message_without_a_phone_number_is_a_400(app, client, db_session):
    _agent(app, client)
    _answer_questions(client)
    response = post_form(client, f"{ENTER}/resident/details", {**SPANISH_CALLER, "phone": ""})
    assert response.status_code == 400
    assert "Enter your phone number, or choose another way to hear from us" in response.get_data(as_text=True)


def test_the_same_question_pages_and_errors_as_residents(app, client):
    _agent(app, client)
    post_form(client, ENTER, {"channel": "post", "locale": "en"})
    empty = post_form(client, f"{ENTER}/q/location", {"street": "", "city": "", "zip": ""})
    assert empty.status_code == 400 and "Enter where the pothole is" in empty.get_data(as_text=True)
    assert "Save and come back later" not in empty.get_data(as_text=True)
    assert post_form(client, ENTER, {"channel": "carrier pigeon", "locale": "en"}).status_code == 400


def test_an_unknown_service_is_a_404(app, client):
    _agent(app, client)
    assert client.get(ENTER).status_code == 200
    assert client.get("/staff/enter/no-such-service").status_code == 404
    assert client.get("/staff/enter/no-such-service/q/location").status_code == 404


def test_submitting_twice_makes_one_case(app, client, db_session):
    _agent(app, client)
    _answer_questions(client)
    post_form(client, f"{ENTER}/resident/details", SPANISH_CALLER)
    token = csrf_token(client, f"{ENTER}/check")
    first = client.post(f"{ENTER}/check", data={"csrf_token": token})
    again = client.post(f"{ENTER}/check", data={"csrf_token": token})
    assert first.location == again.location
    assert _count(db_session, Case) == 1
    assert _count(db_session, Notification) == 1


def test_a_caseworker_without_the_permission_gets_404(app, client):
    agent = app.test_client()
    _agent(app, agent)
    assert agent.get(ENTER).status_code == 200
    _agent(app, client, roles=("caseworker",), email="cw@riverton.example")
    assert client.get("/staff/enter/").status_code == 404
    assert client.get(ENTER).status_code == 404
    assert 'href="/staff/enter/"' not in client.get("/staff/").get_data(as_text=True)


def test_residents_and_guests_are_sent_to_the_staff_sign_in(app, client):
    assert client.get(ENTER).location.startswith("/staff/sign-in")
    factories.account(app, "ana@example.com")
    from .test_accounts import sign_in

    assert sign_in(client, "ana@example.com").status_code == 302
    assert client.get("/staff/enter/").location.startswith("/staff/sign-in")


def test_the_draft_belongs_to_the_staff_session(app, client):
    _agent(app, client)
    _answer_questions(client)
    # The same browser on the resident's pages holds no draft of the agent's.
    assert "12 Main Street" not in client.get("/report/pothole/q/location").get_data(as_text=True)
    # Signed out and in again: a new staff session holds none of the old drafts.
    post_form(client, "/staff/sign-out", {}, token_from="/staff/")
    member = factories.staff_member(app, "agent2@riverton.example", roles=("contact_centre",))
    sign_in_staff(client, member)
    assert client.get(f"{ENTER}/q/position").location.endswith(ENTER)


def test_the_domain_keeps_nothing_half_given(app, db_session):
    import pytest

    from portal.accounts import staff
    from portal.cases import entry
    from portal.cases.policy import Refused

    member = factories.staff_member(app, "agent@riverton.example", roles=("contact_centre",), session=db_session)
    agent = staff.actor_for(member, source="web")
    draft, _token = entry.start(db_session, agent, app.extensions["catalog"].service("pothole"), "post", "es")
    text_without_phone = {"name": "Lucía", "preferred_channel": "text", "email": "l@example.com", "phone": None}
    with pytest.raises(entry.EntryError, match="detail"):
        entry.for_contact(db_session, agent, draft, text_without_phone, consent=True)
    with pytest.raises(entry.EntryError, match="consent"):
        entry.for_contact(db_session, agent, draft, {**text_without_phone, "phone": "+12025550143"}, consent=None)
    with pytest.raises(entry.EntryError, match="account"):
        entry.for_account(db_session, agent, draft, "nobody@example.com", consent=True)
    assert draft.contact == {"channel": "post"}
    with pytest.raises(entry.EntryError, match="channel"):
        entry.start(db_session, agent, app.extensions["catalog"].service("pothole"), "web", "es")
    caseworker = staff.actor_for(factories.staff_member(app, "cw@riverton.example", session=db_session), source="web")
    with pytest.raises(Refused):
        entry.start(db_session, caseworker, app.extensions["catalog"].service("pothole"), "phone", "es")
