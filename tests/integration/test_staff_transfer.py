"""A case passed to another department: it leaves the old department's reach and enters the new
one's, its resident is told in their language, and a wrong, stale or repeated form changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal import db
from portal.accounts import staff
from portal.cases import policy, tracking
from portal.cases.policy import Refused
from portal.cases.transfer import transfer
from portal.models import AuditRecord, Case, CaseEvent, Notification, StaffMember
from portal.notify.render import render

from .. import factories
from ..staff import sign_in_staff

REVISION_RE = re.compile(r'<input(?=[^>]*name="revision")[^>]*value="(\d+)"')
CSRF_RE = re.compile(r'<input(?=[^>]*name="csrf_token")[^>]*value="([^"]+)"')


def staff_client(app, email: str, departments=("public-works",), roles=("caseworker",)):
    member = factories.staff_member(app, email, departments=departments, roles=roles)
    client = app.test_client()
    assert sign_in_staff(client, member).status_code == 302
    return client


def open_form(client, url: str) -> dict:
    """The hidden fields of the form on ``url``, as the browser would send them back."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    return {"csrf_token": CSRF_RE.search(html).group(1), "revision": REVISION_RE.search(html).group(1)}


def saved(app, reference: str):
    """The case, its events and its notifications as the database has them."""
    with db.session_scope(app) as s:
        case = s.scalar(select(Case).filter_by(reference=reference))
        events = [(e.action, e.status_from, e.status_to, e.public_note, e.internal_note, dict(e.details or {}))
                  for e in s.scalars(select(CaseEvent).filter_by(case_id=case.id).order_by(CaseEvent.id))]
        notes = [(n.template, n.locale, dict(n.context)) for n in
                 s.scalars(select(Notification).filter_by(case_id=case.id).order_by(Notification.id))]
        return {"department": case.department, "revision": case.revision, "status": case.status,
                "assignee_id": case.assignee_id, "events": events, "notes": notes}


def audit_rows(app, action: str, reference: str) -> list[tuple[str, str, dict]]:
    with db.session_scope(app) as s:
        return [(r.outcome, r.actor, dict(r.details or {})) for r in
                s.scalars(select(AuditRecord).filter_by(action=action, target_id=reference).order_by(AuditRecord.id))]


@pytest.fixture
def pothole(app):
    return factories.case(app, "pothole", "in_review", locale="es",
                          contact={"name": "Luis Pérez", "email": "luis@example.com"})


def transfer_url(reference: str) -> str:
    return f"/staff/cases/{reference}/transfer"


def test_the_old_department_loses_the_case_and_the_new_one_gains_it(app, pothole):
    reference = pothole.case.reference
    works, transport = staff_client(app, "cw@riverton.example"), staff_client(app, "tr@riverton.example", ("transportation",))
    assert transport.get(transfer_url(reference)).status_code == 404  # another department's case
    with db.session_scope(app) as s:  # the old department's caseworker has it
        s.scalar(select(Case).filter_by(reference=reference)).assignee_id = s.scalar(
            select(StaffMember.id).filter_by(email="cw@riverton.example"))
    before = saved(app, reference)
    assert before["assignee_id"] is not None
    form = open_form(works, transfer_url(reference))
    sent = works.post(transfer_url(reference), data={**form, "department": "transportation",
                                                     "reason": "Streetlight cable under the road",
                                                     "public_note": "Transportation owns this road."})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/transferred?to=transportation")
    assert "Transportation" in works.get(sent.headers["Location"]).get_data(as_text=True)
    after = saved(app, reference)
    assert after["department"] == "transportation" and after["assignee_id"] is None
    assert after["status"] == before["status"] and after["revision"] == before["revision"] + 1
    assert after["events"][-1] == ("transfer", "in_review", "in_review", "Transportation owns this road.",
                                   "Streetlight cable under the road", {"from": "public-works", "to": "transportation"})
    assert works.get(transfer_url(reference)).status_code == 404
    assert transport.get(transfer_url(reference)).status_code == 200
    assert works.get(f"/staff/cases/{reference}").status_code == 404
    history = transport.get(f"/staff/cases/{reference}").get_data(as_text=True)
    assert "Passed to Transportation" in history and "Streetlight cable under the road" in history
    with db.session_scope(app) as s:
        old, new = (staff.actor_for(s.scalar(select(StaffMember).filter_by(email=e)))
                    for e in ("cw@riverton.example", "tr@riverton.example"))
        with pytest.raises(Refused):
            tracking.open_case(s, old, reference, policy.CASE_READ)
        assert tracking.open_case(s, new, reference, policy.CASE_READ).reference == reference
    (outcome, actor, details), = audit_rows(app, "case.transfer", reference)
    assert outcome == "success" and actor.startswith("staff:")
    assert details == {"from": "public-works", "to": "transportation"}


