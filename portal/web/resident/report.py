"""Reporting a problem: start page, one question per page, contact, check answers, confirmation."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from ... import db
from ...accounts import preferences
from ...cases import drafts
from ...cases.contact import format_phone
from ...cases.submit import NotReady, submit, tracking_token
from ...catalog import Question
from ...forms import runner
from ...forms.contact import ContactForm
from ...forms.display import answer_rows, preference_rows
from ...forms.pages import build
from ...forms.preferences import values_of
from .. import throttle
from ..i18n import current_locale
from ..security import personal_data
from ..urls import public_url
from ..visitor import actor, drop_draft, remember_case
from . import files, groups
from .journey import (
    answered_draft,
    back_url,
    bp,
    held_draft,
    holder,
    page,
    page_url,
    reachable,
    sent,
    service,
    start_draft,
    token,
    where_next,
)


def _account():
    return holder().account()


def _prefilled(question: Question, answers: dict):
    """An answer we already hold, offered so the resident only checks it (WCAG 3.3.7)."""
    account = _account()
    if account is None:
        return None
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


@bp.get("/<code>")
def start(code: str):
    draft, definition = held_draft(code)
    if draft is not None and drafts.submitted_case(db.session(), draft) is not None:
        # The last report of this service was sent; starting again begins a new one.
        drop_draft(code)
        draft, definition = None, service(code)
    resume = None
    if draft is not None and draft.answers:
        resume = where_next(definition, draft.answers, None, change=False)
    locale = current_locale()
    return render_template("report/start.html", service=definition, text=definition.text(locale),
                           first=page_url(definition, definition.questions[0]), resume=resume)


@page("/<code>/q/<qcode>", methods=("GET", "POST"))
@throttle.uploads
@personal_data  # the answer given, or one offered from the account, a list's entries, the files added
def question(code: str, qcode: str):
    draft, definition = held_draft(code)
    if draft is not None and drafts.submitted_case(db.session(), draft) is not None:
        return redirect(url_for(".confirmation", code=code))
    question = definition.question(qcode)
    if question is None:
        abort(404)
    answers = dict(draft.answers) if draft else {}
    if not reachable(definition, answers, qcode):
        return redirect(where_next(definition, answers, None, change=False))
    change = request.args.get("change") == "1"
    locale = current_locale()
    back = url_for(".check", code=code) if change else back_url(definition, answers, qcode)
    if question.is_exit:
        if request.method == "POST":
            abort(405)
        return render_template("report/exit.html", service=definition, question=question,
                               text=question.text(locale), back=back)
    if question.datatype == "group":
        return groups.group_summary(definition, question, draft, change, back)
    if question.datatype == "file":
        return files.file_question(definition=definition, question=question, draft=draft, change=change,
                                   back=back, where_next=lambda answers: where_next(definition, answers, qcode, change))
    form = build(question, locale)
    if request.method == "GET" and qcode in answers:
        form.fill(answers[qcode])
    elif request.method == "GET" and question.prefill:
        form.fill(_prefilled(question, answers))
    if form.validate_on_submit():
        if draft is None:
            draft = start_draft(definition)
        drafts.save_answer(db.session(), draft, qcode, form.answer())
        return redirect(where_next(definition, draft.answers, qcode, change))
    status = 400 if form.errors else 200
    return render_template("report/question.html", service=definition, question=question,
                           text=question.text(locale), form=form, back=back,
                           errors=form.summary()), status


@bp.route("/<code>/contact", methods=["GET", "POST"])
@personal_data
def contact(code: str):
    draft, definition, elsewhere = answered_draft(code)
    if elsewhere is not None:
        return elsewhere
    if draft.account_id is not None:
        # Signed in: we contact them as their account says; nothing to ask again.
        return redirect(url_for(".check", code=code))
    change = request.args.get("change") == "1"
    form = ContactForm()
    if request.method == "GET":
        form.fill(draft.contact or {"locale": current_locale(), "want_updates": True, "want_reminders": True,
                                    **runner.given_earlier(definition, draft.answers)})
    if form.validate_on_submit():
        drafts.save_contact(db.session(), draft, form.contact())
        return redirect(url_for(".check", code=code))
    back = url_for(".check", code=code) if change else back_url(definition, draft.answers, None)
    return render_template("report/contact.html", service=definition, form=form, back=back,
                           errors=form.summary()), 400 if form.errors else 200


@bp.route("/<code>/check", methods=["GET", "POST"])
@personal_data
def check(code: str):
    draft, definition, elsewhere = answered_draft(code)
    if elsewhere is not None:
        return elsewhere
    account = _account() if draft.account_id is not None else None
    if account is None and not draft.contact:
        return redirect(url_for(".contact", code=code))
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            sent = submit(db.session(), draft, token(code), current_app.config["SECRET_KEY"], actor(),
                          timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
        except NotReady as not_ready:  # answers changed under us in another tab
            return redirect(where_next(definition, draft.answers, None, change=False)
                            if not_ready.first_page else url_for(".check", code=code))
        remember_case(sent.case.id)  # the browser that sent it may follow it up in this visit
        return redirect(url_for(".confirmation", code=code))
    locale = current_locale()
    return render_template(
        "report/check.html", service=definition, form=form,
        rows=answer_rows(definition, draft.answers, locale, href=lambda q: page_url(definition, q, change=True)),
        contact_rows=_contact_rows(draft, account, code),
        back=url_for(".contact", code=code) if account is None else back_url(definition, draft.answers, None),
    )


def _contact_rows(draft, account, code: str) -> list[dict]:
    if account is None:
        return preference_rows(draft.contact, url_for(".contact", code=code, change=1))
    values = {"name": account.name or "", **values_of(preferences.for_account(db.session(), account))}
    return preference_rows(values, url_for("account.contact_preferences"))


@bp.get("/<code>/confirmation")
@personal_data
def confirmation(code: str):
    _draft, definition, case = sent(code)
    if case is None:
        return redirect(url_for(".start", code=code))
    link = tracking_token(current_app.config["SECRET_KEY"], token(code))
    locale = current_locale()
    return render_template(
        "report/confirmation.html", service=definition, case=case, text=definition.text(locale),
        tracking_url=public_url("tracking.private", token=link),
    )

