"""Examples of the API's bodies, put in the OpenAPI document next to their schemas (``examples``):
what the developers' page shows, and what schemathesis sends first. Each meets its schema (a test
checks it)."""

from __future__ import annotations

REFERENCE = "DMD-9QK-QCY"

TOKEN = {"access_token": "bq1Tz6Xk3pVh0wQ8rN5sLm2yC7dF4gJ9", "token_type": "Bearer", "expires_in": 900,
         "scope": "cases:read cases:act"}

PROBLEM = {"type": "urn:civic-portal:problem:stale", "title": "The case has changed since it was read",
           "status": 412, "detail": "Read the case again and send its new ETag in If-Match."}

OAUTH_ERROR = {"error": "invalid_client"}

SERVICE_SUMMARY = {"code": "pothole", "name": "Pothole", "kind": "complaint", "department": "public-works",
                   "respond_days": 2, "resolve_days": 10}

SERVICE_LIST = {"items": [SERVICE_SUMMARY]}

SERVICE = {**SERVICE_SUMMARY, "answers_schema": {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
    "properties": {"size": {"type": "string", "enum": ["small", "medium", "large"]}}}}

CASE_SUMMARY = {"reference": REFERENCE, "service_code": "pothole", "department": "public-works",
                "status": "in_review", "priority": 2, "submitted_at": "2026-11-12T14:03:11+00:00",
                "respond_by": "2026-11-14", "resolve_by": "2026-11-26", "overdue": True, "channel": "web",
                "assigned": False}

CASE_LIST = {"items": [CASE_SUMMARY], "next_cursor": "1762956191000000-42"}

CASE = {
    **{k: v for k, v in CASE_SUMMARY.items() if k != "assigned"},
    "kind": "complaint", "updated_at": "2026-11-13T09:30:00+00:00", "locale": "en", "revision": 3,
    "answers": {"position": "traffic_lane", "size": "medium", "details": "Deep hole near the bus stop."},
    "contact": {"name": "Grace Miller", "email": "grace@example.com", "phone": None},
    "actions": ["request_information", "schedule", "resolve"],
    "events": [
        {"occurred_at": "2026-11-12T14:03:11+00:00", "action": None, "status_from": None, "status_to": "received",
         "by": "resident", "public_note": None, "internal_note": None, "resident_note": None},
        {"occurred_at": "2026-11-13T09:30:00+00:00", "action": "review", "status_from": "received",
         "status_to": "in_review", "by": "staff", "public_note": None, "internal_note": "Crew to check depth.",
         "resident_note": None},
    ],
}

ACTION_REQUEST = {"public_note": "We filled the pothole this morning. Thank you for reporting it.",
                  "internal_note": "Crew 4, cold patch."}
