"""Cases through the API: listed with filters and a cursor, read (audited like a staff view, with
an ETag), and moved by the staff workspace's own transition — If-Match and Idempotency-Key on
every action; every wrong request the right problem, and nothing changed by it."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.cases import tracking
from portal.models import AuditRecord, Case, CaseEvent, IdempotencyKey, Notification

from .. import factories
from ..api import bearer, get_token, register

PROBLEM = "application/problem+json"


def _late(app, reference: str, days: int = 10) -> None:
    with db.session_scope(app) as s:
        case = tracking.get(s, reference)
        case.respond_by = case.resolve_by = date.today() - timedelta(days=days)


@pytest.fixture
def works(app):
    """A public works client, its token, and cases: two overdue potholes (one in review), one on
    time, and a tree-removal permit of urban forestry (another department)."""
    registered = register(app, "Works orders", departments=("public-works",))
    late = factories.case(app, "pothole", "in_review", contact={"email": "ana.api@example.com"}).case.reference
    late_new = factories.case(app, "pothole").case.reference
    fresh = factories.case(app, "pothole", "in_review").case.reference
    other = factories.case(app, "tree-removal").case.reference
    _late(app, late)
    _late(app, late_new)
    return {"registered": registered, "late": late, "late_new": late_new, "fresh": fresh, "other": other}


@pytest.fixture
def token(client, works):
    return get_token(client, works["registered"])


def _problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["type"].endswith(":" + kind) and body["status"] == status and body["title"] and body["detail"]
    return body


def _state(app, reference: str):
    with db.session_scope(app, immediate=False) as s:
        case = tracking.get(s, reference)
        events = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
        sent = s.scalar(select(func.count()).select_from(Notification).where(Notification.case_id == case.id))
        return case.status, case.revision, events, sent


def test_the_list_holds_the_clients_departments_only_and_filters(client, works, token):
    everything = client.get("/api/v1/cases", headers=bearer(token))
    assert everything.status_code == 200
    references = [c["reference"] for c in everything.get_json()["items"]]
    assert set(references) == {works["late"], works["late_new"], works["fresh"]}
    overdue = client.get("/api/v1/cases?overdue=true", headers=bearer(token)).get_json()["items"]
    assert {c["reference"] for c in overdue} == {works["late"], works["late_new"]}
    assert all(c["overdue"] for c in overdue)
    reviewing = client.get("/api/v1/cases?overdue=true&status=in_review", headers=bearer(token)).get_json()
    assert [c["reference"] for c in reviewing["items"]] == [works["late"]]
    foreign = client.get("/api/v1/cases?department=urban-forestry", headers=bearer(token)).get_json()
    assert foreign["items"] == []
    assert "contact" not in everything.get_json()["items"][0]


def test_the_list_pages_by_cursor(client, works, token):
    seen, cursor = [], None
    while True:
        url = "/api/v1/cases?limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=bearer(token)).get_json()
        seen += [c["reference"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 3 and set(seen) == {works["late"], works["late_new"], works["fresh"]}


def test_updated_since_keeps_the_cases_changed_since(client, works, token):
    future = client.get("/api/v1/cases?updated_since=2999-01-01T00:00:00%2B00:00", headers=bearer(token))
    assert future.get_json()["items"] == []
    past = client.get("/api/v1/cases?updated_since=2000-01-01T00:00:00Z", headers=bearer(token))
    assert len(past.get_json()["items"]) == 3


@pytest.mark.parametrize("query", ["status=lost", "overdue=yes", "limit=0", "limit=101", "cursor=garbage",
                                   "updated_since=yesterday", "updated_since=2024-01-01T00:00:00",
                                   "service=unicorns", "colour=blue"])
def test_a_bad_list_parameter_is_a_400_problem(client, works, token, query):
    body = _problem(client.get(f"/api/v1/cases?{query}", headers=bearer(token)), 400, "invalid-parameter")
    assert query.split("=")[0] in body["detail"] or "cursor" in body["detail"]


def test_reading_a_case_is_audited_like_a_staff_view_and_has_an_etag(app, client, works, token, db_session):
    response = client.get(f"/api/v1/cases/{works['late']}", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["reference"] == works["late"] and body["contact"]["email"] == "ana.api@example.com"
    assert "resolve" in body["actions"] and response.headers["ETag"] == f'"{works["late"]}.{body["revision"]}"'
    row = db_session.scalar(select(AuditRecord).filter_by(action="case.read", target_id=works["late"]))
    assert row.actor == f"api_client:{works['registered'].client_id}" and row.source == "api"
    assert row.details == {"department": "public-works"}


def test_a_case_outside_the_departments_is_the_same_404_as_none(app, client, works, token, db_session):
    outside = client.get(f"/api/v1/cases/{works['other']}", headers=bearer(token))
    missing = client.get("/api/v1/cases/ZZZ-ZZZ-ZZZ", headers=bearer(token))
    assert _problem(outside, 404, "not-found") == _problem(missing, 404, "not-found")
    refused = db_session.scalar(select(AuditRecord).filter_by(action="case.read", target_id=works["other"]))
    assert refused.outcome == "failure"


def _act(client, token, reference, action, body=None, *, etag=None, key="k-1", raw=None, content_type=None):
    headers = bearer(token)
    if etag is not None:
        headers["If-Match"] = etag
    if key is not None:
        headers["Idempotency-Key"] = key
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    return client.post(f"/api/v1/cases/{reference}/actions/{action}", data=data, headers=headers,
                       content_type=content_type or ("application/json" if data is not None else None))


def _etag(client, token, reference):
    return client.get(f"/api/v1/cases/{reference}", headers=bearer(token)).headers["ETag"]


def test_an_action_moves_the_case_through_the_staff_transition(app, client, works, token, db_session):
    etag = _etag(client, token, works["late"])
    response = _act(client, token, works["late"], "resolve", {"public_note": "Filled today.",
                                                              "internal_note": "Crew 2."}, etag=etag)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "resolved" and response.headers["ETag"] != etag
    event = db_session.scalar(select(CaseEvent).filter_by(action="resolve"))
    assert (event.public_note, event.internal_note) == ("Filled today.", "Crew 2.")
    assert event.actor == f"api_client:{works['registered'].client_id}"
    audit = db_session.scalars(select(AuditRecord).filter_by(action="case.transition")
                               .order_by(AuditRecord.id.desc())).first()
    assert (audit.source, audit.actor, audit.details["to"]) == ("api", event.actor, "resolved")


@pytest.mark.parametrize(("change", "status", "kind"), [
    ({"etag": '"stale.0"'}, 412, "stale"),
    ({"etag": None}, 428, "precondition-required"),
    ({"key": None}, 400, "idempotency-key-missing"),
    ({"raw": "{not json"}, 400, "invalid-json"),
    ({"raw": "[1, 2]"}, 400, "invalid-json"),
    ({"raw": "public_note=x", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported-media-type"),
    ({"body": {"public_note": 5}}, 422, "invalid-body"),
    ({"body": {"colour": "blue"}}, 422, "invalid-body"),
    ({"body": {"public_note": "x" * 4001}}, 422, "invalid-body"),
    ({"action": "teleport"}, 404, "unknown-action"),
    ({"action": "approve"}, 404, "unknown-action"),  # a permit's action, not a complaint's
    ({"action": "review"}, 409, "status-conflict"),  # already in review
    ({"action": "request_information", "body": {}}, 422, "invalid-body"),  # a question for the resident is needed
])
def test_a_wrong_action_request_is_the_right_problem_and_changes_nothing(app, client, works, token, change,
                                                                        status, kind):
    reference = works["late"]
    before = _state(app, reference)
    arguments = {"body": {"public_note": "Filled."}, "etag": _etag(client, token, reference), **change}
    action = arguments.pop("action", "resolve")
    _problem(_act(client, token, reference, action, **arguments), status, kind)
    assert _state(app, reference) == before


def test_a_stale_if_match_after_another_change_is_412(app, client, works, token):
    etag = _etag(client, token, works["late"])
    factories.move(app, works["late"], "scheduled")
    before = _state(app, works["late"])
    _problem(_act(client, token, works["late"], "resolve", {"public_note": "x"}, etag=etag), 412, "stale")
    assert _state(app, works["late"]) == before


def test_a_role_without_the_action_is_403_and_audited(app, client, works, db_session):
    desk = register(app, "Front desk", roles=("contact_centre",), scopes=("cases:read", "cases:act"))
    token = get_token(client, desk)
    before = _state(app, works["late"])
    _problem(_act(client, token, works["late"], "resolve", {"public_note": "x"},
                  etag=_etag(client, token, works["late"])), 403, "forbidden")
    assert _state(app, works["late"]) == before
    refused = db_session.scalar(select(AuditRecord).filter_by(action="case.act", outcome="failure"))
    assert refused.actor == f"api_client:{desk.client_id}"
    assert db_session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_a_read_only_token_cannot_act(app, client, works):
    reader = register(app, "Reader", scopes=("cases:read",))
    token = get_token(client, reader)
    _problem(_act(client, token, works["late"], "resolve", {"public_note": "x"},
                  etag=_etag(client, token, works["late"])), 403, "insufficient-scope")


def test_a_replayed_idempotency_key_returns_the_first_response_and_another_body_is_422(app, client, works, token):
    etag = _etag(client, token, works["late"])
    first = _act(client, token, works["late"], "resolve", {"public_note": "Done."}, etag=etag, key="once")
    assert first.status_code == 200
    after = _state(app, works["late"])
    again = _act(client, token, works["late"], "resolve", {"public_note": "Done."}, etag=etag, key="once")
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert again.headers["ETag"] == first.headers["ETag"] and again.headers["Idempotent-Replayed"] == "true"
    other = _act(client, token, works["late"], "resolve", {"public_note": "Other."}, etag=etag, key="once")
    _problem(other, 422, "idempotency-key-reused")
    assert _state(app, works["late"]) == after


def test_a_key_in_flight_is_409(app, client, works, token, db_session):
    from portal.api import idempotency

    registered = db_session.scalar(select(IdempotencyKey))
    assert registered is None
    etag = _etag(client, token, works["late"])
    body = json.dumps({"public_note": "Done."})
    with app.test_request_context(f"/api/v1/cases/{works['late']}/actions/resolve", method="POST", data=body):
        fingerprint = idempotency._fingerprint()
    from portal.accounts import api_clients

    with db.session_scope(app) as s:
        client_row = api_clients.find(s, works["registered"].client_id)
        api_clients.reserve_key(s, client_row.id, "busy", fingerprint)
    before = _state(app, works["late"])
    _problem(_act(client, token, works["late"], "resolve", {"public_note": "Done."}, etag=etag, key="busy"),
             409, "request-in-flight")
    assert _state(app, works["late"]) == before


def test_a_failed_request_frees_its_key(app, client, works, token):
    _problem(_act(client, token, works["late"], "resolve", {"public_note": "x"}, etag='"old.0"', key="retry"),
             412, "stale")
    ok = _act(client, token, works["late"], "resolve", {"public_note": "x"},
              etag=_etag(client, token, works["late"]), key="retry")
    assert ok.status_code == 200


def test_done_when_a_registered_client_resolves_an_overdue_case_and_the_resident_is_emailed(app, client, works,
                                                                                          db_session):
    registered = register(app, "Public works back office", roles=("caseworker",), departments=("public-works",),
                          scopes=("cases:read", "cases:act"))
    token = get_token(client, registered)
    overdue = client.get("/api/v1/cases?overdue=true&department=public-works", headers=bearer(token))
    assert overdue.status_code == 200
    listed = [c for c in overdue.get_json()["items"] if c["status"] == "in_review"]
    assert [c["reference"] for c in listed] == [works["late"]]
    reference = listed[0]["reference"]
    read = client.get(f"/api/v1/cases/{reference}", headers=bearer(token))
    resolved = _act(client, token, reference, "resolve", {"public_note": "We filled the pothole this morning."},
                    etag=read.headers["ETag"], key="resolve-1")
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    email = db_session.scalar(select(Notification).where(Notification.case_id == case.id,
                                                         Notification.channel == "email")
                              .order_by(Notification.id.desc()))
    assert email is not None and email.recipient["email"] == "ana.api@example.com"
    assert email.context["status"] == "resolved" and email.context["note"] == "We filled the pothole this morning."


def test_a_body_too_large_is_413_and_changes_nothing(app, client, works, token):
    before = _state(app, works["late"])
    huge = json.dumps({"public_note": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    response = _act(client, token, works["late"], "resolve", raw=huge, etag=_etag(client, token, works["late"]))
    _problem(response, 413, "too-large")
    assert _state(app, works["late"]) == before


def test_a_reservation_never_answered_is_taken_over_after_a_while(app, client, works, token):
    from portal.accounts import api_clients

    with db.session_scope(app) as s:
        client_row = api_clients.find(s, works["registered"].client_id)
        reservation = api_clients.reserve_key(s, client_row.id, "cut-off", "0" * 64)
        s.get(IdempotencyKey, reservation).created_at -= api_clients.IN_FLIGHT_LIMIT + timedelta(seconds=1)
    response = _act(client, token, works["late"], "resolve", {"public_note": "Done."},
                    etag=_etag(client, token, works["late"]), key="cut-off")
    assert response.status_code == 200
