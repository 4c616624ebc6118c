"""Previewing a service as residents see it: the resident's own question pages, branches, exit
pages and check answers, run by the same runner (``portal.forms.runner``) with the same page forms
(``portal.forms.pages``) and templates (``templates/report``), under a banner that says nothing is
saved or sent.

Where the resident's pages keep answers in a draft row, the preview keeps them in the staff
member's signed session cookie (``STATE``), for one service at a time and size-limited: nothing
reaches the database, so a preview makes no draft, case, document, message or audit record. The
version part of each address is ``published`` or the key of a changed definition the member
checked (``preview_check``), so the same pages preview either.
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
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from ...cases import policy, previews
from ...catalog import Question, ServiceDefinition
from ...forms import runner
from ...forms.contact import ContactForm
from ...forms.display import answer_rows, preference_rows
from ...forms.pages import build
from .. import throttle
from ..i18n import current_locale
from ..security import personal_data
from ..visitor import actor
from . import nav
from . import session as staff_session

bp = Blueprint("staff_preview", __name__, url_prefix="/staff/preview")
nav.add("staff_preview.index", _l("Preview services"), policy.CATALOG_PREVIEW, 40)

STATE = "preview"
# The answers are kept in the session cookie, which browsers cap at 4 KB (name and attributes
# included): past this many bytes of cookie value a preview stops rather than lose them.
MAX_COOKIE_BYTES = 3600


# Pages of their own for some kinds of question (repeating groups, files): ``preview_groups`` adds them.
PAGES: dict = {}


staff_session.STAFF_ONLY.append(STATE)


class TooMuchToKeep(Exception):
    """The preview's answers no longer fit in the session cookie."""


def checked_store() -> previews.CheckedStore:
    return previews.CheckedStore(f"{current_app.instance_path}/catalog-checks")


def previewed(version: str, code: str) -> tuple[ServiceDefinition, bool]:
    """The definition previewed at ``version`` (published, or a changed one this member checked),
    and whether it is a service the published catalog does not have yet. 404 for anything else."""
    catalog = current_app.extensions["catalog"]
    if version == previews.PUBLISHED:
        definition = previews.published(actor(), catalog, code)
        if definition is None:
            abort(404)
        return definition, False
    checked = checked_store().get(actor(), catalog, version)
    if checked is None or checked.definition.code != code:
        abort(404)
    return checked.definition, checked.new


# --- the answers, kept in the session -----------------------------------------------------------


def _held(version: str, code: str) -> dict:
    held = session.get(STATE)
    if isinstance(held, dict) and held.get("for") == f"{version}/{code}":
        return held
    return {"for": f"{version}/{code}", "answers": {}, "contact": None}


def answers_of(version: str, code: str) -> dict:
    return dict(_held(version, code)["answers"])


def contact_of(version: str, code: str) -> dict | None:
    return _held(version, code)["contact"]


def keep(version: str, code: str, *, answers: dict | None = None, contact: dict | None = None) -> None:
    held = dict(_held(version, code))
    if answers is not None:
        held["answers"] = answers
    if contact is not None:
        held["contact"] = contact
    serializer = current_app.session_interface.get_signing_serializer(current_app)
    if len(serializer.dumps({**session, STATE: held})) > MAX_COOKIE_BYTES:
        raise TooMuchToKeep
    session[STATE] = held


def forget() -> None:
    session.pop(STATE, None)


@bp.errorhandler(TooMuchToKeep)
def _too_much(_error):
    return render_template("staff/preview/too_long.html", services_url=url_for(".index")), 400


# --- addresses ------------------------------------------------------------------------------------


def step_url(version: str, definition: ServiceDefinition, step, change: bool = False) -> str:
    code = definition.code
    if step == runner.CONTACT:
        return url_for(".contact", version=version, code=code)
    if step == runner.CHECK:
        return url_for(".check", version=version, code=code)
    if step == runner.START:
        return url_for(".start", version=version, code=code)
    return url_for(".question", version=version, code=code, qcode=step.code, change=1 if change else None)


def where_next(version: str, definition: ServiceDefinition, answers: dict, after: str | None, change: bool) -> str:
    step, as_change = runner.next_step(definition, answers, after, change)
    return step_url(version, definition, step, as_change)


def back_url(version: str, definition: ServiceDefinition, answers: dict, current: str | None) -> str:
    return step_url(version, definition, runner.previous_step(definition, answers, current))


def page(template: str, version: str, definition: ServiceDefinition, new: bool, status: int = 200, **context):
    """A resident's page, shown in the preview: the banner, and the preview's own links."""
    banner = {"version": version, "new": new, "checked": version != previews.PUBLISHED,
              "restart": url_for(".restart", version=version, code=definition.code),
              "files_note": context.pop("files_note", False)}
    return render_template(template, service=definition, preview=banner, services_url=url_for(".index"),
                           title_as=lambda title: _("Preview: %(title)s", title=title),
                           **context), status


