"""Repeating groups ("add another household member"): a summary page and one page per item.

Items carry a random id, so a change made in another tab or window never lands on the wrong item.
"""

from __future__ import annotations

import secrets

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm
from markupsafe import Markup

from ... import db
from ...cases import drafts
from ...catalog import Question, ServiceDefinition
from ...forms.display import direction, display
from ...forms.pages import build
from ..i18n import current_locale
from ..security import personal_data
from ..templating import bdi
from .journey import held_draft, page, reachable, start_draft, where_next


def _items(draft, code: str) -> list[dict]:
    return list((draft.answers.get(code) if draft else None) or [])


def item_title(question: Question, item: dict, number: int, locale: str) -> Markup:
    """The item's title, like "Household member 2: Ana Díaz", with the name (its first answer) in <bdi>
    so that it keeps its own direction on a right-to-left page. ``| striptags`` it for a <title>."""
    first = question.questions[0] if question.questions else None
    name = " ".join(display(first, item.get(first.code), locale)) if first and item.get(first.code) else ""
    label = question.text(locale)["item_label"]
    if name:
        return Markup("{} {}: {}").format(label, number, bdi(name))
    return Markup("{} {}").format(label, number)


def _too_few(question: Question, locale: str) -> str:
    """The error when the list has fewer entries than the group needs: the definition's own sentence
    (which can name what to add), or a general one."""
    return question.text(locale).get("error") or ngettext(
        "Add at least %(num)d entry to the list", "Add at least %(num)d entries to the list", question.min_items)


def list_problem(question: Question, items: list[dict], answers: dict, locale: str) -> str | None:
    """Why the list cannot be sent as it is (too few entries, or not the number given earlier), or None."""
    expected = question.expected_items(answers)
    if len(items) < question.min_items:
        return _too_few(question, locale)
    if expected is not None and len(items) != expected:
        # The list must agree with what the resident said earlier (e.g. in an eligibility check).
        return _("You said %(expected)d, but the list has %(count)d. Add or remove entries, or go back "
                 "and change your earlier answer.", expected=expected, count=len(items))
    return None


def summary_rows(question: Question, items: list[dict], locale: str, href) -> list[dict]:
    """The list's entries as rows of the summary page; ``href(item_id, endpoint)`` is the address of
    an entry's change page (endpoint ".group_item") or remove button (".group_remove")."""
    return [{
        "title": item_title(question, item, number, locale),
        "lines": [Markup("{}: {}").format(q.label(locale), bdi(" ".join(display(q, item.get(q.code), locale)),
                                                               direction(q, item.get(q.code))))
                  for q in question.questions],
        "edit": href(item["_id"], ".group_item"),
        "remove": href(item["_id"], ".group_remove"),
    } for number, item in enumerate(items, start=1)]


def group_summary(definition: ServiceDefinition, question: Question, draft, change: bool, back: str):
    locale = current_locale()
    items = _items(draft, question.code)
    form = FlaskForm()
    errors = []
    if form.validate_on_submit():
        problem = list_problem(question, items, draft.answers if draft is not None else {}, locale)
        if problem:
            errors = [("add-item", problem)]
        else:
            if draft is None:
                draft = start_draft(definition)
            drafts.save_answer(db.session(), draft, question.code, items)
            return redirect(where_next(definition, draft.answers, question.code, change))
    rows = summary_rows(question, items, locale, lambda item_id, endpoint: url_for(
        endpoint, code=definition.code, qcode=question.code, item_id=item_id, change=1 if change else None))
    can_add = len(items) < question.max_items
    return render_template(
        "report/group.html", service=definition, question=question, text=question.text(locale), rows=rows,
        form=form, back=back, errors=errors, can_add=can_add,
        add_url=url_for(".group_item", code=definition.code, qcode=question.code, item_id="new",
                        change=1 if change else None),
    ), 400 if errors else 200


