"""Cases through the API: list (filters and keyset pagination, the staff queue's own query), read
(audited like a staff view, with an ETag) and act (the staff workspace's own transition, with
If-Match and Idempotency-Key). Which cases and actions: the domain's policy for the client's roles
and departments; a case outside them is the same 404 as one that does not exist."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import gettext

from .. import db
from ..cases import followup, policy, queue, staffwork, transitions, workflow
from ..cases.policy import Refused
from ..cases.revisions import Stale
from . import bp
from .common import json_body, operation, reply
from .idempotency import idempotent
from .problems import Problem
from .schemas import IDEMPOTENCY_KEY, IF_MATCH, STATUS, link, ref, responses

MAX_PAGE = 100
NOTE_LIMIT = 4000
STEPS = {step for step, _ in staffwork.STAFF_STEPS}

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Microseconds since 1970 (up to the year 2286), and a case id as the database's INTEGER holds it.
CURSOR_FORM = "^([0-9]{1,16})-([0-9]{1,9})$"
CURSOR = re.compile(CURSOR_FORM)

REFERENCE = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 16}}
ETAG = {"ETag": {"description": "The case's version: send it back in If-Match to act on the case.",
                 "schema": {"type": "string"}}}


def today() -> date:
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _query() -> tuple[queue.Query, int]:
    catalog = current_app.extensions["catalog"]
    args = request.args
    unknown = sorted(set(args) - {"status", "service", "department", "updated_since", "overdue", "cursor", "limit"})
    if unknown:
        raise Problem("invalid-parameter", name=unknown[0], value=args.get(unknown[0]))
    overdue = args.get("overdue", "false")
    if overdue not in ("true", "false"):
        raise Problem("invalid-parameter", name="overdue", value=overdue)
    params = {"view": ["all"], "sort": ["age"], "status": args.getlist("status"),
              "service": args.getlist("service"), "department": args.getlist("department"),
              "overdue": ["1"] if overdue == "true" else [], "after": [_unwrap(c) for c in args.getlist("cursor")]}
    try:
        query = queue.Query.parse(params, services=catalog.services,
                                  departments=[d.code for d in catalog.departments], languages=())
    except queue.BadQuery as error:
        name = {"after": "cursor"}.get(error.parameter, error.parameter)
        raise Problem("invalid-parameter", name=name, value=error.value) from None
    since = args.get("updated_since")
    if since is not None:
        try:
            parsed = datetime.fromisoformat(since)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise Problem("invalid-parameter", name="updated_since", value=since)
        query = replace(query, updated_since=parsed.astimezone(UTC))
    limit = args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_PAGE:
        raise Problem("invalid-parameter", name="limit", value=limit)
    return query, int(limit)


def _wrap(cursor: str | None) -> str | None:
    """A cursor as the client sees it: the last case's submission time in microseconds since 1970
    and its id, so that any value of the documented form names a place in the list."""
    if not cursor:
        return None
    submitted, id_ = cursor.split("_")
    return f"{(datetime.fromisoformat(submitted) - EPOCH) // timedelta(microseconds=1)}-{id_}"


def _unwrap(cursor: str) -> str:
    match = CURSOR.fullmatch(cursor)
    if match is None:
        raise Problem("invalid-parameter", name="cursor", value=cursor)
    return queue.cursor_text((EPOCH + timedelta(microseconds=int(match[1])), int(match[2])))


def _summary(row: queue.Row) -> dict:
    return {"reference": row.reference, "service_code": row.service_code, "department": row.department,
            "status": row.status, "priority": row.priority, "submitted_at": row.submitted_at.isoformat(),
            "respond_by": row.respond_by.isoformat(), "resolve_by": row.resolve_by.isoformat(),
            "overdue": row.overdue, "channel": row.channel, "assigned": row.assignee_id is not None}


LIST_PARAMETERS = [
    {"name": "status", "in": "query", "schema": {"type": "array", "items": STATUS}, "explode": True,
     "description": "Only cases in this status (repeat for several)."},
    {"name": "service", "in": "query", "schema": ref("ServiceCode"), "description": "Only cases of this service."},
    {"name": "department", "in": "query", "schema": ref("DepartmentCode"),
     "description": "Only cases of this department (of the client's)."},
    {"name": "updated_since", "in": "query", "schema": {"type": "string", "format": "date-time"},
     "description": "Only cases changed at or after this time (with its offset)."},
    {"name": "overdue", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
    {"name": "cursor", "in": "query", "schema": {"type": "string", "pattern": CURSOR_FORM},
     "description": "The next_cursor of the page before."},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
]


@bp.get("/cases")
@operation({"operationId": "listCases", "summary": "Cases of the client's departments, oldest first",
            "tags": ["cases"], "parameters": LIST_PARAMETERS,
            "responses": responses(200, ref("CaseList"), 400, links={
                "getFirstCase": link("getCase", "Read the first case of the page.",
                                     reference="$response.body#/items/0/reference"),
                "getNextPage": link("listCases", "The next page.", cursor="$response.body#/next_cursor")})},
           scope="cases:read")
def cases(actor):
    query, limit = _query()
    page = queue.page(db.session(), actor, query, today(), size=limit)
    return reply({"items": [_summary(row) for row in page.rows], "next_cursor": _wrap(page.next_after)})


def etag_of(case) -> str:
    return f'"{case.reference}.{case.revision}"'


def open_case(actor, reference: str):
    try:
        return staffwork.open_for_staff(db.session(), actor, reference, db.apart)
    except Refused:
        raise Problem("not-found") from None


def case_body(actor, case) -> dict:
    entries = staffwork.history(db.session(), case)
    late = staffwork.overdue(case, today())
    return {
        "reference": case.reference, "service_code": case.service_code, "kind": case.kind,
        "department": case.department, "status": case.status, "priority": case.priority or 0,
        "submitted_at": case.submitted_at.isoformat(), "updated_at": case.updated_at.isoformat(),
        "respond_by": case.respond_by.isoformat(), "resolve_by": case.resolve_by.isoformat(),
        "overdue": late.respond or late.resolve, "channel": case.channel, "locale": case.locale,
        "revision": case.revision, "answers": case.answers,
        "contact": {"name": case.contact_name, "email": case.contact_email, "phone": case.contact_phone},
        "actions": [a for a in staffwork.actions_for(actor, case) if a not in STEPS],
        "events": [{"occurred_at": e.occurred_at.isoformat(), "action": e.action, "status_from": e.status_from,
                    "status_to": e.status_to, "by": e.by, "public_note": e.public_note,
                    "internal_note": e.internal_note, "resident_note": e.resident_note} for e in entries],
    }


@bp.get("/cases/<reference>")
@operation({"operationId": "getCase", "summary": "One case, with its history (every read is audited)",
            "tags": ["cases"], "parameters": [REFERENCE],
            "responses": responses(200, ref("Case"), 404, headers=ETAG, links={
                "actOnCase": link("actOnCase", "Take one of the case's actions, with its ETag in If-Match.",
                                  reference="$response.body#/reference", action="$response.body#/actions/0",
                                  header_If_Match="$response.header.ETag")})}, scope="cases:read")
def case(actor, reference: str):
    found = open_case(actor, reference)
    return reply(case_body(actor, found), headers={"ETag": etag_of(found)})


def _note(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise Problem("invalid-body", detail=_field_problem(name))
    text = followup.clean_text(value) or None
    if text is not None and len(text) > NOTE_LIMIT:
        raise Problem("invalid-body", detail=_field_problem(name))
    return text


def _field_problem(name: str) -> str:
    return gettext("%(field)s must be text of at most %(limit)s characters.", field=name, limit=NOTE_LIMIT)


@bp.post("/cases/<reference>/actions/<action>")
@operation({"operationId": "actOnCase",
            "summary": "Take a workflow action on a case (the resident gets the message it owes)",
            "tags": ["cases"],
            "parameters": [REFERENCE,
                           {"name": "action", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": list(policy.STAFF_ACTIONS)}},
                           IF_MATCH, IDEMPOTENCY_KEY],
            "requestBody": {"required": False, "content": {"application/json": {"schema": ref("ActionRequest")}}},
            "responses": responses(200, ref("Case"), 400, 404, 409, 412, 413, 415, 422, 428, headers=ETAG)},
           scope="cases:act")
@idempotent
def act(actor, reference: str, action: str):
    body = json_body() if request.content_length or request.mimetype else {}
    known_fields(body, {"public_note", "internal_note"})
    public_note, internal_note = _note(body, "public_note"), _note(body, "internal_note")
    found = open_case(actor, reference)
    step = workflow.of(found.kind).action(action)
    if step is None or not step.by_staff or step.joins:
        raise Problem("unknown-action", action=action)
    if step.note_required and not public_note:
        raise Problem("invalid-body", detail=_note_needed(action))
    check_if_match(found)
    try:
        transitions.act(db.session(), found, action, actor, public_note=public_note, internal_note=internal_note,
                        expected_revision=found.revision)
    except Refused as refused:
        if refused.reason == "status":
            raise Problem("status-conflict", status=found.status, action=action) from None
        raise forbidden() from None
    except workflow.IllegalTransition:
        raise Problem("status-conflict", status=found.status, action=action) from None
    except Stale:
        raise Problem("stale") from None
    return reply(case_body(actor, found), headers={"ETag": etag_of(found)})


def forbidden() -> Problem:
    """The problem for a refusal by the policy, whose audit record the request keeps."""
    db.keep_changes()
    return Problem("forbidden")


def check_if_match(found) -> None:
    """428 without If-Match; 412 (with the case's ETag now) unless it names the case as it is."""
    if_match = request.headers.get("If-Match")
    if not if_match:
        raise Problem("precondition-required")
    if if_match.strip() not in (etag_of(found), "*"):
        raise Problem("stale", headers={"ETag": etag_of(found)})


def known_fields(body: dict, known: set[str]) -> None:
    """422 for a field of ``body`` not in ``known``."""
    unknown = sorted(set(body) - known)
    if unknown:
        raise Problem("invalid-body", detail=_unknown_field(unknown[0]))


def _unknown_field(name: str) -> str:
    return gettext("The body has a field the API does not know: %(field)s.", field=name)


def _note_needed(action: str) -> str:
    return gettext("The action %(action)s needs a public_note: what the resident is told.", action=action)
