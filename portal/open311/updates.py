"""FixMyStreet's ``servicerequestupdates``: every public update of every public request in a time
window, so a FixMyStreet install can keep its reports in step with the cases here."""

from __future__ import annotations

from flask_babel import gettext as _

from .. import db
from ..cases import service_requests
from . import bp
from .common import FMT, check_jurisdiction
from .formats import Open311Error, reply
from .requests import stamp, window

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

