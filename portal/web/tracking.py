"""Tracking a request: by reference and the contact detail given with it, or by the private link."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from .. import db
from ..cases import tracking
from ..cases.references import normalise
from ..extensions import limiter
from ..forms.display import display
from ..models import Case
from .i18n import current_locale
from .security import personal_data

bp = Blueprint("tracking", __name__, url_prefix="/track")
TRACKED = "tracked"
MAX_TRACKED = 20


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TrackForm(FlaskForm):
    reference = StringField(filters=[_strip])
    contact = StringField(filters=[_strip])

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
            allowed = [r for r in session.get(TRACKED, []) if r != case.reference]
            session[TRACKED] = ([case.reference] + allowed)[:MAX_TRACKED]
            return redirect(url_for(".case", reference=case.reference))
        not_found = True
    errors = form.summary()
    if not_found:
        errors = [("reference", _("We could not find a request with that reference and contact detail. "
                                 "Check both and try again."))]
    status = 404 if not_found else 400 if form.errors else 200
    return render_template("tracking/track.html", form=form, errors=errors, not_found=not_found), status


def _show(case: Case):
    locale = current_locale()
    definition = tracking.definition_for(db.session(), case)
    rows = [
        {"key": q.label(locale), "lines": display(q, case.answers.get(q.code), locale), "href": None}
        for q in definition.route(case.answers) if q.in_summary
    ]
    return render_template("tracking/case.html", view=tracking.public_view(case), service=definition,
                           text=definition.text(locale), rows=rows)


@bp.get("/case/<reference>")
@personal_data
def case(reference: str):
    if reference not in session.get(TRACKED, []):
        return redirect(url_for(".track"))
    found = tracking.get(db.session(), reference)
    if found is None:
        abort(404)
    return _show(found)


@bp.get("/t/<token>")
@limiter.limit(_rate)
@personal_data
def private(token: str):
    found = tracking.find_by_token(db.session(), token)
    if found is None:
        abort(404)
    return _show(found)
