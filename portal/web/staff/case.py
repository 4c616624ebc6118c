"""The case page staff work from: who the resident is and what they need to be contacted, the
submission exactly as they saw it, their documents, the whole history, related cases, and (from the
pages that take them) the actions this member of staff may take now.

What a member of staff may see is the domain's decision (``portal.cases.staffwork``): a case outside
their departments, or any case for a role without case content, is a 404 like a case that does
not exist, and is audited; every view and every document opened is audited too.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import db, documents
from ...cases import staffwork, tracking, workflow
from ...cases.contact import format_phone
from ...cases.documents import readable
from ...forms.display import given_rows
from ..i18n import current_locale
from ..resident.files import send_document
from ..security import personal_data
from ..visitor import actor

bp = Blueprint("staff_case", __name__, url_prefix="/staff")

# The questions in the resident's language (as they saw them), or in the page's.
QUESTIONS_AS_SEEN, QUESTIONS_MINE = "resident", "mine"


CHANNELS = {"web": _l("online"), "phone": _l("by phone"), "counter": _l("at the counter"), "post": _l("by post"),
            "email": _l("by email"), "api": _l("through another system")}
PREFERRED = {"email": _l("Email"), "text": _l("Text message"), "phone": _l("Phone call"), "post": _l("Letter by post"),
             "none": _l("No updates")}
NEEDS = (("large_print", _l("Large print")), ("braille", _l("Braille")), ("audio", _l("Audio")),
         ("easy_read", _l("Easy read")), ("tty_relay", _l("TTY or relay service")))


def _language(code: str | None, locale: str) -> str:
    return Locale.parse(code).get_display_name(locale).capitalize() if code else _("Not given")


def contact_rows(found, preferences, locale: str) -> list[tuple[str, list[str]]]:
    """Who the resident is, how they want to hear from us and what they need to, for the top of the page."""
    none = _("Not given")
    needs = [str(label) for key, label in NEEDS if preferences is not None and getattr(preferences, key)]
    if preferences is not None and preferences.interpreter_language:
        needs.append(_("Interpreter: %(language)s", language=preferences.interpreter_language))
    channel = preferences.preferred_channel if preferences is not None else found.contact_preference
    return [
        (_("Name"), [found.contact_name or none]),
        (_("Email address"), [found.contact_email or (preferences and preferences.email) or none]),
        (_("Phone number"), [format_phone(found.contact_phone or (preferences and preferences.phone)) or none]),
        (_("Contact by"), [str(PREFERRED.get(channel, none))]),
        (_("Language"), [_language(preferences.locale if preferences is not None else found.locale, locale)]),
        (_("Accessibility needs"), needs or [_("None given")]),
    ]


def _today():
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _department_name(code: str | None, locale: str) -> str | None:
    department = next((d for d in current_app.extensions["catalog"].departments if d.code == code), None)
    return department.name(locale) if department else code


@bp.get("/cases/<reference>")
@personal_data
def case(reference: str):
    session, who = db.session(), actor()
    found = staffwork.open_for_staff(session, who, reference, db.apart)
    definition = tracking.definition_for(session, found)
    page_locale = current_locale()
    questions = QUESTIONS_MINE if request.args.get("questions") == QUESTIONS_MINE else QUESTIONS_AS_SEEN
    question_locale = page_locale if questions == QUESTIONS_MINE else found.locale
    names = staffwork.staff_names(session, (found.assignee_id, found.entered_by_id))
    asked = {q.code: q.label(page_locale) for q in definition.questions}
    files = [{"name": d.original_name, "question": asked.get(d.question_code, d.question_code),
              "href": url_for(".document", public_id=d.public_id)}
             for d in documents.for_owner(session, found)]
    return render_template(
        "staff/case/case.html", case=found, service=definition, text=definition.text(page_locale),
        department=_department_name(found.department, page_locale),
        departments={d.code: d.name(page_locale) for d in current_app.extensions["catalog"].departments},
        contact_rows=contact_rows(found, staffwork.contact_preferences(session, found), page_locale),
        channels=CHANNELS, case_language=_language(found.locale, page_locale),
        version=staffwork.definition_version(session, found),
        service_names={code: d.text(page_locale)["name"]
                       for code, d in current_app.extensions["catalog"].services.items()},
        assignee=names.get(found.assignee_id), entered_by=names.get(found.entered_by_id),
        overdue=staffwork.overdue(found, _today()), finished=workflow.of(found.kind).finished(found.status),
        rows=given_rows(definition, found.answers, found.locale, question_locale),
        questions=questions, question_locale=question_locale, page_locale=page_locale,
        files=files, history=staffwork.history(session, found),
        same_resident=staffwork.same_resident(session, who, found),
        same_place=staffwork.same_place(session, who, found),
        actions=staffwork.actions_for(who, found),
    )


@bp.get("/documents/<public_id>")
@personal_data
def document(public_id: str):
    """A document of a case the member may read; each opening is audited (``cases.documents.readable``)."""
    return send_document(readable(db.session(), actor(), public_id))

