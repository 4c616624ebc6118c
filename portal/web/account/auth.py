"""Creating an account, verifying it, signing in and out, and resetting a forgotten password."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ... import db
from ...accounts import registry, sessions
from ...cases.contact import normalise_email
from ...extensions import limiter
from ...forms.accounts import ForgotForm, NewPasswordForm, SignInForm, SignUpForm
from ..i18n import current_locale
from ..security import personal_data
from ..throttle import password_checks, wrong_password
from ..urls import public_url
from ..visitor import actor
from .oidc import provider_name
from .signin import record_refusal, safe_next, sign_in, sign_out

bp = Blueprint("auth", __name__, url_prefix="/account")

LINK_ENDPOINTS = {
    "verify": "auth.verify", "reset": "auth.reset", "change_email": "auth.confirm_email",
    "sign_in": "auth.sign_in", "forgot": "auth.forgot",
}


def link_for(purpose: str, token: str) -> str:
    """A full link for a message. Built from PUBLIC_BASE_URL, never from the request's Host."""
    endpoint = LINK_ENDPOINTS[purpose]
    return public_url(endpoint, token=token) if token else public_url(endpoint)


def _typed_email() -> str | None:
    return normalise_email((request.form.get("email") or "").strip())


@bp.route("/create", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def sign_up():
    form = SignUpForm()
    if form.validate_on_submit():
        registry.register(db.session(), form.normalised_email(), form.password.data, current_locale(),
                          link_for, actor())
        return redirect(url_for(".check_email"))
    return render_template("auth/sign_up.html", form=form, errors=form.summary(),
                           provider=provider_name()), 400 if form.errors else 200


@bp.get("/check-email")
def check_email():
    return render_template("auth/check_email.html")


@bp.get("/verify/<token>")
def verify(token: str):
    account = registry.verify_email(db.session(), token, actor())
    if account is None:
        return render_template("auth/link_invalid.html"), 400
    return render_template("auth/verified.html", account=account)


@bp.route("/sign-in", methods=["GET", "POST"], endpoint="sign_in")
@password_checks(_typed_email)
def sign_in_page():
    target = safe_next(request.args.get("next"), url_for("account.dashboard"))
    if current_user.is_authenticated:
        return redirect(target)
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        account = registry.authenticate(db.session(), form.normalised_email(), form.password.data, actor())
        if account is not None:
            sign_in(account)
            return redirect(target)
        failed = True
        wrong_password()
        record_refusal("account.sign_in", details={"method": "password"})
    errors = form.summary()
    if failed:
        errors = [("email", _("The email address or password is not right"))]
    status = 401 if failed else 400 if form.errors else 200
    return render_template("auth/sign_in.html", form=form, errors=errors, failed=failed,
                           provider=provider_name(),
                           next=request.args.get("next")), status


@bp.post("/sign-out", endpoint="sign_out")
def sign_out_page():
    sign_out()
    return redirect(url_for(".signed_out"))


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    sessions.end_everywhere(db.session(), current_user.account, actor())
    sign_out()
    return redirect(url_for(".signed_out"))


@bp.get("/signed-out")
def signed_out():
    return render_template("auth/signed_out.html", timed_out=False)


@bp.get("/timed-out")
def timed_out():
    return render_template("auth/signed_out.html", timed_out=True,
                           next=safe_next(request.args.get("next"), url_for("account.dashboard")))


@bp.get("/deleted")
def deleted():
    return render_template("auth/deleted.html")


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        registry.request_reset(db.session(), form.normalised_email(), link_for, actor())
        return redirect(url_for(".check_email", reset=1))
    return render_template("auth/forgot.html", form=form, errors=form.summary()), 400 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@personal_data
def reset(token: str):
    account = registry.reset_link_account(db.session(), token)
    if account is None:
        return render_template("auth/link_invalid.html"), 400
    form = NewPasswordForm(context=(account.email,))
    if form.validate_on_submit():
        if registry.reset_password(db.session(), token, form.password.data, actor()) is None:
            return render_template("auth/link_invalid.html"), 400
        sign_in(account)
        return redirect(url_for("account.dashboard", changed="password"))
    return render_template("auth/reset.html", form=form, errors=form.summary()), 400 if form.errors else 200


@bp.get("/confirm-email/<token>")
def confirm_email(token: str):
    account = registry.confirm_email_change(db.session(), token, actor())
    if account is None:
        return render_template("auth/link_invalid.html"), 400
    return render_template("auth/verified.html", account=account, changed=True)

