"""Asking again: before a sensitive action (role and department changes, exports, legal holds) a
member of staff who has not proved who they are in the last few minutes gives their password or
second factor again on /staff/verify, and comes back to where they were.

    @bp.route("/thing/<int:id>", methods=["GET", "POST"])
    @reverify.required
    def thing(id): ...

A GET comes back to the same address; a POST comes back to the page its form was on (the
Referer, when it is a page of this site; else the same path), to be sent again: nothing is acted
on without a fresh proof.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import audit, db
from ...accounts import staff, staff_sessions
from ...forms.staff import VerifyForm
from ..account.signin import record_refusal, safe_next
from ..throttle import password_checks, wrong_password
from ..visitor import actor
from . import session as staff_session

bp = Blueprint("staff_verify", __name__, url_prefix="/staff")


def required(view):
    """Send the member to /staff/verify first unless they proved who they are a moment ago."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        current = staff_session.current()
        if current is not None and not current.recently_verified:
            return redirect(url_for("staff_verify.verify", next=_back()))
        return view(*args, **kwargs)

    return wrapped


def _back() -> str:
    if request.method == "GET":
        return request.full_path.rstrip("?")
    came_from = urlsplit(request.referrer or "")
    own = urlsplit(current_app.config["PUBLIC_BASE_URL"]).netloc
    if came_from.netloc in {"", own} and came_from.path.startswith("/staff/"):
        return safe_next(came_from.path + (f"?{came_from.query}" if came_from.query else ""), request.path)
    return request.path


@bp.route("/verify", methods=["GET", "POST"])
@password_checks(staff_session.current_email)
def verify():
    current = staff_session.current()
    target = safe_next(request.values.get("next"), url_for("staff.queue"))
    form = VerifyForm()
    errors, status = form.summary(), 200
    if form.validate_on_submit():
        how = staff.check_again(db.session(), current.member, password=form.password.data, code=form.code.data)
        if how is not None:
            staff_sessions.reverified(current)
            audit.record(db.session(), actor(), "staff.reverify", target_type="staff",
                         target_id=str(current.member.id), details={"method": how})
            return redirect(target)
        wrong_password()
        record_refusal("staff.reverify", target_id=str(current.member.id))
        field = "code" if form.code.data else "password"
        errors, status = [(field, _("That is not right. Try again"))], 401
    elif form.errors:
        errors, status = form.summary(), 400
    return render_template("staff/verify.html", form=form, errors=errors, next=target,
                           has_password=bool(current.member.password_hash)), status
