"""Reporting a problem: start page, one question per page, contact, check answers, confirmation."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for

from .. import db
from ..audit import Actor
from ..cases import drafts
from ..cases.submit import NotReady, submit
from ..catalog import Question, ServiceDefinition
from ..forms.contact import ContactForm
from ..forms.display import display, preference_rows
from ..forms.pages import build
from ..models import Draft
from .i18n import current_locale
from . import throttle
from .security import personal_data
from .urls import public_url

bp = Blueprint("report", __name__, url_prefix="/report")
DRAFTS = "drafts"


def _service(code: str) -> ServiceDefinition:
    definition = current_app.extensions["catalog"].service(code)
    if definition is None:
        abort(404)
    return definition


def _draft(code: str) -> tuple[Draft | None, ServiceDefinition]:
    """This browser's draft for the service, and the definition version it is answered under."""
    current = _service(code)
    token = session.get(DRAFTS, {}).get(code)
    draft = drafts.find(db.session(), token, code)
    if draft is not None and draft.account_id is not None:
        account = _account()
        if account is None or account.id != draft.account_id:
            draft = None  # an account's draft opens only while that account is signed in
    if draft is None:
        return None, current
    return draft, drafts.definition_of_draft(db.session(), draft)


def _token(code: str) -> str:
    return session[DRAFTS][code]


def _account():
    from flask_login import current_user

    return current_user.account if current_user.is_authenticated else None


def _start_draft(definition: ServiceDefinition) -> Draft:
    account = _account()
    draft, token = drafts.start(db.session(), definition, current_locale(),
                                account_id=account.id if account else None)
    session[DRAFTS] = {**session.get(DRAFTS, {}), definition.code: token}
    return draft


def _page_url(definition: ServiceDefinition, question: Question, change: bool = False) -> str:
    return url_for("report.question", code=definition.code, qcode=question.code, change=1 if change else None)


def _where_next(definition: ServiceDefinition, answers: dict, after: str | None, change: bool) -> str:
    """The page after ``after``: the next question, an exit page, the contact page or check answers."""
    route = definition.route(answers)
    if route and route[-1].is_exit:
        return _page_url(definition, route[-1])
    unanswered = definition.unanswered(answers)
    if change:
        return _page_url(definition, unanswered[0], change=True) if unanswered else url_for("report.check", code=definition.code)
    codes = [q.code for q in route]
    position = codes.index(after) + 1 if after in codes else 0
    for question in route[position:]:
        return _page_url(definition, question)
    if unanswered:
        return _page_url(definition, unanswered[0])
    return url_for("report.contact", code=definition.code)


def _back_url(definition: ServiceDefinition, answers: dict, current: str | None) -> str:
    route = [q for q in definition.route(answers) if not q.is_exit or q.code == current]
    codes = [q.code for q in route]
    if current is None:  # the contact page
        return _page_url(definition, route[-1]) if route else url_for(".start", code=definition.code)
    position = codes.index(current) if current in codes else 0
    if position == 0:
        return url_for(".start", code=definition.code)
    return _page_url(definition, route[position - 1])


def _prefilled(question: Question, answers: dict):
    """An answer we already hold, offered so the resident only checks it (WCAG 3.3.7)."""
    account = _account()
    if account is None:
        return None
    from ..accounts import preferences
    from ..cases.contact import format_phone

    prefs = preferences.for_account(db.session(), account)
    source = question.prefill.removeprefix("account.")
    if source == "name":
        return account.name or ""
    if source == "email":
        return prefs.email or account.email
    if source == "phone":
        return format_phone(prefs.phone)
    postal = prefs.postal or {}
    if question.datatype == "address":
        return {"street": " ".join(p for p in (postal.get("line1"), postal.get("line2")) if p),
                "city": postal.get("city", ""), "zip": postal.get("zip", "")}
    return ", ".join(p for p in (postal.get("line1"), postal.get("city"), postal.get("zip")) if p)


def _given_earlier(definition: ServiceDefinition, answers: dict) -> dict:
    """Contact details the journey already asked for, offered on the contact page (WCAG 3.3.7)."""
    from ..cases.contact import normalise_phone

    found: dict = {}
    for q in definition.route(answers):
        value = answers.get(q.code)
        if not value or not q.prefill:
            continue
        if q.prefill == "account.name":
            found["name"] = value
        elif q.prefill == "account.email":
            found["email"] = value
        elif q.prefill == "account.phone":
            found["phone"] = normalise_phone(value)
    return found


def _reachable(definition: ServiceDefinition, answers: dict, qcode: str) -> bool:
    """A page may be shown only once every page before it on the route is answered."""
    for question in definition.route(answers):
        if question.code == qcode:
            return True
        if question.is_exit or question.code not in answers:
            return False
    return False


@bp.get("/<code>")
def start(code: str):
    draft, definition = _draft(code)
    if draft is not None and drafts.submitted_case(db.session(), draft) is not None:
        # The last report of this service was sent; starting again begins a new one.
        session[DRAFTS] = {k: v for k, v in session.get(DRAFTS, {}).items() if k != code}
        draft, definition = None, _service(code)
    resume = None
    if draft is not None and draft.answers:
        resume = _where_next(definition, draft.answers, None, change=False)
    locale = current_locale()
    return render_template("report/start.html", service=definition, text=definition.text(locale),
                           first=_page_url(definition, definition.questions[0]), resume=resume)


