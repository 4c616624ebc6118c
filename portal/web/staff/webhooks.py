"""The webhook delivery log, for system administrators: every subscription of every API client,
and per subscription its newest deliveries — event, case, status, tries, the receiver's last
answer and the next try. Reading only: subscriptions are changed by their client (the API) or on
the command line, and failed deliveries are put back with ``flask notify-requeue --webhook ID``."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l

from ... import db
from ...accounts import webhooks
from ...cases import policy
from ..visitor import actor
from . import nav

bp = Blueprint("staff_webhooks", __name__, url_prefix="/staff/admin/webhooks")
nav.add("staff_webhooks.index", _l("Webhooks"), policy.API_CLIENT_MANAGE, 95)

STATUS_NAMES = {"pending": _l("Waiting"), "sending": _l("Sending"), "sent": _l("Delivered"),
                "failed": _l("Failed"), "cancelled": _l("Cancelled")}
SHOWN = 100


@bp.get("/")
def index():
    return render_template("staff/webhooks/index.html", listed=webhooks.subscriptions(db.session(), actor()))


@bp.get("/<webhook_id>")
def deliveries(webhook_id: str):
    listed = webhooks.subscription_for_admin(db.session(), actor(), webhook_id)
    if listed is None:
        abort(404)
    status = request.args.get("status") or None
    if status not in (None, *STATUS_NAMES):
        status = None
    rows = webhooks.deliveries(db.session(), actor(), listed.subscription, limit=SHOWN, status=status)
    return render_template("staff/webhooks/deliveries.html", listed=listed, rows=rows, status=status,
                           status_names=STATUS_NAMES, shown=SHOWN)
