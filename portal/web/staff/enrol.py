"""Setting up the second factor: a member of staff with none yet, who gave the right password (or
signed in through the agency's provider), adds the secret to their authenticator app, proves it
with a current code, and is shown their recovery codes once. Signed-in members may also make new
recovery codes, giving the second factor again."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import db
from ...accounts import staff
from ...forms.staff import SecondFactorForm, SetUpForm
from ..throttle import password_checks, wrong_password
from ..visitor import actor
from . import auth, nav
from . import session as staff_session

OFFERED = "staff_offered_secret"  # the secret shown on the set-up page, until a code confirms it
ISSUER = "Civic Portal staff"

account_bp = Blueprint("staff_account", __name__, url_prefix="/staff/account")
nav.add("staff_account.recovery_codes", _l("Recovery codes"), None, 95)


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _offered_secret(member) -> str:
    offered = session.get(OFFERED) or {}
    if offered.get("id") != member.id:
        offered = {"id": member.id, "secret": staff.offered_secret()}
        session[OFFERED] = offered
    return offered["secret"]


@auth.bp.route("/sign-in/set-up", methods=["GET", "POST"])
@password_checks(auth.pending_email)
def set_up():
    member = auth.pending_member()
    if member is None:
        return redirect(url_for(".sign_in", next=request.args.get("next")))
    if member.totp_secret:
        return redirect(url_for(".second_factor", next=request.args.get("next")))
    secret = _offered_secret(member)
    form = SetUpForm()
    errors, status = form.summary(), 200
    if form.validate_on_submit():
        codes = staff.enrol_totp(db.session(), actor(), member, secret, form.code.data)
        if codes is not None:
            session.pop(OFFERED, None)
            auth.finish_sign_in(member, second_factor="totp", enrolled=True)
            return render_template("staff/recovery_codes.html", codes=codes, next=auth.next_page())
        wrong_password()
        errors, status = [("code", _("That code is not right. Check the time on your device, then enter "
                                     "the code it shows now"))], 401
    elif form.errors:
        errors, status = form.summary(), 400
    return render_template("staff/set_up.html", form=form, errors=errors, secret=_grouped(secret),
                           uri=staff.provisioning_uri(member, ISSUER, secret),
                           next=request.args.get("next")), status


@account_bp.route("/recovery-codes", methods=["GET", "POST"])
@password_checks(staff_session.current_email)
def recovery_codes():
    member = staff_session.current().member
    form = SecondFactorForm()
    errors, status = form.summary(), 200
    if form.validate_on_submit():
        codes = staff.replace_recovery_codes(db.session(), actor(), member, form.code.data)
        if codes is not None:
            return render_template("staff/recovery_codes.html", codes=codes, next=url_for("staff.queue"))
        wrong_password()
        errors, status = [("code", _("That code is not right, or it was used already"))], 401
    elif form.errors:
        errors, status = form.summary(), 400
    return render_template("staff/new_recovery_codes.html", form=form, errors=errors,
                           left=staff.recovery_codes_left(member)), status
