"""Tracking a request: by reference and the contact detail given with it, or by the private link."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from ... import db, documents
from ...cases import followup, tracking
from ...cases.policy import Refused
from ...cases.references import normalise
from ...extensions import limiter
from ...forms.display import answer_rows
from ...forms.filters import strip_text
from ...forms.followup import RATING_WORDS, AnswerForm, RatingForm
from ..i18n import current_locale
from ..security import personal_data
from ..visitor import actor, remember_case
from .files import ACCEPT, ACCEPT_HEIF, types_in_words, upload_config

bp = Blueprint("tracking", __name__, url_prefix="/track")


class TrackForm(FlaskForm):
    reference = StringField(filters=[strip_text])
    contact = StringField(filters=[strip_text])

    def validate_reference(self, field):
        if not field.data:
            raise ValidationError(_("Enter your reference"))
        if normalise(field.data) is None:
            raise ValidationError(_("Enter the reference exactly as it was given to you, like K7M-X3Q-HDT"))

    def validate_contact(self, field):
        if not field.data:
            raise ValidationError(_("Enter the email address or phone number you gave us"))
        if len(field.data) > 254:
            raise ValidationError(_("Enter the email address or phone number you gave us"))

    def summary(self):
        return [(f.id, f.errors[0]) for f in self if f.errors]


def _rate() -> str:
    return current_app.config["TRACK_RATE_LIMIT"]


def _reference_key() -> str:
    return "ref:" + (normalise(request.form.get("reference", "")) or "-")


@bp.route("", methods=["GET", "POST"])
@limiter.limit(_rate, methods=["POST"])
@limiter.limit("30 per hour", key_func=_reference_key, methods=["POST"])
def track():
    form = TrackForm()
    not_found = False
    if form.validate_on_submit():
        case = tracking.find_by_reference(db.session(), normalise(form.reference.data), form.contact.data)
        if case is not None:
            remember_case(case.id)
            return redirect(url_for(".case", reference=case.reference))
        not_found = True
    errors = form.summary()
    if not_found:
        errors = [("reference", _("We could not find a request with that reference and contact detail. "
                                 "Check both and try again."))]
    status = 404 if not_found else 400 if form.errors else 200
    return render_template("tracking/track.html", form=form, errors=errors, not_found=not_found), status


def show(case, *, answer_form=None, rating_form=None, errors=(), status: int = 200):
    """The case page, with what the resident can do now (and any errors in what they sent)."""
    locale = current_locale()
    definition = tracking.definition_for(db.session(), case)
    rows = answer_rows(definition, case.answers, locale)
    asked = followup.request_for_information(case)
    reopen_until = followup.reopen_until(case, definition)
    actions = {
        "question": asked.public_note if asked is not None else None,
        "answer": asked is not None,
        "withdraw": followup.can_withdraw(case),
        "reopen_until": reopen_until if followup.can_reopen(case, definition) else None,
        "rate": followup.can_rate(case),
        "rating": case.rating,
    }
    return render_template(
        "tracking/case.html", view=tracking.public_view(case), service=definition,
        text=definition.text(locale), rows=rows, actions=actions, errors=list(errors),
        sent_files=_sent_files(case), upload=_upload_hints() if asked is not None else None,
        answer_form=answer_form or AnswerForm(formdata=None),
        rating_form=rating_form or RatingForm(formdata=None),
        rating_words=RATING_WORDS, done=request.args.get("done"),
        staff_views=_staff_views(case, locale), departments=_department_names(locale),
    ), status


def _department_names(locale: str) -> dict[str, str]:
    return {d.code: d.name(locale) for d in current_app.extensions["catalog"].departments}


def _staff_views(case, locale: str) -> list[dict]:
    """When staff opened the case, and through which department (the resident is never told who)."""
    names = _department_names(locale)
    return [{"at": view.occurred_at, "department": names.get(view.department, _("Another department"))}
            for view in tracking.staff_views(db.session(), case)]


def _sent_files(case) -> dict[int, list[dict]]:
    """Documents the resident sent with their answers, by the event they came with."""
    files: dict[int, list[dict]] = {}
    for document in documents.for_owner(db.session(), case):
        if document.event_id is not None:
            files.setdefault(document.event_id, []).append(
                {"name": document.original_name,
                 "href": url_for("documents.download", public_id=document.public_id)})
    return files


def _upload_hints() -> dict:
    config = upload_config()
    return {
        "accept": ACCEPT_HEIF if documents.HEIF_SUPPORTED else ACCEPT,
        "hint": " ".join([
            ngettext("You can add %(num)d file.", "You can add up to %(num)d files.",
                     documents.service.DEFAULT_MAX_FILES),
            _("Each file must be %(types)s, and smaller than %(size)s MB.",
              types=types_in_words(), size=config.max_file_bytes // documents.MB),
        ]),
    }


@bp.get("/case/<reference>")
@personal_data
def case(reference: str):
    try:
        found = tracking.open_case(db.session(), actor(), reference)
    except Refused:
        return redirect(url_for(".track"))
    return show(found)


@bp.get("/t/<token>")
@limiter.limit(_rate)
@personal_data
def private(token: str):
    found = tracking.find_by_token(db.session(), token)
    if found is None:
        abort(404)
    remember_case(found.id)  # so the forms on the page work in this browser
    return show(found)