# --- the pages --------------------------------------------------------------------------------------


@bp.get("/<version>/<code>")
def start(version: str, code: str):
    definition, new = previewed(version, code)
    locale = current_locale()
    return page("report/start.html", version, definition, new, text=definition.text(locale),
                first=step_url(version, definition, definition.questions[0]), resume=None,
                back=url_for(".index"))


@bp.post("/<version>/<code>/restart")
def restart(version: str, code: str):
    previewed(version, code)
    if not FlaskForm().validate_on_submit():
        abort(400)
    forget()
    return redirect(url_for(".start", version=version, code=code))


@bp.route("/<version>/<code>/q/<qcode>", methods=["GET", "POST"])
@throttle.uploads
@personal_data  # what was typed in a preview may be a caller's details: never cached
def question(version: str, code: str, qcode: str):
    definition, new = previewed(version, code)
    question = definition.question(qcode)
    if question is None:
        abort(404)
    answers = answers_of(version, code)
    if not runner.reachable(definition, answers, qcode):
        return redirect(where_next(version, definition, answers, None, change=False))
    change = request.args.get("change") == "1"
    locale = current_locale()
    back = (url_for(".check", version=version, code=code) if change
            else back_url(version, definition, answers, qcode))
    if question.is_exit:
        if request.method == "POST":
            abort(405)
        return page("report/exit.html", version, definition, new, question=question,
                    text=question.text(locale), back=back)
    if question.datatype in PAGES:
        return PAGES[question.datatype](version, definition, new, question, answers, change, back)
    form = build(question, locale)
    if request.method == "GET" and qcode in answers:
        form.fill(answers[qcode])
    if form.validate_on_submit():
        answers[qcode] = form.answer()
        keep(version, code, answers=answers)
        return redirect(where_next(version, definition, answers, qcode, change))
    return page("report/question.html", version, definition, new, 400 if form.errors else 200,
                question=question, text=question.text(locale), form=form, back=back, errors=form.summary())


def _ready(version: str, definition: ServiceDefinition):
    """Where to go instead, while a question on the route is unanswered (or an exit was reached)."""
    answers = answers_of(version, definition.code)
    if not runner.ready_to_send(definition, answers):
        return answers, redirect(where_next(version, definition, answers, None, change=False))
    return answers, None


@bp.route("/<version>/<code>/contact", methods=["GET", "POST"])
@personal_data
def contact(version: str, code: str):
    definition, new = previewed(version, code)
    answers, elsewhere = _ready(version, definition)
    if elsewhere is not None:
        return elsewhere
    form = ContactForm()
    if request.method == "GET":
        form.fill(contact_of(version, code) or {"locale": current_locale(), "want_updates": True,
                                                "want_reminders": True, **runner.given_earlier(definition, answers)})
    if form.validate_on_submit():
        keep(version, code, contact=form.contact())
        return redirect(url_for(".check", version=version, code=code))
    back = (url_for(".check", version=version, code=code) if request.args.get("change") == "1"
            else back_url(version, definition, answers, None))
    return page("report/contact.html", version, definition, new, 400 if form.errors else 200,
                form=form, back=back, errors=form.summary())


@bp.route("/<version>/<code>/check", methods=["GET", "POST"])
@personal_data
def check(version: str, code: str):
    definition, new = previewed(version, code)
    answers, elsewhere = _ready(version, definition)
    if elsewhere is not None:
        return elsewhere
    held_contact = contact_of(version, code)
    if held_contact is None:
        return redirect(url_for(".contact", version=version, code=code))
    form = FlaskForm()
    if form.validate_on_submit():
        return redirect(url_for(".sent", version=version, code=code))
    locale = current_locale()

    def change_url(q: Question) -> str:
        return url_for(".question", version=version, code=code, qcode=q.code, change=1)

    return page("report/check.html", version, definition, new, form=form,
                rows=answer_rows(definition, answers, locale, href=change_url),
                contact_rows=preference_rows(held_contact, url_for(".contact", version=version, code=code, change=1)),
                back=url_for(".contact", version=version, code=code))


@bp.get("/<version>/<code>/sent")
@personal_data
def sent(version: str, code: str):
    """Where the resident would see their reference number: in the preview, nothing was sent."""
    definition, new = previewed(version, code)
    _answers, elsewhere = _ready(version, definition)
    if elsewhere is not None:
        return elsewhere
    return page("staff/preview/sent.html", version, definition, new, text=definition.text(current_locale()))
