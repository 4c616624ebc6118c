"""Staff sign-in: email and password, then the second factor (a code from the authenticator app,
or a single-use recovery code); signing out; the page shown after the session idled out."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ... import audit, db
from ...accounts import staff, staff_sessions
from ...cases.contact import normalise_email
from ...forms.staff import SecondFactorForm, StaffSignInForm
from ..account.signin import record_refusal, safe_next
from ..throttle import password_checks, wrong_password
from ..visitor import actor
from . import session as staff_session

bp = Blueprint("staff_auth", __name__, url_prefix="/staff")

PENDING = "staff_pending"  # the member who gave the right password, waiting for the second factor
PENDING_FOR = 300  # seconds


def _typed_email() -> str | None:
    return normalise_email((request.form.get("email") or "").strip())


def pending_email() -> str | None:
    pending = session.get(PENDING) or {}
    return pending.get("email")


def next_page() -> str:
    return safe_next(request.values.get("next"), url_for("staff.queue"))


def allow_demo() -> bool:
    """Demo members (made by seed-demo) sign in everywhere but in production."""
    return current_app.config["PORTAL_ENV"] != "production"


def pending_member():
    """The member who gave the right password a moment ago (or signed in through the provider)
    and still owes the second factor, or None (and the pending sign-in is forgotten)."""
    pending = session.get(PENDING) or {}
    member = staff.active_member(db.session(), pending.get("id"), allow_demo=allow_demo())
    if member is None or time.time() - pending.get("at", 0) > PENDING_FOR:
        session.pop(PENDING, None)
        return None
    return member


def await_second_factor(member, method: str = "password", next: str | None = None):
    """Remember ``member`` as waiting for the second factor, and send them to give it (or to set
    one up, the first time)."""
    session[PENDING] = {"id": member.id, "email": member.email, "at": time.time(), "method": method}
    step = "staff_auth.second_factor" if member.totp_secret else "staff_auth.set_up"
    return redirect(url_for(step, next=next or request.args.get("next")))


def finish_sign_in(member, method: str | None = None, **details):
    """Both factors given: start the staff session (audited)."""
    method = method or (session.get(PENDING) or {}).get("method", "password")
    session.pop(PENDING, None)
    staff_session.sign_in(member)
    audit.record(db.session(), actor(), "staff.sign_in", target_type="staff", target_id=str(member.id),
                 details={"method": method, **details})


@bp.route("/sign-in", methods=["GET", "POST"])
@password_checks(_typed_email)
def sign_in():
    if staff_session.current() is not None:
        return redirect(next_page())
    form = StaffSignInForm()
    errors, status = form.summary(), 400 if form.errors else 200
    if form.validate_on_submit():
        member = staff.check_password(db.session(), form.normalised_email(), form.password.data,
                                      allow_demo=allow_demo())
        if member is not None:
            return await_second_factor(member)
        wrong_password()
        record_refusal("staff.sign_in", details={"method": "password"})
        errors, status = [("email", _("The email address or password is not right"))], 401
    elif form.errors:
        errors = form.summary()
    return render_template("staff/sign_in.html", form=form, errors=errors,
                           next=request.args.get("next")), status


@bp.route("/sign-in/code", methods=["GET", "POST"])
@password_checks(pending_email)
def second_factor():
    member = pending_member()
    if member is None:
        return redirect(url_for(".sign_in", next=request.args.get("next")))
    if not member.totp_secret:
        return redirect(url_for(".set_up", next=request.args.get("next")))
    form = SecondFactorForm()
    errors, status = form.summary(), 200
    if form.validate_on_submit():
        how = staff.check_second_factor(db.session(), member, form.code.data)
        if how is not None:
            finish_sign_in(member, second_factor=how)
            return redirect(next_page())
        wrong_password()
        record_refusal("staff.sign_in", target_id=str(member.id), details={"method": "second_factor"})
        errors, status = [("code", _("That code is not right, or it was used already"))], 401
    elif form.errors:
        errors, status = form.summary(), 400
    return render_template("staff/second_factor.html", form=form, errors=errors,
                           next=request.args.get("next")), status


@bp.post("/sign-out")
def sign_out():
    staff_session.sign_out()
    return redirect(url_for(".signed_out"))


@bp.get("/signed-out")
def signed_out():
    return render_template("staff/signed_out.html", timed_out=False)


@bp.get("/timed-out")
def timed_out():
    return render_template("staff/signed_out.html", timed_out=True, next=next_page())


@bp.post("/session")
def extend_session():
    current_session = staff_session.current()
    staff_sessions.extend(current_session)
    if request.accept_mimetypes.best == "application/json":
        return {"idle_expires_at": current_session.idle_expires_at.isoformat()}
    return redirect(next_page())
