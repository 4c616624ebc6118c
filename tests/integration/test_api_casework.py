"""Working a case through the API as staff do: public and internal notes, assignment and transfer
go through the staff workspace's own domain functions and policy — the same event, audit record and
message to the resident — each with If-Match and Idempotency-Key, and every wrong request the right
problem with nothing changed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal import db
from portal.cases import tracking
from portal.models import AuditRecord, Case, CaseEvent, IdempotencyKey, Notification

from .. import factories
from ..api import bearer, case_etag, get_token, register, write_headers
from .test_api_cases import _problem, _state
from .test_api_openapi import check, document  # noqa: F401  (document: a fixture)

WRITE = ("cases:read", "cases:write")


@pytest.fixture
def pothole(app):
    return factories.case(app, "pothole", "in_review", contact={"email": "ana.notes@example.com"}).case.reference


@pytest.fixture
def tree(app):
    return factories.case(app, "tree-removal").case.reference


@pytest.fixture
def token(app, client):
    return get_token(client, register(app, "Works orders", scopes=WRITE))


def _post(client, token, reference, what, body, *, etag="read", key="k-1", raw=None):
    return client.post(f"/api/v1/cases/{reference}/{what}", data=raw if raw is not None else json.dumps(body),
                       headers=write_headers(client, token, reference, etag=etag, key=key),
                       content_type="application/json")


def _sent(db_session, reference, template):
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    return list(db_session.scalars(select(Notification).where(Notification.case_id == case.id,
                                                               Notification.template == template)))


# --- Notes -----------------------------------------------------------------------------------------


def test_a_public_note_is_an_event_and_an_update_sent_to_the_resident(app, client, token, pothole, db_session,
                                                                      document):
    etag = case_etag(client, token, pothole)
    response = _post(client, token, pothole, "notes", {"visibility": "public", "text": "The crew comes Monday."},
                     etag=etag)
    assert response.status_code == 200, response.get_data(as_text=True)
    check(document, "/cases/{reference}/notes", "post", response)
    assert response.headers["ETag"] != etag and response.get_json()["status"] == "in_review"
    event = db_session.scalar(select(CaseEvent).filter_by(action="note"))
    assert (event.public_note, event.internal_note, event.status_from, event.status_to) == (
        "The crew comes Monday.", None, "in_review", "in_review")
    [update] = [n for n in _sent(db_session, pothole, "case_updated") if n.context.get("note")]
    assert update.recipient["email"] == "ana.notes@example.com" and update.context["note"] == "The crew comes Monday."
    audit = db_session.scalar(select(AuditRecord).filter_by(action="case.note_public"))
    assert audit.source == "api" and audit.target_id == pothole and audit.outcome == "success"
    # What the resident's tracking page shows has the note.
    with db.session_scope(app, immediate=False) as s:
        updates = tracking.public_view(tracking.get(s, pothole)).updates
    assert [u.note for u in updates if u.note] == ["The crew comes Monday."]


def test_an_internal_note_sends_nothing(app, client, token, pothole, db_session):
    before = _state(app, pothole)
    response = _post(client, token, pothole, "notes", {"visibility": "internal", "text": "Needs the big truck."})
    assert response.status_code == 200
    event = db_session.scalar(select(CaseEvent).filter_by(action="note"))
    assert (event.public_note, event.internal_note) == (None, "Needs the big truck.")
    status, revision, events, sent = _state(app, pothole)
    assert (status, revision, events, sent) == (before[0], before[1] + 1, before[2] + 1, before[3])
    assert response.get_json()["events"][0]["internal_note"] == "Needs the big truck."


@pytest.mark.parametrize(("change", "status", "kind"), [
    ({"body": {"visibility": "public", "text": "x" * 5001}}, 422, "invalid-body"),
    ({"body": {"visibility": "public", "text": "   "}}, 422, "invalid-body"),
    ({"body": {"visibility": "public", "text": 5}}, 422, "invalid-body"),
    ({"body": {"visibility": "everyone", "text": "x"}}, 422, "invalid-body"),
    ({"body": {"text": "x"}}, 422, "invalid-body"),
    ({"body": {"visibility": "public", "text": "x", "urgent": True}}, 422, "invalid-body"),
    ({"raw": "{nope"}, 400, "invalid-json"),
    ({"etag": '"stale.0"'}, 412, "stale"),
    ({"etag": None}, 428, "precondition-required"),
    ({"key": None}, 400, "idempotency-key-missing"),
])
def test_a_wrong_note_is_the_right_problem_and_changes_nothing(app, client, token, pothole, change, status, kind):
    before = _state(app, pothole)
    arguments = {"body": {"visibility": "public", "text": "Fine."}, **change}
    _problem(_post(client, token, pothole, "notes", arguments.pop("body"), **arguments), status, kind)
    assert _state(app, pothole) == before


def test_a_note_on_another_departments_case_is_404_and_without_the_scope_403(app, client, token, tree):
    before = _state(app, tree)
    headers = bearer(token, **{"If-Match": "*", "Idempotency-Key": "k"})
    _problem(client.post(f"/api/v1/cases/{tree}/notes", json={"visibility": "internal", "text": "x"},
                         headers=headers), 404, "not-found")
    reader = get_token(client, register(app, "Reader", scopes=("cases:read",)))
    _problem(client.post(f"/api/v1/cases/{tree}/notes", json={"visibility": "internal", "text": "x"},
                         headers=bearer(reader, **{"If-Match": "*", "Idempotency-Key": "k"})),
             403, "insufficient-scope")
    assert _state(app, tree) == before


def test_a_role_without_public_notes_may_still_write_internal_ones(app, client, pothole, db_session):
    desk = get_token(client, register(app, "Front desk", roles=("contact_centre",), scopes=WRITE))
    before = _state(app, pothole)
    _problem(_post(client, desk, pothole, "notes", {"visibility": "public", "text": "Hi."}), 403, "forbidden")
    assert _state(app, pothole) == before
    refused = db_session.scalar(select(AuditRecord).filter_by(action="case.note_public", outcome="failure"))
    assert refused is not None and refused.source == "api"
    assert _post(client, desk, pothole, "notes", {"visibility": "internal", "text": "Called her back."},
                 key="k-2").status_code == 200


def test_a_replayed_note_is_added_once(app, client, token, pothole, db_session):
    etag = case_etag(client, token, pothole)
    body = {"visibility": "public", "text": "On our list."}
    first = _post(client, token, pothole, "notes", body, etag=etag, key="note-1")
    again = _post(client, token, pothole, "notes", body, etag=etag, key="note-1")
    assert first.status_code == again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert len([n for n in _sent(db_session, pothole, "case_updated") if n.context.get("note")]) == 1
    assert db_session.scalar(select(func.count()).select_from(CaseEvent).filter_by(action="note")) == 1
    _problem(_post(client, token, pothole, "notes", {**body, "text": "Other."}, etag=etag, key="note-1"),
             422, "idempotency-key-reused")


# --- Assignment -------------------------------------------------------------------------------------


def test_a_supervisor_client_assigns_to_a_listed_member_and_unassigns(app, client, pothole, db_session, document):
    casey = factories.staff_member(app, "cw@riverton.example", name="Casey Worker")
    factories.staff_member(app, "tr@riverton.example", name="Tara Roads", departments=("transportation",))
    token = get_token(client, register(app, "Dispatch", roles=("supervisor",), scopes=WRITE))
    listed = client.get(f"/api/v1/cases/{pothole}/assignees", headers=bearer(token))
    check(document, "/cases/{reference}/assignees", "get", listed)
    assert listed.get_json() == {"items": [{"id": casey.id, "name": "Casey Worker"}], "assignee_id": None}
    response = _post(client, token, pothole, "assignment", {"assignee_id": casey.id})
    assert response.status_code == 200, response.get_data(as_text=True)
    check(document, "/cases/{reference}/assignment", "post", response)
    assert db_session.scalar(select(Case.assignee_id).filter_by(reference=pothole)) == casey.id
    audit = db_session.scalar(select(AuditRecord).filter_by(action="case.assign"))
    assert audit.source == "api" and audit.details == {"from": None, "to": casey.id}
    again = _post(client, token, pothole, "assignment", {"assignee_id": None}, key="k-2")
    assert again.status_code == 200
    db_session.rollback()
    assert db_session.scalar(select(Case.assignee_id).filter_by(reference=pothole)) is None


def test_assignment_refusals(app, client, token, pothole, tree, db_session):
    casey = factories.staff_member(app, "cw@riverton.example")
    tara = factories.staff_member(app, "tr@riverton.example", departments=("transportation",))
    before = _state(app, pothole)
    # A caseworker's client may not assign (supervisors do): 403, audited.
    _problem(_post(client, token, pothole, "assignment", {"assignee_id": casey.id}), 403, "forbidden")
    assert db_session.scalar(select(AuditRecord).filter_by(action="case.assign", outcome="failure")) is not None
    supervisor = get_token(client, register(app, "Dispatch", roles=("supervisor",), scopes=WRITE))
    body = _problem(_post(client, supervisor, pothole, "assignment", {"assignee_id": tara.id}), 422, "not-assignable")
    assert str(tara.id) in body["detail"] and pothole in body["detail"]
    _problem(_post(client, supervisor, pothole, "assignment", {"assignee_id": 999999}), 422, "not-assignable")
    for wrong in ({"assignee_id": "Casey"}, {"assignee_id": True}, {}, {"assignee_id": 1, "why": "x"}):
        _problem(_post(client, supervisor, pothole, "assignment", wrong), 422, "invalid-body")
    _problem(_post(client, supervisor, tree, "assignment", {"assignee_id": casey.id}, etag="*"), 404, "not-found")
    assert _state(app, pothole) == before


# --- Transfer ---------------------------------------------------------------------------------------


def test_a_transfer_moves_the_case_tells_the_resident_and_leaves_the_clients_reach(app, client, token, pothole,
                                                                                db_session, document):
    response = _post(client, token, pothole, "transfer",
                     {"department": "transportation", "reason": "A road sign, not the road.",
                      "public_note": "Our transportation team has it now."})
    assert response.status_code == 200, response.get_data(as_text=True)
    check(document, "/cases/{reference}/transfer", "post", response)
    body = response.get_json()
    assert body["department"] == "transportation" and response.headers["ETag"] == f'"{pothole}.{body["revision"]}"'
    event = db_session.scalar(select(CaseEvent).filter_by(action="transfer"))
    assert event.internal_note == "A road sign, not the road." and event.details == {"from": "public-works",
                                                                                      "to": "transportation"}
    [told] = _sent(db_session, pothole, "case_transferred")
    assert told.context["note"] == "Our transportation team has it now."
    _problem(client.get(f"/api/v1/cases/{pothole}", headers=bearer(token)), 404, "not-found")


@pytest.mark.parametrize(("body", "status", "kind"), [
    ({"department": "atlantis", "reason": "x"}, 422, "transfer-not-possible"),
    ({"department": "public-works", "reason": "x"}, 422, "transfer-not-possible"),
    ({"department": "transportation"}, 422, "invalid-body"),
    ({"department": "transportation", "reason": "x" * 2001}, 422, "invalid-body"),
    ({"department": "transportation", "reason": "x", "public_note": "x" * 2001}, 422, "invalid-body"),
    ({"department": 7, "reason": "x"}, 422, "invalid-body"),
    ({"department": "transportation", "reason": "x", "priority": 1}, 422, "invalid-body"),
])
def test_a_wrong_transfer_is_the_right_problem_and_changes_nothing(app, client, token, pothole, body, status, kind):
    before = _state(app, pothole)
    _problem(_post(client, token, pothole, "transfer", body), status, kind)
    assert _state(app, pothole) == before


def test_a_finished_case_is_not_transferred_and_a_stale_etag_is_412(app, client, token, pothole):
    etag = case_etag(client, token, pothole)
    factories.move(app, pothole, "resolved")
    before = _state(app, pothole)
    _problem(_post(client, token, pothole, "transfer", {"department": "transportation", "reason": "x"}, etag=etag),
             412, "stale")
    _problem(_post(client, token, pothole, "transfer", {"department": "transportation", "reason": "x"}, key="k-2"),
             409, "case-finished")
    assert _state(app, pothole) == before
    with db.session_scope(app, immediate=False) as s:
        assert s.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_problems_are_in_the_language_asked_for(app, client, token, pothole):
    headers = {**bearer(token), "If-Match": case_etag(client, token, pothole), "Idempotency-Key": "k",
               "Accept-Language": "es"}
    response = client.post(f"/api/v1/cases/{pothole}/transfer", json={"department": "atlantis", "reason": "x"},
                           headers=headers)
    body = _problem(response, 422, "transfer-not-possible")
    assert response.headers["Content-Language"] == "es" and body["title"] != "The case cannot be transferred as asked"
