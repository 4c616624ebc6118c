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
from .journey import bp, held_draft, reachable, start_draft, where_next


def _items(draft, code: str) -> list[dict]:
    return list((draft.answers.get(code) if draft else None) or [])


def _item_title(question: Question, item: dict, number: int, locale: str) -> Markup:
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


def _expected_count(question: Question, draft) -> int | None:
    return question.expected_items(draft.answers) if draft is not None else None


def group_summary(definition: ServiceDefinition, question: Question, draft, change: bool, back: str):
    locale = current_locale()
    items = _items(draft, question.code)
    form = FlaskForm()
    errors = []
    if form.validate_on_submit():
        expected = _expected_count(question, draft)
        if len(items) < question.min_items:
            errors = [("add-item", _too_few(question, locale))]
        elif expected is not None and len(items) != expected:
            # The list must agree with what the resident said earlier (e.g. in an eligibility check).
            errors = [("add-item", _("You said %(expected)d, but the list has %(count)d. Add or remove "
                                     "entries, or go back and change your earlier answer.",
                                     expected=expected, count=len(items)))]
        else:
            if draft is None:
                draft = start_draft(definition)
            drafts.save_answer(db.session(), draft, question.code, items)
            return redirect(where_next(definition, draft.answers, question.code, change))
    rows = [{
        "title": _item_title(question, item, number, locale),
        "lines": [Markup("{}: {}").format(q.label(locale), bdi(" ".join(display(q, item.get(q.code), locale)),
                                                               direction(q, item.get(q.code))))
                  for q in question.questions],
        "edit": url_for(".group_item", code=definition.code, qcode=question.code, item_id=item["_id"], change=1 if change else None),
        "remove": url_for(".group_remove", code=definition.code, qcode=question.code, item_id=item["_id"], change=1 if change else None),
    } for number, item in enumerate(items, start=1)]
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


@bp.route("/<code>/q/<qcode>/item/<item_id>", methods=["GET", "POST"])
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
    page = FlaskForm()
    forms = [build(q, locale, prefix=q.code) for q in question.questions]
    if request.method == "GET" and existing is not None:
        for q, form in zip(question.questions, forms, strict=True):
            if q.code in existing:
                form.fill(existing[q.code])
    if request.method == "POST":
        valid = page.validate_on_submit()
        valid = all([form.validate() for form in forms]) and valid
        if not page.csrf_token.errors and valid:
            item = {"_id": existing["_id"] if existing else secrets.token_hex(8)}
            item.update({q.code: form.answer() for q, form in zip(question.questions, forms, strict=True)})
            if draft is None:
                draft = start_draft(definition)
            current = _items(draft, qcode)
            if existing is None:
                current.append(item)
            else:
                current = [item if i["_id"] == item["_id"] else i for i in current]
            drafts.save_answer(db.session(), draft, qcode, current)
            return redirect(summary_url)
        if page.csrf_token.errors:
            abort(400)
    errors = [entry for form in forms for entry in form.summary()]
    number = (items.index(existing) + 1) if existing else len(items) + 1
    title = _item_title(question, existing or {}, number, locale)
    return render_template("report/group_item.html", service=definition, question=question, title=title,
                           text=question.text(locale), page=page, fields=list(zip(question.questions, forms, strict=True)),
                           errors=errors, back=summary_url), 400 if errors else 200


@bp.post("/<code>/q/<qcode>/item/<item_id>/remove")
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