def test_the_resident_is_told_in_their_language_and_their_tracking_page_says_so(app, pothole):
    reference = pothole.case.reference
    works = staff_client(app, "cw@riverton.example")
    form = open_form(works, transfer_url(reference))
    assert works.post(transfer_url(reference), data={**form, "department": "transportation",
                                                     "reason": "Not ours: internal only"}).status_code == 302
    template, locale, context = saved(app, reference)["notes"][-1]
    assert (template, locale, context["department"]) == ("case_transferred", "es", "transportation")
    with db.session_scope(app) as s:
        note = s.scalar(select(Notification).filter_by(case_id=pothole.case.id, template="case_transferred"))
        rendered = render(app, note)
    assert "Transporte" in rendered.subject and "Transporte" in rendered.text and reference in rendered.text
    assert "Not ours" not in rendered.text
    resident = app.test_client()
    resident.get("/?lang=es")
    page = resident.get(f"/track/t/{pothole.tracking_token}").get_data(as_text=True)
    assert "Transporte" in page and "Transportation" not in page
    assert "Not ours" not in page
    english = app.test_client().get(f"/track/t/{pothole.tracking_token}").get_data(as_text=True)
    assert "Passed to Transportation" in english


@pytest.mark.parametrize(("department", "reason", "message"), [
    ("moon-base", "A reason", "Choose a department from the list"),
    ("", "A reason", "Choose a department from the list"),
    ("public-works", "A reason", "The case is with that department already"),
    ("transportation", "  ", "Enter why you are passing the case to another department"),
    ("transportation", "x" * 2001, "Your text must be 2000 characters or fewer"),
    ("moon-base", "", "Enter why you are passing the case to another department"),
])
def test_a_transfer_that_cannot_be_done_is_a_400_and_changes_nothing(app, pothole, department, reason, message):
    reference = pothole.case.reference
    works = staff_client(app, "cw@riverton.example")
    before = saved(app, reference)
    form = open_form(works, transfer_url(reference))
    answer = works.post(transfer_url(reference), data={**form, "department": department, "reason": reason})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert message in page and "Error:" in page
    if department == "moon-base" and not reason:  # every problem at once
        assert "Choose a department from the list" in page
    assert saved(app, reference) == before
    assert audit_rows(app, "case.transfer", reference) == []


def test_a_stale_form_is_a_409_showing_what_changed_and_changes_nothing(app, pothole):
    reference = pothole.case.reference
    works = staff_client(app, "cw@riverton.example")
    form = open_form(works, transfer_url(reference))
    factories.move(app, reference, factories.Staff("scheduled", public="Crew on Friday"))
    before = saved(app, reference)
    answer = works.post(transfer_url(reference), data={**form, "department": "transportation", "reason": "Theirs"})
    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "This case changed after you opened the page" in page and "Work scheduled" in page
    for nonsense in ("", "abc", "-1", "99999999999"):
        answer = works.post(transfer_url(reference), data={**form, "revision": nonsense,
                                                           "department": "transportation", "reason": "Theirs"})
        assert answer.status_code == 409, nonsense
    assert saved(app, reference) == before


def test_a_form_sent_twice_transfers_once(app, pothole):
    reference = pothole.case.reference
    both = staff_client(app, "sv@riverton.example", ("public-works", "transportation"), roles=("supervisor",))
    form = {**open_form(both, transfer_url(reference)), "department": "transportation", "reason": "Theirs"}
    assert both.post(transfer_url(reference), data=form).status_code == 302
    assert both.post(transfer_url(reference), data=form).status_code == 409
    after = saved(app, reference)
    assert [e[0] for e in after["events"]].count("transfer") == 1
    assert [n[0] for n in after["notes"]].count("case_transferred") == 1


def test_staff_without_the_permission_get_a_404_and_the_refusal_is_audited(app, pothole):
    reference = pothole.case.reference
    agent = staff_client(app, "cc@riverton.example", roles=("contact_centre",))
    assert agent.get(transfer_url(reference)).status_code == 404
    with db.session_scope(app) as s:
        member = s.scalar(select(StaffMember).filter_by(email="cc@riverton.example"))
        case = tracking.get(s, reference)
        with pytest.raises(Refused):
            transfer(s, staff.actor_for(member), case, "transportation", reason="x", seen=case.revision,
                     known_departments=["transportation"])
    assert [row[0] for row in audit_rows(app, "case.transfer", reference)] == ["failure"]
    assert saved(app, reference)["department"] == "public-works"


def test_the_case_page_links_to_passing_on_and_merging_while_the_case_is_open(app, pothole):
    works = staff_client(app, "cw@riverton.example")
    page = works.get(f"/staff/cases/{pothole.case.reference}").get_data(as_text=True)
    assert f'href="{transfer_url(pothole.case.reference)}"' in page
    assert f'href="/staff/cases/{pothole.case.reference}/merge"' in page
    done = factories.case(app, "pothole", "in_review", "resolved")
    page = works.get(f"/staff/cases/{done.case.reference}").get_data(as_text=True)
    assert "/transfer" not in page and "/merge" not in page
