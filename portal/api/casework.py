"""Working a case through the API as staff work it: a public or internal note, assignment to a
member of staff (or none), and a transfer to another department. Each goes through the staff
workspace's own domain function (``cases.notes``, ``cases.assignment``, ``cases.transfer``), so the
policy, the case's event, the audit record and any message to the resident are the same; each
takes If-Match (the case's ETag) and Idempotency-Key, and answers with the case as it is now."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext

from .. import db
from ..cases import assignment, followup, notes
from ..cases import transfer as transferring
from ..cases.policy import Refused
from ..cases.revisions import Stale
from . import bp
from .cases import (
    ETAG,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    REFERENCE,
    case_body,
    check_if_match,
    etag_of,
    forbidden,
    known_fields,
    open_case,
)
from .common import json_body, operation, reply
from .idempotency import idempotent
from .problems import Problem
from .schemas import ref, responses

CHANGES = (400, 404, 409, 412, 413, 415, 422, 428)


def _changed(actor, found):
    return reply(case_body(actor, found), headers={"ETag": etag_of(found)})


def _text(body: dict, name: str, limit: int, *, required: bool) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise Problem("invalid-body", detail=_too_long(name, limit))
    text = followup.clean_text(value) or None
    if (text is None and required) or (text is not None and len(text) > limit):
        raise Problem("invalid-body", detail=_too_long(name, limit))
    return text


def _too_long(name: str, limit: int) -> str:
    return gettext("%(field)s must be text of at least 1 and at most %(limit)s characters.", field=name, limit=limit)


def _write_op(operation_id: str, summary: str, schema: str, answer: str = "Case") -> dict:
    return {"operationId": operation_id, "summary": summary, "tags": ["cases"],
            "parameters": [REFERENCE, IF_MATCH, IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref(schema)}}},
            "responses": responses(200, ref(answer), *CHANGES, headers=ETAG)}


@bp.post("/cases/<reference>/notes")
@operation(_write_op("addNote", "Add a public note (sent to the resident as an update) or an internal one",
                     "NoteRequest"), scope="cases:write")
@idempotent
def add_note(actor, reference: str):
    body = json_body()
    known_fields(body, {"visibility", "text"})
    visibility = body.get("visibility")
    if visibility not in ("public", "internal"):
        raise Problem("invalid-body", detail=gettext("visibility must be public or internal."))
    text = _text(body, "text", notes.NOTE_MAX, required=True)
    found = open_case(actor, reference)
    check_if_match(found)
    add = notes.add_public if visibility == "public" else notes.add
    try:
        add(db.session(), found, actor, text, expected_revision=found.revision)
    except Refused:
        raise forbidden() from None
    except Stale:
        raise Problem("stale") from None
    return _changed(actor, found)


@bp.get("/cases/<reference>/assignees")
@operation({"operationId": "listAssignees", "summary": "The members of staff the case may be assigned to",
            "tags": ["cases"], "parameters": [REFERENCE],
            "responses": responses(200, ref("AssigneeList"), 404)}, scope="cases:read")
def assignees(actor, reference: str):
    found = open_case(actor, reference)
    members = assignment.assignable(db.session(), found)
    return reply({"items": [{"id": m.id, "name": m.name} for m in members],
                  "assignee_id": found.assignee_id})


@bp.post("/cases/<reference>/assignment")
@operation(_write_op("assignCase", "Assign the case to a member of staff (an id from its assignees), or to no one",
                     "AssignmentRequest"), scope="cases:write")
@idempotent
def assign(actor, reference: str):
    body = json_body()
    known_fields(body, {"assignee_id"})
    if "assignee_id" not in body:
        raise Problem("invalid-body", detail=_assignee_needed())
    assignee_id = body["assignee_id"]
    if assignee_id is not None and (isinstance(assignee_id, bool) or not isinstance(assignee_id, int)
                                    or not 0 < assignee_id < 2**31):
        raise Problem("invalid-body", detail=_assignee_needed())
    found = open_case(actor, reference)
    check_if_match(found)
    try:
        assignment.assign(db.session(), found, actor, assignee_id, expected_revision=found.revision)
    except Refused:
        raise forbidden() from None
    except assignment.NotAssignable:
        raise Problem("not-assignable", assignee=assignee_id, reference=found.reference) from None
    except Stale:
        raise Problem("stale") from None
    return _changed(actor, found)


def _assignee_needed() -> str:
    return gettext("assignee_id must be the id of a member of staff, or null to unassign the case.")


@bp.post("/cases/<reference>/transfer")
@operation(_write_op("transferCase", "Pass the case to another department, for a reason (and tell the resident); "
                     "unless the client works in that department too, it reads the case no more",
                     "TransferRequest", "Transferred"), scope="cases:write")
@idempotent
def transfer(actor, reference: str):
    body = json_body()
    known_fields(body, {"department", "reason", "public_note"})
    department = body.get("department")
    if not isinstance(department, str):
        raise Problem("invalid-body", detail=_transfer_problem(transferring.UNKNOWN_DEPARTMENT))
    reason = _text(body, "reason", transferring.REASON_MAX, required=True)
    public_note = _text(body, "public_note", transferring.NOTE_MAX, required=False)
    found = open_case(actor, reference)
    check_if_match(found)
    known = [d.code for d in current_app.extensions["catalog"].departments]
    try:
        transferring.transfer(db.session(), actor, found, department, reason=reason, public_note=public_note,
                              seen=found.revision, known_departments=known)
    except Refused:
        raise forbidden() from None
    except Stale:
        raise Problem("stale") from None
    except transferring.NotPossible as impossible:
        if impossible.code == transferring.FINISHED:
            raise Problem("case-finished") from None
        raise Problem("transfer-not-possible", detail=_transfer_problem(impossible.code)) from None
    return reply({"reference": found.reference, "department": found.department, "status": found.status,
                  "revision": found.revision}, headers={"ETag": etag_of(found)})


def _transfer_problem(code: str) -> str:
    return {
        transferring.UNKNOWN_DEPARTMENT: gettext("department must be the code of one of the agency's departments."),
        transferring.SAME_DEPARTMENT: gettext("The case is already with this department."),
        transferring.NO_REASON: gettext("Give the reason for the transfer."),
    }.get(code, gettext("Check the department and the reason."))
