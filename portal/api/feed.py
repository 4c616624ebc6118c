"""The change feed: every event of the cases the client may read (its departments, by the policy),
oldest first, from a cursor on (``cases.feed``). A back-office system keeps the last
``next_cursor`` and asks again with it: it gets what happened since, and never the same event
twice. The notes in each page are personal data: each page's read is audited per case."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app, request

from .. import db
from ..cases import feed, staffwork
from . import bp
from .common import operation, reply
from .problems import Problem
from .schemas import ref, responses

MAX_PAGE = 200
# "e" and the id of the last event given. Every value of this form is a valid cursor: an id past
# the last event gives an empty page. Event ids are the database's INTEGER, so a larger number is
# read as the largest one (PostgreSQL would refuse to compare with a number it cannot hold).
CURSOR_FORM = "^e([0-9]{1,18})$"
CURSOR = re.compile(CURSOR_FORM)
LARGEST_ID = 2**31 - 1


def _cursor(after: int) -> str:
    return f"e{after}"


def _position(cursor: str) -> int:
    found = CURSOR.match(cursor)
    if found is None:
        raise Problem("invalid-parameter", name="cursor", value=cursor[:40])
    return min(int(found.group(1)), LARGEST_ID)


def _item(event, case) -> dict:
    details = {k: v for k, v in (event.details or {}).items() if k != "revision"}
    return {"case": case.reference, "department": case.department, "service_code": case.service_code,
            "revision": (event.details or {}).get("revision"), "occurred_at": event.occurred_at.isoformat(),
            "action": event.action, "status_from": event.status_from, "status_to": event.status_to,
            "by": staffwork.by_whom(event.actor), "public_note": event.public_note,
            "internal_note": event.internal_note, "resident_note": event.resident_note, "details": details}


@bp.get("/events")
@operation({"operationId": "listEvents",
            "summary": "Every event of the cases of the client's departments since a cursor, oldest first",
            "description": "Without a cursor the feed starts at the first event. next_cursor is always given: "
                           "ask with it again (at once while has_more is true, later otherwise) to get what "
                           "happened since. Each page's read is audited.",
            "tags": ["cases"],
            "parameters": [{"name": "cursor", "in": "query", "schema": {"type": "string", "pattern": CURSOR_FORM},
                            "description": "The next_cursor of the page before."},
                           {"name": "limit", "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}}],
            "responses": responses(200, ref("EventPage"), 400)}, scope="cases:read")
def events(actor):
    unknown = sorted(set(request.args) - {"cursor", "limit"})
    if unknown:
        raise Problem("invalid-parameter", name=unknown[0], value=request.args.get(unknown[0]))
    cursor = request.args.get("cursor")
    after = _position(cursor) if cursor is not None else 0
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_PAGE:
        raise Problem("invalid-parameter", name="limit", value=limit[:40])
    settle = timedelta(seconds=current_app.config.get("API_FEED_SETTLE_SECONDS", 5))
    page = feed.page(db.session(), actor, after, int(limit), settle=settle)
    return reply({"items": [_item(event, case) for event, case in page.events],
                  "next_cursor": _cursor(page.next_after), "has_more": page.more})
