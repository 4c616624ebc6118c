"""POST /api/v1/cases: a back-office system makes a case for a resident. The answers are checked by
the question pages' own rules (every invalid answer named, in the caller's language), the case
records its channel, the resident's receipt is queued, an Idempotency-Key replays, and a refused
request leaves nothing behind."""

from __future__ import annotations

import json

import jsonschema
import pytest
from sqlalchemy import func, select

from portal import db
from portal.models import AuditRecord, Case, Draft, Notification

from ..api import bearer, get_token, register

PROBLEM = "application/problem+json"
POTHOLE = {"location": {"street": "1200 Pennsylvania Ave NW", "latitude": "38.8977", "longitude": "-77.0365"},
           "position": "traffic_lane", "size": "large", "first_seen": "2026-11-30", "details": "Full of water"}


@pytest.fixture
def token(app, client):
    registered = register(app, "Call centre system", roles=("contact_centre",), departments=("public-works",),
                          scopes=("services:read", "cases:create"))
    return get_token(client, registered)


def _post(client, token, body, key="k-1", **headers):
    return client.post("/api/v1/cases", data=json.dumps(body), content_type="application/json",
                       headers=bearer(token, **{"Idempotency-Key": key, **headers}))


def _count(app, model) -> int:
    with db.session_scope(app, immediate=False) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_case_is_made_for_the_resident_with_the_channel_and_the_receipt(app, client, token):
    body = {"service_code": "pothole", "answers": POTHOLE, "locale": "es",
            "resident": {"name": "Ana Ruiz", "email": "ana.ruiz@example.com"}}
    response = _post(client, token, body)
    assert response.status_code == 201, response.get_data(as_text=True)
    made = response.get_json()
    assert made["channel"] == "api" and made["locale"] == "es" and made["receipt_queued"] is True
    assert response.headers["Location"] == f"/api/v1/cases/{made['reference']}"
    with db.session_scope(app, immediate=False) as s:
        case = s.scalar(select(Case).filter_by(reference=made["reference"]))
        assert case.channel == "api" and case.entered_by_id is None and case.priority == 3
        assert case.answers["location"]["street"] == "1200 Pennsylvania Ave NW"
        assert case.answers["first_seen"] == "2026-11-30" and case.contact_email == "ana.ruiz@example.com"
        receipt = s.scalar(select(Notification).filter_by(key=f"case:{case.id}:received"))
        assert receipt is not None and receipt.channel == "email" and receipt.locale == "es"
        audit = s.scalar(select(AuditRecord).filter_by(action="case.submit", target_id=case.reference))
        assert audit.details["channel"] == "api" and audit.details["entered_by"].startswith("api_client:")
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/cases"]["post"]
    assert operation["operationId"] == "createCase" and operation["security"] == [{"oauth2": ["cases:create"]}]
    jsonschema.validate(made, {**document["components"]["schemas"]["CreatedCase"],
                               "$defs": {}}, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    again = _post(client, token, body)
    assert again.status_code == 201 and again.get_json() == made and again.headers["Idempotent-Replayed"] == "true"
    assert _count(app, Case) == 1


def test_every_invalid_answer_is_named_in_the_callers_language_and_nothing_is_saved(app, client, token):
    answers = {**POTHOLE, "size": "enormous", "first_seen": "2026-02-30", "colour": "red"}
    del answers["position"]
    response = _post(client, token, {"service_code": "pothole", "answers": answers,
                                     "resident": {"email": "ana@example.com"}}, **{"Accept-Language": "es"})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["type"].endswith(":invalid-answers") and response.headers["Content-Language"] == "es"
    by_question = {e["question"]: e for e in problem["errors"]}
    assert by_question["colour"]["reason"] == "unknown"
    assert by_question["size"]["reason"] == "invalid" and "respuestas" in by_question["size"]["detail"]
    assert by_question["first_seen"]["reason"] == "invalid" and "fecha" in by_question["first_seen"]["detail"]
    assert by_question["position"]["reason"] == "missing"
    assert by_question["position"]["detail"] == "Elija en qué parte de la calle está el bache"
    assert _count(app, Case) == 0 and _count(app, Draft) == 0 and _count(app, Notification) == 0


@pytest.mark.parametrize(("answers", "question"), [
    ({**POTHOLE, "details": "x" * 1001}, "details"),
    ({**POTHOLE, "location": {"street": "", "latitude": "91"}}, "location"),
    ({**POTHOLE, "position": ["traffic_lane"]}, "position"),
])
def test_the_pages_limits_hold(app, client, token, answers, question):
    response = _post(client, token, {"service_code": "pothole", "answers": answers})
    assert response.status_code == 422
    assert [e["question"] for e in response.get_json()["errors"]] == [question]


def test_bad_contact_details_unknown_services_and_foreign_departments_are_refused(app, client, token):
    bad_email = _post(client, token, {"service_code": "pothole", "answers": POTHOLE,
                                      "resident": {"email": "not an address"}}, key="a")
    assert bad_email.status_code == 422 and bad_email.get_json()["errors"][0]["question"] == "contact"
    unknown = _post(client, token, {"service_code": "volcano", "answers": {}}, key="b")
    assert unknown.status_code == 422 and unknown.mimetype == PROBLEM
    tree = _post(client, token, {"service_code": "tree-removal", "answers": {}}, key="c")
    assert tree.status_code == 403 and tree.get_json()["type"].endswith(":forbidden")
    assert _count(app, Case) == 0


def test_a_client_without_the_scope_or_the_role_cannot_make_cases(app, client):
    reader = register(app, "Reader", roles=("caseworker",), scopes=("services:read", "cases:read"))
    narrow = get_token(client, reader)
    assert _post(client, narrow, {"service_code": "pothole", "answers": POTHOLE}).status_code == 403
    worker = register(app, "Worker", roles=("caseworker",), scopes=("cases:create",))
    no_role = get_token(client, worker)
    response = _post(client, no_role, {"service_code": "pothole", "answers": POTHOLE})
    assert response.status_code == 403 and response.get_json()["type"].endswith(":forbidden")
    assert _count(app, Case) == 0
