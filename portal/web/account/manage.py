"""A signed-in resident's pages: their requests, contact preferences, email, password, data."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ... import db
from ...accounts import export, passwords, preferences, registry, sessions
from ...cases import drafts, tracking
from ...cases.tracking import definition_for
from ...forms.accounts import ChangeEmailForm, ChangePasswordForm, DeleteForm
from ...forms.display import answer_rows, preference_rows
from ...forms.preferences import AccountPreferencesForm, values_of
from ..i18n import current_locale
from ..security import personal_data
from ..throttle import password_checks, wrong_password
from ..urls import query_id
from ..visitor import actor
from .auth import link_for
from .signin import safe_next, sign_out

bp = Blueprint("account", __name__, url_prefix="/account")
PAGE = 20


@bp.get("")
@personal_data
def dashboard():
    account = current_user.account
    before = query_id("before")
    cases = tracking.cases_for_account(db.session(), account.id, before=before, limit=PAGE + 1)
    more = len(cases) > PAGE
    cases = cases[:PAGE]
    catalog = current_app.extensions["catalog"]
    views = [(tracking.public_view(c), tracking.definition_for(db.session(), c)) for c in cases]
    saved = [(d, drafts.definition_of_draft(db.session(), d)) for d in drafts.for_account(db.session(), account.id)]
    return render_template("account/dashboard.html", account=account, views=views, catalog=catalog, saved=saved,
                           older=url_for(".dashboard", before=cases[-1].id) if more else None,
                           changed=request.args.get("changed"))


@bp.route("/preferences", methods=["GET", "POST"])
@personal_data
def contact_preferences():
    account = current_user.account
    prefs = preferences.for_account(db.session(), account)
    form = AccountPreferencesForm()
    if request.method == "GET":
        form.fill(values_of(prefs))
    if form.validate_on_submit():
        preferences.update(db.session(), prefs, form.changes(), actor())
        return redirect(url_for(".dashboard", changed="preferences"))
    return render_template("account/preferences.html", form=form, errors=form.summary(),
                           rows=preference_rows(values_of(prefs), None)), 400 if form.errors else 200


def _signed_in_email() -> str | None:
    return current_user.account.email if current_user.is_authenticated else None


def _right_password(account, password: str | None) -> bool:
    """The password asked again before a change; a wrong one counts against the throttles."""
    if account.password_hash is None or passwords.verify(account.password_hash, password or ""):
        return True
    wrong_password()
    return False


@bp.route("/email", methods=["GET", "POST"])
@password_checks(_signed_in_email)
@personal_data
def change_email():
    account = current_user.account
    form = ChangeEmailForm()
    status = 400
    if form.validate_on_submit():
        if not _right_password(account, form.password.data):
            form.password.errors = [_wrong_password()]
        else:
            try:
                registry.request_email_change(db.session(), account, form.normalised_email(), link_for, actor())
                return redirect(url_for("auth.check_email", change=1))
            except registry.EmailChangeLimited as limited:
                form.email.errors = [_email_change_limited(limited.reason)]
                status = 429
    errors = form.summary()
    return render_template("account/email.html", form=form, errors=errors, account=account,
                           has_password=bool(account.password_hash)), status if errors else 200


def _email_change_limited(reason: str) -> str:
    from flask_babel import gettext as _
    from flask_babel import ngettext

    if reason == "already_sent":
        minutes = int(registry.RESEND_AFTER.total_seconds() // 60)
        return ngettext("We have just sent a link to this address. Check its inbox, and its spam or junk "
                        "folder. You can ask for another link after %(num)d minute",
                        "We have just sent a link to this address. Check its inbox, and its spam or junk "
                        "folder. You can ask for another link after %(num)d minutes", minutes)
    return _("You have asked to change your email address too many times today. Try again tomorrow")


def _wrong_password() -> str:
    from flask_babel import gettext as _

    return _("The password is not right")


@bp.route("/password", methods=["GET", "POST"])
@password_checks(_signed_in_email)
@personal_data
def change_password():
    account = current_user.account
    form = ChangePasswordForm(context=(account.email,))
    if form.validate_on_submit():
        if not _right_password(account, form.current.data):
            form.current.errors = [_wrong_password()]
        else:
            registry.set_password(db.session(), account, form.password.data, actor(),
                                  keep_token=current_user.current.token)
            return redirect(url_for(".dashboard", changed="password"))
    errors = form.summary()
    return render_template("account/password.html", form=form, errors=errors,
                           has_password=bool(account.password_hash)), 400 if errors else 200


@bp.route("/delete", methods=["GET", "POST"])
@password_checks(_signed_in_email)
@personal_data
def delete():
    account = current_user.account
    form = DeleteForm()
    if form.validate_on_submit():
        if not _right_password(account, form.password.data):
            form.password.errors = [_wrong_password()]
        else:
            registry.delete(db.session(), account, actor(), mailroom_dir=current_app.config["MAILROOM_DIR"])
            sign_out()
            return redirect(url_for("auth.deleted"))
    errors = form.summary()
    return render_template("account/delete.html", form=form, errors=errors,
                           has_password=bool(account.password_hash)), 400 if errors else 200


@bp.get("/export.json")
@personal_data
def export_json():
    data = export.gather(db.session(), current_user.account, actor())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="civic-portal-my-data.json"'})


@bp.get("/export")
@personal_data
def export_html():
    data = export.gather(db.session(), current_user.account, actor())
    locale = current_locale()
    account_cases = {c.reference: c for c in tracking.cases_for_account(db.session(), current_user.account.id, limit=10_000)}
    for item in data["requests"]:
        definition = definition_for(db.session(), account_cases[item["reference"]])
        item["rows"] = answer_rows(definition, item["answers"], locale)
    prefs = preferences.for_account(db.session(), current_user.account)
    return render_template("account/export.html", data=data,
                           preference_rows=preference_rows(values_of(prefs), None))


@bp.post("/session/extend")
def extend_session():
    sessions.extend(db.session(), current_user.current)
    if request.accept_mimetypes.best == "application/json":
        return {"idle_expires_at": current_user.current.idle_expires_at.isoformat()}

    return redirect(safe_next(request.form.get("next"), url_for(".dashboard")))
