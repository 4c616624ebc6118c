"""``POST /api/v1/cases``: a case made for a resident by a back-office system (its channel "api").

The answers are checked by the question pages' own forms (``portal.forms.answers``) and the case is
made the one way a case is made (``portal.cases.intake``): the client's roles must let it enter
cases for residents in the service's department, and the resident's receipt goes by email or text.
Every answer that cannot be used is named in the problem's ``errors``, in the caller's language.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale, gettext

from .. import db
from ..cases import intake
from ..cases.policy import Refused
from ..forms import answers as checked
from . import bp
from .common import json_body, operation, reply
from .idempotency import idempotent
from .problems import Problem
from .schemas import IDEMPOTENCY_KEY, SCHEMAS, ref, responses

FIELDS = {"service_code", "answers", "resident", "locale"}
RESIDENT_FIELDS = {"name", "email", "phone"}

REQUEST = {
    "type": "object",
    "properties": {
        "service_code": {"type": "string", "description": "The code of a service (GET /services)."},
        "answers": {"type": "object", "description": "The answers, as the service's answers_schema describes."},
        "resident": {"type": "object", "description": "Who the case is for: the receipt goes by email when an "
                                                      "address is given, else by text message.",
                     "properties": {"name": {"type": "string", "maxLength": 200}, "email": {"type": "string"},
                                    "phone": {"type": "string"}},
                     "additionalProperties": False},
        "locale": {"type": "string", "description": "The resident's language (en, es, ar); by default the "
                                                    "language of Accept-Language."},
    },
    "required": ["service_code", "answers"],
    "additionalProperties": False,
}
CREATED = {
    "type": "object",
    "properties": {"reference": {"type": "string"}, "service_code": {"type": "string"},
                   "status": {"type": "string"}, "channel": {"type": "string", "enum": list(intake.CHANNELS)},
                   "locale": {"type": "string"}, "submitted_at": {"type": "string", "format": "date-time"},
                   "respond_by": {"type": "string", "format": "date"},
                   "resolve_by": {"type": "string", "format": "date"},
                   "receipt_queued": {"type": "boolean"}},
    "required": ["reference", "service_code", "status", "channel", "locale", "submitted_at", "respond_by",
                 "resolve_by", "receipt_queued"],
    "additionalProperties": False,
}
SCHEMAS.update({"CaseRequest": REQUEST, "CreatedCase": CREATED})
INVALID_ANSWERS = {
    "description": "Answers that cannot be used, each named in errors (RFC 9457 extension member).",
    "content": {"application/problem+json": {"schema": {"allOf": [ref("Problem"), {
        "type": "object",
        "properties": {"errors": {"type": "array", "items": {
            "type": "object", "properties": {"question": {"type": "string"}, "reason": {"type": "string"},
                                             "detail": {"type": "string"}},
            "required": ["question", "reason", "detail"]}}}}]}}},
}


def _text_field(body: dict, name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise Problem("invalid-body", detail=gettext("%(field)s must be text.", field=name))
    return value


def invalid_answers(found: list[checked.Invalid]) -> Problem:
    return Problem("invalid-answers", members={"errors": [
        {"question": i.question, "reason": i.reason, "detail": i.message} for i in found]})


def intake_problem(error: intake.IntakeError) -> Problem:
    """The domain's last word on answers and contact details, as the problem of the request."""
    words = {"unknown": gettext("This service asks no such question."),
             "exit": gettext("These answers lead to a page that ends the request."),
             "unanswered": gettext("This question needs an answer."),
             "email": gettext("Enter an email address in the correct format, like name@example.com"),
             "phone": gettext("Enter a phone number, like 202 555 0143"),
             "name": gettext("The name must be 200 characters or fewer.")}
    return invalid_answers([checked.Invalid(where, reason, words.get(reason, reason))
                            for where, reason in error.problems])


def resident_locale(given: Any, default: str) -> str:
    shipped = current_app.config["SHIPPED_LOCALES"]
    if given is None:
        return default if default in shipped else current_app.config["BABEL_DEFAULT_LOCALE"]
    if given not in shipped:
        raise Problem("invalid-parameter", name="locale", value=given)
    return given


@bp.post("/cases")
@operation({"operationId": "createCase",
            "summary": "Make a case for a resident (channel api); the resident gets the receipt",
            "tags": ["cases"],
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("CaseRequest")}}},
            "responses": {**responses(201, ref("CreatedCase"), 400, 404, 409, 413, 415, 422,
                                      headers={"Location": {"description": "The case in the API.",
                                                            "schema": {"type": "string"}}}),
                          "422": INVALID_ANSWERS}},
           scope="cases:create")
@idempotent
def create_case(actor):
    body = json_body()
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise Problem("invalid-body", detail=gettext("The body has a field the API does not know: %(field)s.",
                                                     field=unknown[0]))
    definition = current_app.extensions["catalog"].services.get(_text_field(body, "service_code"))
    if definition is None:
        raise Problem("invalid-body", detail=gettext("There is no service with this code."))
    try:
        intake.require_allowed(actor, definition)
    except Refused:
        raise Problem("forbidden") from None
    given, person = body.get("answers"), body.get("resident") or {}
    if not isinstance(given, dict) or not isinstance(person, dict) or set(person) - RESIDENT_FIELDS:
        raise Problem("invalid-body")
    locale = resident_locale(body.get("locale"), str(get_locale()))
    answers, found = checked.check(definition, given, str(get_locale()))
    if found:
        raise invalid_answers(found)
    resident = intake.Resident(**{name: _text_field(person, name) for name in RESIDENT_FIELDS})
    try:
        sent = intake.create(db.session(), actor, definition, answers, resident=resident, channel="api",
                             locale=locale, secret_key=current_app.config["SECRET_KEY"],
                             timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    except Refused:
        raise Problem("forbidden") from None
    except intake.IntakeError as error:
        raise intake_problem(error) from None
    case = sent.case
    return reply(created(case, receipt=intake.receipt_queued(db.session(), case)), 201,
                 headers={"Location": f"/api/v1/cases/{case.reference}"})


def created(case, *, receipt: bool) -> dict[str, Any]:
    return {"reference": case.reference, "service_code": case.service_code, "status": case.status,
            "channel": case.channel, "locale": case.locale, "submitted_at": case.submitted_at.isoformat(),
            "respond_by": case.respond_by.isoformat(), "resolve_by": case.resolve_by.isoformat(),
            "receipt_queued": receipt}
