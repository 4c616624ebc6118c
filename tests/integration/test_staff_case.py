"""The staff case page: read only within the department, every view and refusal audited, the
submission as the resident saw it, documents, related cases in scope, and the resident told which
department opened their case."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal import db
from portal.accounts import erasure, staff
from portal.actors import STAFF, Actor
from portal.cases import staffwork, tracking
from portal.cases.transitions import transition
from portal.demo.answers import address
from portal.models import Account, AuditRecord, Document

from .. import factories
from ..staff import sign_in_staff


def _signed_in(app, email="cw@riverton.example", **kwargs):
    member = factories.staff_member(app, email, **kwargs)
    client = app.test_client()
    sign_in_staff(client, member)
    return client


def _reads(app, reference, outcome="success"):
    with db.session_scope(app) as s:
        return list(s.scalars(select(AuditRecord).filter_by(action="case.read", target_id=reference,
                                                           outcome=outcome)))


def test_a_caseworker_of_the_department_sees_the_case_and_the_view_is_audited(app):
    made = factories.case(app, "pothole")
    page = _signed_in(app).get(f"/staff/cases/{made.case.reference}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Deep hole near the bus stop." in text and "12 Main Street" in text and "Ana Díaz" in text
    [read] = _reads(app, made.case.reference)
    assert read.kind == "staff" and read.details == {"department": "public-works"}


def test_a_caseworker_of_another_department_gets_404_and_the_refusal_is_audited(app):
    made = factories.case(app, "pothole")
    page = _signed_in(app, departments=("sanitation",)).get(f"/staff/cases/{made.case.reference}")
    assert page.status_code == 404
    assert "Deep hole" not in page.get_data(as_text=True)
    assert _reads(app, made.case.reference) == []
    [refused] = _reads(app, made.case.reference, "failure")
    assert refused.kind == "staff" and refused.details == {"departments": ["sanitation"]}


def test_a_reference_that_does_not_exist_is_the_same_404(app):
    assert _signed_in(app).get("/staff/cases/AAA-AAA-AAA").status_code == 404


def test_auditor_and_system_administrator_see_no_case_content(app):
    made = factories.case(app, "pothole")
    for email, role in (("audit@riverton.example", "auditor"), ("admin@riverton.example", "system_admin")):
        page = _signed_in(app, email, roles=(role,)).get(f"/staff/cases/{made.case.reference}")
        assert page.status_code == 404
        assert "12 Main Street" not in page.get_data(as_text=True)
    assert _reads(app, made.case.reference) == []


def test_the_page_works_in_arabic_for_an_arabic_case(app):
    made = factories.case(app, "pothole", locale="ar")
    page = _signed_in(app).get(f"/staff/cases/{made.case.reference}?lang=ar")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'dir="rtl"' in text and "أين توجد الحفرة؟" in text and '<dd class="portal-summary-list__value" lang="ar">' in text


def test_the_questions_show_as_the_resident_saw_them_or_in_the_staff_language(app):
    made = factories.case(app, "pothole", locale="es")
    client = _signed_in(app)
    as_seen = client.get(f"/staff/cases/{made.case.reference}").get_data(as_text=True)
    assert "¿Dónde está el bache?" in as_seen and "Where is the pothole?" not in as_seen
    assert "Show the questions in your language" in as_seen
    mine = client.get(f"/staff/cases/{made.case.reference}?questions=mine").get_data(as_text=True)
    assert "Where is the pothole?" in mine and "¿Dónde está el bache?" not in mine
    for page in (as_seen, mine):  # the answers stay as given, in the resident's language
        assert "Deep hole near the bus stop." in page and "En un carril por donde pasan los vehículos" in page
    assert "Show the questions as the resident saw them" in mine


def test_opening_a_document_is_audited_and_only_within_the_department(app):
    made = factories.case(app, "tree-removal")
    with db.session_scope(app) as s:
        document = s.scalars(select(Document).filter_by(case_id=made.case.id)).first()
        public_id, name = document.public_id, document.original_name
    client = _signed_in(app, departments=("urban-forestry",))
    page = client.get(f"/staff/cases/{made.case.reference}").get_data(as_text=True)
    assert f"/staff/documents/{public_id}" in page and name in page
    # The resident's download route does not know the member of staff (the staff session is read on
    # staff pages only), so staff open documents through their own route.
    assert client.get(f"/documents/{public_id}").status_code == 404
    answer = client.get(f"/staff/documents/{public_id}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    outsider = _signed_in(app, "other@riverton.example", departments=("public-works",))
    assert outsider.get(f"/staff/documents/{public_id}").status_code == 404
    with db.session_scope(app) as s:
        opened = list(s.scalars(select(AuditRecord).filter_by(action="document.read", target_id=public_id)))
    assert [(r.kind, r.details) for r in opened] == [("staff", {"case": made.case.reference})]


def test_related_cases_stay_within_the_departments_the_member_reads(app):
    here = factories.case(app, "pothole", contact={"email": "ana@example.com"})
    mine = factories.case(app, "damaged-sidewalk", contact={"email": "ana@example.com"})  # public-works
    theirs = factories.case(app, "noise", contact={"email": "ana@example.com"})  # another department
    stranger = factories.case(app, "pothole", contact={"email": "bo@example.com"},
                              answers=factories.answers(app, "pothole", location=address("12  main st.")))
    far = factories.case(app, "pothole", contact={"email": "cy@example.com"},
                         answers=factories.answers(app, "pothole", location=address("14 Main Street")))
    done = factories.case(app, "pothole", "in_review", "resolved", contact={"email": "di@example.com"})
    elsewhere = factories.case(app, "streetlight-out", contact={"email": "ed@example.com"},
                               answers=factories.answers(app, "streetlight-out", location=address("12 Main Street")))
    page = _signed_in(app).get(f"/staff/cases/{here.case.reference}").get_data(as_text=True)
    resident, place = page.split('id="same-resident-heading"')[1].split('id="same-place-heading"')
    assert mine.case.reference in resident and theirs.case.reference not in resident
    assert stranger.case.reference not in resident
    assert stranger.case.reference in place
    for absent in (far, done, elsewhere, theirs, mine):
        assert absent.case.reference not in place


def test_the_tracking_page_lists_staff_views_by_department_never_by_name(app):
    made = factories.case(app, "pothole")
    resident = app.test_client()
    before = resident.get(f"/track/t/{made.tracking_token}").get_data(as_text=True)
    assert "Public Works" not in before
    _signed_in(app).get(f"/staff/cases/{made.case.reference}")
    after = resident.get(f"/track/t/{made.tracking_token}").get_data(as_text=True)
    section = after.split('id="staff-views-heading"')[1]
    assert "Public Works" in section and "Casey Worker" not in after
    # The resident's own views are not staff views.
    assert section.count("Public Works") == 1


def test_the_history_tells_each_kind_of_note_and_who_apart(app):
    made = factories.case(app, "pothole", "in_review",
                          factories.Staff("more_info_needed", public="Which lane is it in?", internal="Looks deep."),
                          factories.Answer("The left lane, near the bus stop."))
    member = factories.staff_member(app)
    with db.session_scope(app) as s:
        transition(s, tracking.get(s, made.case.reference), "resolved", staff.actor_for(member),
                   public_note="We filled it.", internal_note="Crew 4, two hours.")
    client = app.test_client()
    sign_in_staff(client, member)
    page = client.get(f"/staff/cases/{made.case.reference}").get_data(as_text=True)
    history = page.split('id="history-heading"')[1].split('id="same-resident-heading"')[0]
    items = history.split('<li class="portal-timeline__item">')[1:]
    assert len(items) == 5  # newest first: resolved, the answer, the question, in review, received
    assert "Casey Worker" in items[0] and "Internal note (staff only)" in items[0] and "Crew 4" in items[0]
    assert "Note to the resident (they can read it)" in items[0] and "We filled it." in items[0]
    assert "Resident" in items[1] and "The resident wrote" in items[1] and "The left lane" in items[1]
    assert "Internal note (staff only)" not in items[1]
    assert "Looks deep." in items[2] and "Which lane is it in?" in items[2]
    assert "Resident" in items[4]


def test_contact_needs_and_overdue_dates_are_at_the_top_in_words(app):
    made = factories.case(app, "pothole", contact={"preferred_channel": "text", "phone": "+12025550143",
                                                   "large_print": True, "tty_relay": True,
                                                   "interpreter_language": "Somali"})
    with db.session_scope(app) as s:  # sent three weeks ago and never looked at
        found = tracking.get(s, made.case.reference)
        found.respond_by = found.resolve_by = date.today() - timedelta(days=21)
    page = _signed_in(app).get(f"/staff/cases/{made.case.reference}").get_data(as_text=True)
    top = page.split('id="submission-heading"')[0]
    for words in ("Large print", "TTY or relay service", "Interpreter: Somali", "Text message", "Public Works",
                  "No one"):
        assert words in top, words
    assert top.count(">Overdue<") == 2


def test_actions_are_those_the_policy_allows_now(app):
    made = factories.case(app, "pothole", "in_review")
    with db.session_scope(app) as s:
        found = tracking.get(s, made.case.reference)
        caseworker = Actor(STAFF, "1", roles=frozenset({"caseworker"}), departments=frozenset({"public-works"}))
        supervisor = Actor(STAFF, "2", roles=frozenset({"supervisor"}), departments=frozenset({"public-works"}))
        agent = Actor(STAFF, "3", roles=frozenset({"contact_centre"}), departments=frozenset({"public-works"}))
        outsider = Actor(STAFF, "4", roles=frozenset({"supervisor"}), departments=frozenset({"sanitation"}))
        assert staffwork.actions_for(caseworker, found) == [
            "request_information", "schedule", "resolve", "close", "take", "transfer", "merge", "note"]
        assert staffwork.actions_for(supervisor, found)[-5:] == ["take", "assign", "transfer", "merge", "note"]
        assert staffwork.actions_for(agent, found) == ["note"]
        assert staffwork.actions_for(outsider, found) == []
        found.assignee_id = factories.staff_member(app, session=s).id
        assert "take" not in staffwork.actions_for(caseworker, found)


def test_an_erased_home_address_no_longer_finds_other_cases(app, tmp_path):
    account = factories.account(app)
    made = factories.case(app, "senior-tax-relief", account=account)
    with db.session_scope(app) as s:
        assert tracking.get(s, made.case.reference).address_key is not None
        erasure.erase(s, s.get(Account, account.id), mailroom_dir=tmp_path)
    with db.session_scope(app) as s:
        found = tracking.get(s, made.case.reference)
        assert "applicant_address" not in found.answers and found.address_key is None