@bp.route("/<code>/q/<qcode>", methods=["GET", "POST"])
@throttle.uploads
@personal_data  # the answer given, or one offered from the account, a list's entries, the files added
def question(code: str, qcode: str):
    draft, definition = _draft(code)
    if draft is not None and drafts.submitted_case(db.session(), draft) is not None:
        return redirect(url_for(".confirmation", code=code))
    question = definition.question(qcode)
    if question is None:
        abort(404)
    answers = dict(draft.answers) if draft else {}
    if not _reachable(definition, answers, qcode):
        return redirect(_where_next(definition, answers, None, change=False))
    change = request.args.get("change") == "1"
    locale = current_locale()
    back = url_for(".check", code=code) if change else _back_url(definition, answers, qcode)
    if question.is_exit:
        if request.method == "POST":
            abort(405)
        return render_template("report/exit.html", service=definition, question=question,
                               text=question.text(locale), back=back)
    if question.datatype == "group":
        from .report_groups import group_summary

        return group_summary(definition, question, draft, change, back)
    if question.datatype == "file":
        from .uploads import file_question

        return file_question(definition=definition, question=question, draft=draft, change=change,
                             back=back, start_draft=_start_draft,
                             where_next=lambda answers: _where_next(definition, answers, qcode, change))
    form = build(question, locale)
    if request.method == "GET" and qcode in answers:
        form.fill(answers[qcode])
    elif request.method == "GET" and question.prefill:
        form.fill(_prefilled(question, answers))
    if form.validate_on_submit():
        if draft is None:
            draft = _start_draft(definition)
        drafts.save_answer(db.session(), draft, qcode, form.answer())
        return redirect(_where_next(definition, draft.answers, qcode, change))
    status = 400 if form.errors else 200
    return render_template("report/question.html", service=definition, question=question,
                           text=question.text(locale), form=form, back=back,
                           errors=form.summary()), status


def _answered_draft(code: str):
    """The draft with every question on its route answered, or where the resident must go instead."""
    draft, definition = _draft(code)
    if draft is None:
        return None, definition, redirect(url_for(".start", code=code))
    if drafts.submitted_case(db.session(), draft) is not None:
        return draft, definition, redirect(url_for(".confirmation", code=code))
    if definition.exit_reached(draft.answers) or definition.unanswered(draft.answers):
        return draft, definition, redirect(_where_next(definition, draft.answers, None, change=False))
    return draft, definition, None


@bp.route("/<code>/contact", methods=["GET", "POST"])
@personal_data
def contact(code: str):
    draft, definition, elsewhere = _answered_draft(code)
    if elsewhere is not None:
        return elsewhere
    if draft.account_id is not None:
        # Signed in: we contact them as their account says; nothing to ask again.
        return redirect(url_for(".check", code=code))
    change = request.args.get("change") == "1"
    form = ContactForm()
    if request.method == "GET":
        form.fill(draft.contact or {"locale": current_locale(), "want_updates": True, "want_reminders": True,
                                    **_given_earlier(definition, draft.answers)})
    if form.validate_on_submit():
        drafts.save_contact(db.session(), draft, form.contact())
        return redirect(url_for(".check", code=code))
    back = url_for(".check", code=code) if change else _back_url(definition, draft.answers, None)
    return render_template("report/contact.html", service=definition, form=form, back=back,
                           errors=form.summary()), 400 if form.errors else 200


def _summary_rows(definition: ServiceDefinition, answers: dict, locale: str, change: bool):
    rows = []
    for q in definition.route(answers):
        if not q.in_summary:
            continue
        rows.append({
            "key": q.label(locale),
            "lines": display(q, answers.get(q.code), locale),
            "href": _page_url(definition, q, change=True) if change else None,
            "code": q.code,
        })
    return rows


@bp.route("/<code>/check", methods=["GET", "POST"])
@personal_data
def check(code: str):
    draft, definition, elsewhere = _answered_draft(code)
    if elsewhere is not None:
        return elsewhere
    account = _account() if draft.account_id is not None else None
    if account is None and not draft.contact:
        return redirect(url_for(".contact", code=code))
    from flask_wtf import FlaskForm

    form = FlaskForm()
    if form.validate_on_submit():
        actor = Actor("guest", "web", request.remote_addr)
        try:
            submit(db.session(), draft, _token(code), current_app.config["SECRET_KEY"], actor,
                   timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
        except NotReady as not_ready:  # answers changed under us in another tab
            return redirect(_where_next(definition, draft.answers, None, change=False)
                            if not_ready.first_page else url_for(".check", code=code))
        return redirect(url_for(".confirmation", code=code))
    locale = current_locale()
    return render_template(
        "report/check.html", service=definition, form=form,
        rows=_summary_rows(definition, draft.answers, locale, change=True),
        contact_rows=_contact_rows(draft, account, code),
        back=url_for(".contact", code=code) if account is None else _back_url(definition, draft.answers, None),
    )


def _contact_rows(draft: Draft, account, code: str) -> list[dict]:
    if account is None:
        return preference_rows(draft.contact, url_for(".contact", code=code, change=1))
    from ..accounts import preferences
    from ..forms.preferences import values_of

    values = {"name": account.name or "", **values_of(preferences.for_account(db.session(), account))}
    return preference_rows(values, url_for("account.contact_preferences"))


@bp.get("/<code>/confirmation")
@personal_data
def confirmation(code: str):
    draft, definition = _draft(code)
    case = drafts.submitted_case(db.session(), draft) if draft else None
    if case is None:
        return redirect(url_for(".start", code=code))
    from ..cases.submit import tracking_token

    token = tracking_token(current_app.config["SECRET_KEY"], _token(code))
    locale = current_locale()
    return render_template(
        "report/confirmation.html", service=definition, case=case, text=definition.text(locale),
        tracking_url=public_url("tracking.private", token=token),
    )


from . import report_groups  # noqa: E402,F401  (its routes belong to this blueprint)
