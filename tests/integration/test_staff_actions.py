"""Staff act on a case from pages of their own: only the actions their roles, the case's department
and its status allow (404 otherwise), with the message previewed exactly as it will be sent, and a
form that is out of date changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal import db
from portal.cases import tracking
from portal.models import CaseEvent, Notification

from .. import factories
from ..staff import sign_in_staff

REVISION = re.compile(r'name="revision"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="revision"')


def _signed_in(app, email="cw@riverton.example", **kwargs):
    member = factories.staff_member(app, email, **kwargs)
    client = app.test_client()
    assert sign_in_staff(client, member).status_code == 302
    return client, member


def _form(client, url):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    found = REVISION.search(html)
    return {"csrf_token": token, "revision": found.group(1) or found.group(2)}, html


def _case(app, reference):
    with db.session_scope(app) as s:
        case = tracking.get(s, reference)
        return case.status, case.revision, case.assignee_id, len(case.events)


def _queued(app) -> int:
    with db.session_scope(app) as s:
        return s.scalar(select(func.count()).select_from(Notification))


def test_a_caseworker_sees_only_the_actions_the_status_allows(app):
    made = factories.case(app, "pothole", "in_review")
    client, _member = _signed_in(app)
    for action in ("request_information", "schedule", "resolve", "close"):
        assert client.get(f"/staff/cases/{made.case.reference}/act/{action}").status_code == 200, action
    for action in ("review", "unschedule", "approve", "deny", "answer_information", "withdraw", "nonsense"):
        assert client.get(f"/staff/cases/{made.case.reference}/act/{action}").status_code == 404, action


@pytest.mark.parametrize("roles, departments", [
    (("caseworker",), ("sanitation",)),  # another department
    (("contact_centre",), ("public-works",)),  # reads, but does not work cases
    (("department_admin",), ("public-works",)),
])
def test_staff_outside_the_department_or_role_get_404_and_nothing_changes(app, roles, departments):
    made = factories.case(app, "pothole", "in_review")
    client, _member = _signed_in(app, roles=roles, departments=departments)
    before = _case(app, made.case.reference)
    url = f"/staff/cases/{made.case.reference}/act/resolve"
    assert client.get(url).status_code == 404
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/").get_data(as_text=True)).group(1)
    sent = client.post(url, data={"csrf_token": token, "revision": str(before[1]), "send": "1", "public_note": "x"})
    assert sent.status_code == 404
    assert client.get(f"/staff/cases/{made.case.reference}/assign").status_code == 404
    if "public-works" not in departments:
        assert client.get(f"/staff/cases/{made.case.reference}/note").status_code == 404
    assert _case(app, made.case.reference) == before


def test_a_request_for_information_needs_the_question(app):
    made = factories.case(app, "pothole", "in_review")
    client, _member = _signed_in(app)
    url = f"/staff/cases/{made.case.reference}/act/request_information"
    data, _html = _form(client, url)
    answer = client.post(url, data={**data, "public_note": "  ", "send": "1"})
    assert answer.status_code == 400
    assert "Enter the message for the resident" in answer.get_data(as_text=True)
    unchosen = client.post(url, data={**data, "use_template": "1"})
    assert unchosen.status_code == 400 and "Choose a template" in unchosen.get_data(as_text=True)
    assert _case(app, made.case.reference)[0] == "in_review"


def test_a_denial_needs_a_reason(app):
    made = factories.case(app, "tree-removal", "in_review")
    client, _member = _signed_in(app, departments=("urban-forestry",))
    url = f"/staff/cases/{made.case.reference}/act/deny"
    data, _html = _form(client, url)
    answer = client.post(url, data={**data, "public_note": "", "send": "1"})
    assert answer.status_code == 400
    assert _case(app, made.case.reference)[0] == "in_review"


def test_preview_shows_the_message_and_queues_nothing_then_send_acts(app):
    made = factories.case(app, "pothole", "in_review")
    client, _member = _signed_in(app)
    url = f"/staff/cases/{made.case.reference}/act/request_information"
    data, _html = _form(client, url)
    queued = _queued(app)
    shown = client.post(url, data={**data, "public_note": "Which lane is it in?", "internal_note": "Crew 3 asks",
                                   "preview": "1"})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "What the resident will receive" in html and "Which lane is it in?" in html
    assert _queued(app) == queued and _case(app, made.case.reference)[0] == "in_review"
    sent = client.post(url, data={**data, "public_note": "Which lane is it in?", "internal_note": "Crew 3 asks",
                                  "send": "1"})
    assert sent.status_code == 302
    assert _case(app, made.case.reference)[0] == "more_info_needed"
    assert _queued(app) == queued + 1


def test_a_stale_form_changes_nothing_shows_what_changed_and_keeps_the_text(app):
    made = factories.case(app, "pothole", "in_review")
    first, _a = _signed_in(app)
    second, _b = _signed_in(app, "cw2@riverton.example", name="Second Worker")
    reference = made.case.reference
    one, _ = _form(first, f"/staff/cases/{reference}/act/schedule")
    two, _ = _form(second, f"/staff/cases/{reference}/act/resolve")
    assert first.post(f"/staff/cases/{reference}/act/schedule",
                      data={**one, "public_note": "Crew on Monday", "send": "1"}).status_code == 302
    before = _case(app, reference)
    late = second.post(f"/staff/cases/{reference}/act/resolve",
                       data={**two, "public_note": "Filled it today", "internal_note": "used cold patch",
                             "send": "1"})
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Someone else changed this case" in html and "Crew on Monday" in html
    assert "Filled it today" in html and "used cold patch" in html
    assert _case(app, reference) == before
    # Once read, the same form (with the revision it now carries) can be sent.
    again = dict(two, revision=str(before[1]))
    assert second.post(f"/staff/cases/{reference}/act/resolve",
                       data={**again, "public_note": "Filled it today", "send": "1"}).status_code == 302
    assert _case(app, reference)[0] == "resolved"


def test_an_internal_note_alone_and_its_stale_form(app):
    made = factories.case(app, "pothole", "in_review")
    client, _member = _signed_in(app)
    url = f"/staff/cases/{made.case.reference}/note"
    data, _html = _form(client, url)
    assert client.post(url, data={**data, "internal_note": ""}).status_code == 400
    assert client.post(url, data={**data, "internal_note": "Called the crew"}).status_code == 302
    before = _case(app, made.case.reference)
    stale = client.post(url, data={**data, "internal_note": "A second thought"})
    assert stale.status_code == 409 and "A second thought" in stale.get_data(as_text=True)
    assert _case(app, made.case.reference) == before
    with db.session_scope(app) as s:
        notes = s.scalars(select(CaseEvent.internal_note).where(CaseEvent.action == "note")).all()
    assert notes == ["Called the crew"]


def test_take_and_assign_by_role(app):
    made = factories.case(app, "pothole", "in_review")
    worker, member = _signed_in(app)
    url = f"/staff/cases/{made.case.reference}/assign"
    data, html = _form(worker, url)
    assert "Who should work on this case?" not in html  # a caseworker takes, a supervisor assigns
    assert worker.post(url, data={**data, "assignee": "", "assign": "1"}).status_code == 404
    assert _case(app, made.case.reference)[2] is None
    assert worker.post(url, data={**data, "take": "1"}).status_code == 302
    assert _case(app, made.case.reference)[2] == member.id
    assert worker.get(url).status_code == 404  # assigned now: only a supervisor reassigns
    boss, _boss = _signed_in(app, "sup@riverton.example", roles=("supervisor",), name="Sam Super")
    data, html = _form(boss, url)
    assert "Casey Worker" in html
    outsider = factories.staff_member(app, "out@riverton.example", departments=("sanitation",), name="Out Sider")
    refused = boss.post(url, data={**data, "assignee": str(outsider.id), "assign": "1"})
    assert refused.status_code == 400
    assert _case(app, made.case.reference)[2] == member.id
    assert boss.post(url, data={**data, "assignee": "", "assign": "1"}).status_code == 302
    assert _case(app, made.case.reference)[2] is None
    with db.session_scope(app) as s:
        events = s.scalars(select(CaseEvent.details).where(CaseEvent.action == "assign")).all()
    assert [e["to"] for e in events] == [member.id, None]


def test_a_letter_preview_honours_large_print_and_finds_its_stylesheet(app):
    postal = {"line1": "48 Cedar Lane", "line2": "", "city": "Riverton", "state": "VA", "zip": "20501"}
    made = factories.case(app, "pothole", "in_review",
                          contact={"preferred_channel": "post", "postal": postal, "large_print": True})
    client, _member = _signed_in(app)
    url = f"/staff/cases/{made.case.reference}/act/resolve"
    data, _html = _form(client, url)
    html = client.post(url, data={**data, "public_note": "Filled on Tuesday", "preview": "1"}).get_data(as_text=True)
    assert "Large print" in html and "letter--large-print" in html and "Filled on Tuesday" in html
    stylesheet = client.get(f"/staff/cases/{made.case.reference}/act/letter.css")
    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
    assert ".letter--large-print" in stylesheet.get_data(as_text=True)


def test_the_case_page_links_to_the_actions_the_member_may_take(app):
    made = factories.case(app, "pothole", "in_review")
    client, _member = _signed_in(app)
    html = client.get(f"/staff/cases/{made.case.reference}").get_data(as_text=True)
    reference = made.case.reference
    for path in ("act/request_information", "act/schedule", "act/resolve", "act/close", "assign", "note"):
        assert f'href="/staff/cases/{reference}/{path}"' in html, path
    assert f"/staff/cases/{reference}/act/review" not in html
    data, _html = _form(client, f"/staff/cases/{reference}/note")
    done = client.post(f"/staff/cases/{reference}/note", data={**data, "internal_note": "Seen"})
    assert done.headers["Location"] == f"/staff/cases/{reference}"


def test_a_caseworker_reopens_a_resolved_case_the_resident_did_not_reopen(app):
    made = factories.case(app, "pothole", "in_review", "resolved")
    client, _member = _signed_in(app)
    url = f"/staff/cases/{made.case.reference}/act/reopen"
    data, _html = _form(client, url)
    answer = client.post(url, data={**data, "public_note": "The crew will come back.", "send": "1"})
    assert answer.status_code == 302
    assert _case(app, made.case.reference)[0] == "in_review"
    assert client.get(url).status_code == 404  # in review now: nothing to reopen
