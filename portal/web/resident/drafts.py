"""Coming back to unsent answers: save and come back later, resume by link or code, and a
signed-in resident's saved drafts (continue, delete).

No link or page ever carries a draft's token. A way back (an emailed link, a code, or the
account) makes a fresh token for this browser's session; see ``portal.cases.drafts``.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ... import db
from ...cases import drafts
from ...cases.contact import normalise_email
from ...extensions import limiter
from ...forms.drafts import EmailLinkForm, ResumeCodeForm
from ..i18n import current_locale
from ..security import personal_data
from ..visitor import actor, hold_draft
from .journey import carry_on, held_draft

bp = Blueprint("drafts", __name__, url_prefix="/report")
SENT = "resume_sent"


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _open_here(draft, token: str) -> str:
    """Keep the draft's fresh token in this browser's session; the page to go on from."""
    definition = drafts.definition_of_draft(db.session(), draft)
    hold_draft(definition.code, token)
    return carry_on(definition, draft.answers)


# --- save and come back later ---------------------------------------------------------------------


def _not_emailing() -> bool:
    return request.form.get("how") != "email"


@bp.route("/<code>/save", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], exempt_when=_not_emailing)
@personal_data
def save(code: str):
    draft, definition = held_draft(code)
    if draft is not None and drafts.submitted_case(db.session(), draft) is not None:
        return redirect(url_for("report.confirmation", code=code))
    back = (carry_on(definition, draft.answers) if draft is not None
            else url_for("report.start", code=code))
    context = {"service": definition, "draft": draft, "back": back,
               "keep_days": drafts.lifetime(definition.kind).days}
    if draft is None or draft.account_id is not None:
        # Nothing answered yet, or saved with the account already: nothing to choose.
        return render_template("drafts/save.html", form=None, errors=[], **context)
    form = EmailLinkForm()
    if request.method == "POST" and request.form.get("how") == "code":
        if not FlaskForm().validate_on_submit():
            abort(400)
        resume_code = drafts.issue_resume_code(db.session(), draft, actor(), secret_key=_secret())
        return render_template("drafts/code.html", code=drafts.format_code(resume_code), **context)
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        drafts.send_resume_link(db.session(), draft, email, current_locale(), actor(),
                                secret_key=_secret(), base_url=current_app.config["PUBLIC_BASE_URL"],
                                timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
        session[SENT] = email  # shown once on the next page, so a mistyped address is spotted
        return redirect(url_for(".sent", code=code))
    errors = form.summary()
    return render_template("drafts/save.html", form=form, errors=errors, **context), 400 if errors else 200


@bp.get("/<code>/save/sent")
@personal_data
def sent(code: str):
    draft, definition = held_draft(code)
    email = session.pop(SENT, None)
    if draft is None or not email:
        return redirect(url_for(".save", code=code))
    return render_template("drafts/sent.html", service=definition, draft=draft, email=email,
                           back=carry_on(definition, draft.answers))


# --- coming back: by code or by emailed link ------------------------------------------------------


@bp.route("/resume", methods=["GET", "POST"])
@limiter.limit("10 per 10 minutes;30 per hour", methods=["POST"])
def resume():
    form = ResumeCodeForm()
    not_found = False
    if form.validate_on_submit():
        typed = drafts.normalise_code(form.code.data)
        found = drafts.resume(db.session(), "code", typed, _secret(), actor()) if typed else None
        if found is not None:
            return redirect(_open_here(*found))
        # One answer for a mistyped, unknown, used or expired code.
        not_found = True
        form.code.errors = [_("This code does not work. Check you typed it as it was shown. A code "
                              "works once, and only until the date we gave with it.")]
    errors = form.summary()
    status = 404 if not_found else 400 if errors else 200
    return render_template("drafts/resume.html", form=form, errors=errors), status


@bp.route("/resume/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
@personal_data
def resume_link(token: str):
    # Opening the link only shows a button: mail scanners that follow links do not use it up.
    form = FlaskForm()
    if form.validate_on_submit():
        found = drafts.resume(db.session(), "link", token, _secret(), actor())
        if found is None:
            return render_template("drafts/link_invalid.html"), 400
        return redirect(_open_here(*found))
    draft = drafts.peek_resume(db.session(), "link", token, _secret())
    if draft is None:
        return render_template("drafts/link_invalid.html"), 400
    definition = drafts.definition_of_draft(db.session(), draft)
    return render_template("drafts/link.html", form=form, service=definition, draft=draft)


# --- a signed-in resident's saved drafts ----------------------------------------------------------


def _owned(code: str, draft_id: int):
    draft = drafts.manageable(db.session(), actor(), draft_id)
    if draft is None or drafts.definition_of_draft(db.session(), draft).code != code:
        abort(404)
    return draft


@bp.post("/<code>/continue/<id:draft_id>")
@personal_data
def continue_draft(code: str, draft_id: int):
    if actor().account_id is None:
        return redirect(url_for("auth.sign_in", next=url_for("account.dashboard")))
    if not FlaskForm().validate_on_submit():
        abort(400)
    draft = _owned(code, draft_id)
    return redirect(_open_here(draft, drafts.hand_over(db.session(), draft)))


@bp.route("/<code>/delete/<id:draft_id>", methods=["GET", "POST"])
@personal_data
def delete(code: str, draft_id: int):
    if actor().account_id is None:
        return redirect(url_for("auth.sign_in", next=url_for("account.dashboard")))
    draft = _owned(code, draft_id)
    definition = drafts.definition_of_draft(db.session(), draft)
    form = FlaskForm()
    if form.validate_on_submit():
        drafts.delete_draft(db.session(), draft, actor())
        return redirect(url_for("account.dashboard", changed="draft_deleted"))
    return render_template("drafts/delete.html", form=form, service=definition, draft=draft)
