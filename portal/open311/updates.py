"""FixMyStreet's ``servicerequestupdates``, so a FixMyStreet install stays in step both ways: it reads
every public update of every public request in a time window, and posts its users' updates."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import db
from ..cases import notes, service_requests
from ..cases.policy import Refused
from . import bp
from .common import FMT, check_jurisdiction, client_actor
from .formats import Open311Error, reply
from .requests import TEXT_LIMIT, stamp, window

MAX_UPDATES = 1000


@bp.get(f"/servicerequestupdates.{FMT}")
def request_updates(fmt: str):
    check_jurisdiction()
    start, end = window()
    if start is None:
        raise Open311Error((400, _("start_date is needed.")))
    found = service_requests.updates_since(db.session(), start, end, MAX_UPDATES)
    return reply(fmt, "service_request_updates", [
        {"update_id": str(u.id), "service_request_id": u.reference, "status": u.status.upper(),
         "updated_datetime": stamp(u.occurred_at), "description": u.note or "", "media_url": ""}
        for u in found])



@bp.post(f"/servicerequestupdates.{FMT}")
def post_update(fmt: str):
    """An update from the other side (a FixMyStreet user's comment on a report): kept on the case
    as a note for staff, with who wrote it and the status they reported. Nothing is published and
    the case's status is not moved: staff read it and decide, as with any resident's message."""
    check_jurisdiction()
    actor = client_actor()
    reference = (request.form.get("service_request_id") or "")[:32]
    case = service_requests.get(db.session(), reference) if reference else None
    if case is None:
        raise Open311Error((404, _("There is no request %(id)s.", id=reference)))
    text = (request.form.get("description") or "").strip()
    if not text:
        raise Open311Error((400, _("description is missing.")))
    if len(text) > TEXT_LIMIT:
        raise Open311Error((400, _("%(field)s must be %(limit)s characters or fewer.", field="description",
                                   limit=TEXT_LIMIT)))
    status = (request.form.get("status") or "").strip().upper()[:32]
    name = " ".join(p for p in ((request.form.get("first_name") or "").strip()[:100],
                                (request.form.get("last_name") or "").strip()[:100]) if p)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # kept for staff, in the agency's language
        heading = _("Update through Open311 from %(who)s (status reported: %(status)s):",
                    who=name or _("a resident"), status=status or "-")
    try:
        event = notes.add(db.session(), case, actor, f"{heading}\n{text}")
    except Refused:
        db.keep_changes()  # the refusal's audit record
        raise Open311Error((403, _("This api_key may not post updates for this request."))) from None
    return reply(fmt, "service_request_updates", [{"update_id": str(event.id)}], 201)