def _group(code: str, qcode: str):
    draft, definition = held_draft(code)
    if draft is not None and drafts.submitted_case(db.session(), draft) is not None:
        return None, definition, None, redirect(url_for(".confirmation", code=code))
    question = definition.question(qcode)
    if question is None or question.datatype != "group":
        abort(404)
    answers = dict(draft.answers) if draft else {}
    if not reachable(definition, answers, qcode):
        return draft, definition, question, redirect(where_next(definition, answers, None, change=False))
    return draft, definition, question, None


@page("/<code>/q/<qcode>/item/<item_id>", methods=("GET", "POST"))
@personal_data
def group_item(code: str, qcode: str, item_id: str):
    draft, definition, question, early = _group(code, qcode)
    if early is not None:
        return early
    locale = current_locale()
    change = request.args.get("change") == "1"
    summary_url = url_for(".question", code=code, qcode=qcode, change=1 if change else None)
    items = _items(draft, qcode)
    existing = next((item for item in items if item["_id"] == item_id), None)
    if item_id != "new" and existing is None:
        # Removed in another window: say so rather than change someone else.
        return render_template("report/group_gone.html", service=definition, text=question.text(locale),
                               back=summary_url), 409
    if item_id == "new" and len(items) >= question.max_items:
        return redirect(summary_url)
    page, forms = item_forms(question, locale, existing)
    if request.method == "POST":
        item = posted_item(question, page, forms, existing)
        if item is not None:
            if draft is None:
                draft = start_draft(definition)
            current = _items(draft, qcode)
            if existing is None:
                current.append(item)
            else:
                current = [item if i["_id"] == item["_id"] else i for i in current]
            drafts.save_answer(db.session(), draft, qcode, current)
            return redirect(summary_url)
    context, status = item_context(question, items, existing, page, forms, summary_url)
    return render_template("report/group_item.html", service=definition, **context), status


def item_forms(question: Question, locale: str, existing: dict | None):
    """The page's form (its CSRF token) and one form per question of an entry, filled from ``existing``."""
    page = FlaskForm()
    forms = [build(q, locale, prefix=q.code) for q in question.questions]
    if request.method == "GET" and existing is not None:
        for q, form in zip(question.questions, forms, strict=True):
            if q.code in existing:
                form.fill(existing[q.code])
    return page, forms


def posted_item(question: Question, page, forms, existing: dict | None) -> dict | None:
    """The entry posted (keeping its id when changed), or None when an answer needs correcting."""
    valid = page.validate_on_submit()
    valid = all([form.validate() for form in forms]) and valid
    if page.csrf_token.errors:
        abort(400)
    if not valid:
        return None
    item = {"_id": existing["_id"] if existing else secrets.token_hex(8)}
    item.update({q.code: form.answer() for q, form in zip(question.questions, forms, strict=True)})
    return item


def item_context(question: Question, items: list[dict], existing: dict | None, page, forms,
                 summary_url: str) -> tuple[dict, int]:
    """What report/group_item.html shows (besides the service), and the page's status."""
    locale = current_locale()
    errors = [entry for form in forms for entry in form.summary()]
    number = (items.index(existing) + 1) if existing else len(items) + 1
    title = item_title(question, existing or {}, number, locale)
    return {"question": question, "title": title, "text": question.text(locale), "page": page,
            "fields": list(zip(question.questions, forms, strict=True)), "errors": errors,
            "back": summary_url}, 400 if errors else 200


@page("/<code>/q/<qcode>/item/<item_id>/remove", methods=("POST",))
def group_remove(code: str, qcode: str, item_id: str):
    draft, definition, question, early = _group(code, qcode)
    if early is not None:
        return early
    page = FlaskForm()
    if not page.validate_on_submit():
        abort(400)
    items = _items(draft, qcode)
    remaining = [item for item in items if item["_id"] != item_id]
    if draft is not None and len(remaining) != len(items):
        drafts.save_answer(db.session(), draft, qcode, remaining)
    change = request.args.get("change") == "1"
    return redirect(url_for(".question", code=code, qcode=qcode, change=1 if change else None))
