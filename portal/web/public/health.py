"""/healthz: for load balancers and monitoring. 200 when the database answers, 503 when not."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import limiter

bp = Blueprint("health", __name__)
log = logging.getLogger("portal.health")


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        with current_app.extensions["db_engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("database unreachable: %s", exc.__class__.__name__)
        return {"status": "unavailable", "database": "unreachable"}, 503, {"Cache-Control": "no-store"}
    return {"status": "ok", "database": "ok"}, 200, {"Cache-Control": "no-store"}
