"""A resident's follow-up on a request they sent: answer a request for information, withdraw,
say a fixed problem is not fixed, rate the service.

Only those the policy allows may do these (the resident who made the case: its account, or a
browser that proved it); anyone else gets a 404, as if the case did not exist. A form sent when the case no longer allows it (another tab was
quicker, staff moved the case, the time to reopen passed) gets a 409 page saying so, and nothing
is written.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import db, documents
from ...cases import followup, policy, tracking
from ...cases.policy import Refused
from ...forms.followup import AnswerForm, NotFixedForm, RatingForm, WithdrawForm
from .. import throttle
from ..security import personal_data
from ..visitor import actor
from . import files
from .tracking import show

bp = Blueprint("followup", __name__, url_prefix="/track/case/<reference>")


def _case(reference: str):
    """The case, if this browser may read it (404 otherwise). Each action asks the policy again."""
    try:
        return tracking.open_case(db.session(), actor(), reference, policy.CASE_READ)
    except Refused:
        abort(404)


def _back(case, done: str | None = None):
    return redirect(url_for("tracking.case", reference=case.reference, done=done))


def _refused(case, reason: str):
    """The case no longer allows what was asked: say so, with the way back to the request."""
    messages = {
        followup.WINDOW_CLOSED: _("The time to tell us the problem is not fixed has passed. If it "
                                  "is still there, report it again as a new problem."),
        followup.ALREADY_RATED: _("You have already rated this request. Thank you."),
    }
    body = messages.get(reason, _("Your request has changed since you opened this page, so this "
                                  "cannot be done now. Look at the request to see where it is."))
    return render_template("tracking/not_possible.html", case=case, body=body), 409


@bp.post("/answer")
@throttle.uploads
@personal_data
def answer(reference: str):
    case = _case(reference)
    asked = followup.request_for_information(case)
    if asked is None:
        return _refused(case, followup.WRONG_STATUS)
    form = AnswerForm()
    if not form.validate_on_submit():
        return show(case, answer_form=form, errors=form.summary(), status=400)
    added, errors, status = [], [], 400
    for upload in [f for f in request.files.getlist("file") if f.filename]:
        try:
            added.append(documents.add(db.session(), case, followup.documents_code(asked), upload.filename,
                                       upload.stream, config=files.upload_config()))
        except documents.DocumentRefused as refused:
            if not errors:
                status = files.STATUS[refused.reason]
            errors.append(("file", files.refusal_message(refused, documents.shown_name(upload.filename) or _("Your file"))))
        finally:
            upload.close()
    if errors:
        # Nothing is kept, the answer included: the page asks for the files again.
        form.answer.errors = []
        return show(case, answer_form=form, errors=errors, status=status)
    try:
        followup.answer_request(db.session(), case, form.answer.data, actor(), added)
    except followup.NotAllowed as refused:
        return _refused(case, refused.reason)
    return _back(case, "answered")


@bp.url_value_preprocessor
def _upload_body_limit(endpoint: str | None, values: dict | None) -> None:
    """An answer may come with documents: it takes bodies up to what one request may upload.
    Runs before the CSRF check reads the body; every other request keeps MAX_CONTENT_LENGTH."""
    if endpoint == "followup.answer" and request.method == "POST" and request.mimetype == "multipart/form-data":
        request.max_content_length = (current_app.config["UPLOAD_MAX_CASE_MB"] + 1) * documents.MB


@bp.route("/withdraw", methods=["GET", "POST"])
@personal_data
def withdraw(reference: str):
    case = _case(reference)
    if not followup.can_withdraw(case):
        return _refused(case, followup.WRONG_STATUS)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            followup.withdraw(db.session(), case, form.reason.data, actor())
        except followup.NotAllowed as refused:
            return _refused(case, refused.reason)
        return _back(case, "withdrawn")
    errors = form.summary()
    return render_template("tracking/withdraw.html", case=case, form=form, errors=errors,
                           service=tracking.definition_for(db.session(), case)), 400 if errors else 200


@bp.route("/not-fixed", methods=["GET", "POST"])
@personal_data
def not_fixed(reference: str):
    case = _case(reference)
    definition = tracking.definition_for(db.session(), case)
    if not followup.can_reopen(case, definition):
        closed = followup.reopen_until(case, definition) is not None
        return _refused(case, followup.WINDOW_CLOSED if closed else followup.WRONG_STATUS)
    form = NotFixedForm()
    if form.validate_on_submit():
        try:
            followup.reopen(db.session(), case, definition, form.description.data, actor())
        except followup.NotAllowed as refused:
            return _refused(case, refused.reason)
        return _back(case, "reopened")
    errors = form.summary()
    return render_template("tracking/not_fixed.html", case=case, form=form, errors=errors, service=definition,
                           until=followup.reopen_until(case, definition)), 400 if errors else 200


@bp.post("/rate")
@personal_data
def rate(reference: str):
    case = _case(reference)
    if not followup.can_rate(case):
        return _refused(case, followup.ALREADY_RATED if case.rating is not None else followup.WRONG_STATUS)
    form = RatingForm()
    if not form.validate_on_submit():
        return show(case, rating_form=form, errors=form.summary(), status=400)
    try:
        followup.rate(db.session(), case, form.value(), form.comment.data, actor())
    except followup.NotAllowed as refused:
        return _refused(case, refused.reason)
    return _back(case, "rated")
