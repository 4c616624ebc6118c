"""The JSON Schemas of the API's bodies (OpenAPI 3.1 uses JSON Schema 2020-12 as it is), named
once here and put in the document's components by ``openapi``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..cases import workflow
from . import examples

DATE = {"type": "string", "format": "date"}
TIME = {"type": "string", "format": "date-time"}
STATUS = {"type": "string", "enum": sorted(workflow.STATUSES)}

SUMMARY = {"code": {"type": "string"}, "name": {"type": "string"},
           "kind": {"type": "string", "enum": ["complaint", "permit", "benefit"]},
           "department": {"type": "string"}, "respond_days": {"type": "integer"},
           "resolve_days": {"type": "integer"}}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "type": "object",
        "description": "A problem detail (RFC 9457); its title and detail in the language of Accept-Language.",
        "properties": {"type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
                       "status": {"type": "integer"}, "detail": {"type": "string"}},
        "required": ["type", "title", "status", "detail"],
    },
    "ServiceSummary": {
        "type": "object",
        "properties": SUMMARY,
        "required": list(SUMMARY),
        "additionalProperties": False,
    },
    "ServiceList": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ServiceSummary"}}},
        "required": ["items"],
        "additionalProperties": False,
    },
    "Service": {
        "type": "object",
        "properties": {**SUMMARY, "answers_schema": {"type": "object",
                                                     "description": "The service's answers as a JSON Schema "
                                                                    "(2020-12)."}},
        "required": [*SUMMARY, "answers_schema"],
        "additionalProperties": False,
    },
    "CaseSummary": {
        "type": "object",
        "properties": {"reference": {"type": "string"}, "service_code": {"type": "string"},
                       "department": {"type": "string"}, "status": STATUS, "priority": {"type": "integer"},
                       "submitted_at": TIME, "respond_by": DATE, "resolve_by": DATE,
                       "overdue": {"type": "boolean"}, "channel": {"type": "string"},
                       "assigned": {"type": "boolean"}},
        "required": ["reference", "service_code", "department", "status", "priority", "submitted_at",
                     "respond_by", "resolve_by", "overdue", "channel", "assigned"],
        "additionalProperties": False,
    },
    "CaseList": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/CaseSummary"}},
                       "next_cursor": {"type": ["string", "null"],
                                       "description": "Give as cursor for the next page; null on the last."}},
        "required": ["items", "next_cursor"],
        "additionalProperties": False,
    },
    "Event": {
        "type": "object",
        "properties": {"occurred_at": TIME, "action": {"type": ["string", "null"]},
                       "status_from": {"anyOf": [STATUS, {"type": "null"}]}, "status_to": STATUS,
                       "by": {"type": "string", "enum": ["resident", "staff", "system"]},
                       "public_note": {"type": ["string", "null"]}, "internal_note": {"type": ["string", "null"]},
                       "resident_note": {"type": ["string", "null"]}},
        "required": ["occurred_at", "action", "status_from", "status_to", "by", "public_note", "internal_note",
                     "resident_note"],
        "additionalProperties": False,
    },
    "Case": {
        "type": "object",
        "properties": {"reference": {"type": "string"}, "service_code": {"type": "string"},
                       "kind": {"type": "string"}, "department": {"type": "string"}, "status": STATUS,
                       "priority": {"type": "integer"}, "submitted_at": TIME, "updated_at": TIME,
                       "respond_by": DATE, "resolve_by": DATE, "overdue": {"type": "boolean"},
                       "channel": {"type": "string"}, "locale": {"type": "string"},
                       "revision": {"type": "integer"},
                       "answers": {"type": "object", "description": "As the service's answers_schema describes."},
                       "contact": {"type": "object", "properties": {
                           "name": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]},
                           "phone": {"type": ["string", "null"]}},
                           "required": ["name", "email", "phone"], "additionalProperties": False},
                       "actions": {"type": "array", "items": {"type": "string"},
                                   "description": "The workflow actions this client may take on the case now."},
                       "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}},
        "required": ["reference", "service_code", "kind", "department", "status", "priority", "submitted_at",
                     "updated_at", "respond_by", "resolve_by", "overdue", "channel", "locale", "revision",
                     "answers", "contact", "actions", "events"],
        "additionalProperties": False,
    },
    "ActionRequest": {
        "type": "object",
        "properties": {"public_note": {"type": ["string", "null"], "maxLength": 4000,
                                       "description": "What the resident reads, in the message this action "
                                                      "sends them (null or absent: none)."},
                       "internal_note": {"type": ["string", "null"], "maxLength": 4000,
                                         "description": "For staff only (null or absent: none)."}},
        "additionalProperties": False,
    },
    "NoteRequest": {
        "type": "object",
        "properties": {"visibility": {"type": "string", "enum": ["public", "internal"],
                                      "description": "public: the resident reads it and is sent it as an update; "
                                                     "internal: for staff only, sends nothing."},
                       "text": {"type": "string", "minLength": 1, "maxLength": 5000}},
        "required": ["visibility", "text"],
        "additionalProperties": False,
    },
    "AssignmentRequest": {
        "type": "object",
        "properties": {"assignee_id": {"type": ["integer", "null"], "minimum": 1,
                                       "description": "The id of a member of staff listed by the case's "
                                                      "assignees; null to unassign the case."}},
        "required": ["assignee_id"],
        "additionalProperties": False,
    },
    "AssigneeList": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {
                           "type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                           "required": ["id", "name"], "additionalProperties": False}},
                       "assignee_id": {"type": ["integer", "null"], "description": "Who has the case now."}},
        "required": ["items", "assignee_id"],
        "additionalProperties": False,
    },
    "TransferRequest": {
        "type": "object",
        "properties": {"department": {"type": "string", "description": "The code of another department."},
                       "reason": {"type": "string", "minLength": 1, "maxLength": 2000,
                                  "description": "Why (an internal note)."},
                       "public_note": {"type": ["string", "null"], "maxLength": 2000,
                                       "description": "What the resident is told with the news of the transfer "
                                                      "(null or absent: none)."}},
        "required": ["department", "reason"],
        "additionalProperties": False,
    },
    "Transferred": {
        "type": "object",
        "properties": {"reference": {"type": "string"}, "department": {"type": "string"}, "status": STATUS,
                       "revision": {"type": "integer"}},
        "required": ["reference", "department", "status", "revision"],
        "additionalProperties": False,
    },
    "Document": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                       "content_type": {"type": "string", "enum": ["application/pdf", "image/jpeg", "image/png"]},
                       "size": {"type": "integer"}, "sha256": {"type": "string"}, "added_at": TIME,
                       "added_by": {"type": "string", "enum": ["resident", "agency"]},
                       "question": {"type": ["string", "null"],
                                    "description": "The question the resident uploaded it for."},
                       "href": {"type": "string", "description": "Where to download it."}},
        "required": ["id", "name", "content_type", "size", "sha256", "added_at", "added_by", "question", "href"],
        "additionalProperties": False,
    },
    "DocumentList": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}}},
        "required": ["items"],
        "additionalProperties": False,
    },
    "FeedEvent": {
        "type": "object",
        "properties": {"case": {"type": "string"}, "department": {"type": "string"},
                       "service_code": {"type": "string"},
                       "revision": {"type": ["integer", "null"], "description": "The case's revision it made."},
                       "occurred_at": TIME, "action": {"type": ["string", "null"]},
                       "status_from": {"anyOf": [STATUS, {"type": "null"}]}, "status_to": STATUS,
                       "by": {"type": "string", "enum": ["resident", "staff", "system"]},
                       "public_note": {"type": ["string", "null"]}, "internal_note": {"type": ["string", "null"]},
                       "resident_note": {"type": ["string", "null"]},
                       "details": {"type": "object", "description": "What the action needs told again: the "
                                                                   "departments of a transfer, who was assigned, "
                                                                   "the document added."}},
        "required": ["case", "department", "service_code", "revision", "occurred_at", "action", "status_from",
                     "status_to", "by", "public_note", "internal_note", "resident_note", "details"],
        "additionalProperties": False,
    },
    "EventPage": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/FeedEvent"}},
                       "next_cursor": {"type": "string", "description": "Where to ask from next time."},
                       "has_more": {"type": "boolean", "description": "Another page is ready now."}},
        "required": ["items", "next_cursor", "has_more"],
        "additionalProperties": False,
    },
    "Token": {
        "type": "object",
        "properties": {"access_token": {"type": "string"}, "token_type": {"type": "string", "enum": ["Bearer"]},
                       "expires_in": {"type": "integer"}, "scope": {"type": "string"}},
        "required": ["access_token", "token_type", "expires_in"],
    },
    "OAuthError": {
        "type": "object",
        "description": "An OAuth error (RFC 6749 section 5.2).",
        "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
        "required": ["error"],
    },
}
for _name, _example in {"Problem": examples.PROBLEM, "ServiceSummary": examples.SERVICE_SUMMARY,
                        "ServiceList": examples.SERVICE_LIST, "Service": examples.SERVICE,
                        "CaseSummary": examples.CASE_SUMMARY, "CaseList": examples.CASE_LIST, "Case": examples.CASE,
                        "ActionRequest": examples.ACTION_REQUEST, "Token": examples.TOKEN,
                        "OAuthError": examples.OAUTH_ERROR}.items():
    SCHEMAS[_name]["examples"] = [_example]

PROBLEM_STATUSES = {
    400: "The request is not valid (any request with a NUL character in its address or form is refused so).",
    401: "No token, or an unknown, expired or revoked one.",
    403: "The token's scope or the client's roles do not allow this.",
    404: "Not found, or not in the client's departments.", 405: "Method not allowed.", 406: "Not acceptable.",
    409: "A conflict (the case's status, or a request with this Idempotency-Key in flight).",
    412: "If-Match does not match the case's ETag.", 413: "The body is too large.",
    415: "The body is not of the media type the operation takes.", 422: "The body cannot be used, or the Idempotency-Key was used for another request.",
    428: "If-Match is missing.", 429: "Too many requests.", 500: "An error on the server's side.",
    503: "A service the operation needs (the virus scanner) is unavailable; nothing was changed.",
}
ALWAYS = (400, 401, 403, 406, 429, 500)


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def problem(status: int) -> dict[str, Any]:
    return {"description": PROBLEM_STATUSES[status],
            "content": {"application/problem+json": {"schema": ref("Problem")}}}


def catalog_schemas(services: Iterable[str], departments: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The named schemas that come from the app's catalog: the codes of its services and departments."""
    return {"ServiceCode": {"type": "string", "enum": sorted(services)},
            "DepartmentCode": {"type": "string", "enum": sorted(departments)}}


def link(operation_id: str, description: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link from a response to the operation it leads to; ``parameters`` name the
    operation's parameters (a header's as ``header_If_Match``) and the runtime expressions that fill them."""
    named = {(f"header.{name.removeprefix('header_').replace('_', '-')}" if name.startswith("header_") else name): value
             for name, value in parameters.items()}
    return {"operationId": operation_id, "description": description, "parameters": named}


def responses(status: int, schema: dict[str, Any], *errors: int, headers: dict | None = None,
              links: dict[str, dict] | None = None) -> dict:
    ok: dict[str, Any] = {"description": "Success.", "content": {"application/json": {"schema": schema}}}
    if headers:
        ok["headers"] = headers
    if links:
        ok["links"] = links
    return {str(status): ok, **{str(code): problem(code) for code in sorted({*errors, *ALWAYS})}}


# The request headers of a POST: the case's version it was read at, and a key for safe retries.
IF_MATCH = {"name": "If-Match", "in": "header", "required": True,
            "schema": {"type": "string", "minLength": 1, "pattern": r"\S"},
            "description": "The ETag of the case as last read."}
IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": True,
                   "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
                   "description": "A key unique to this request (a UUID): a retry with the same key "
                                  "and body gets the first response again."}
