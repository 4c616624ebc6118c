"""Bulk actions on the queue for supervisors: the cases ticked on the queue page, what will happen to
each on a confirmation page, then done all together or not at all (``portal.cases.bulk``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ... import db
from ...cases import bulk, transitions
from ...cases import queue as queues
from ...cases.revisions import Stale
from ...cases.workflow import IllegalTransition
from ...forms.staff_queue import BulkApplyForm, PostForm
from ..visitor import actor
from .queue import case_url, catalog, member_locale, parse, render_queue, today

bp = Blueprint("staff_bulk", __name__, url_prefix="/staff/bulk")


def chosen() -> tuple[list[str], dict[str, int]]:
    """The cases ticked, each sent as "REFERENCE:REVISION" (the revision the page showed)."""
    references, revisions = [], {}
    for value in request.form.getlist("case"):
        reference, _sep, revision = value.partition(":")
        references.append(reference)
        if revision.isdigit():
            revisions[reference] = int(revision)
    return references, revisions


def operation() -> tuple[str, str]:
    """The bulk action chosen: "assign:<staff id>" or "status:<status>"."""
    kind, _sep, target = (request.form.get("action") or "").partition(":")
    return kind, target


PROBLEMS = {
    "status": lambda: _("Its status does not allow this change."),
    "note_required": lambda: _("This change needs a message to the resident; make it on the case page."),
    "department": lambda: _("The person chosen does not work in this case’s department."),
    "stale": lambda: _("It changed after you chose it. Go back to the queue to see it as it is now."),
}


def _refusal(error: Exception):
    if isinstance(error, bulk.TooMany):
        message = ngettext("You chose %(num)d case. Choose %(limit)d or fewer at once.",
                           "You chose %(num)d cases. Choose %(limit)d or fewer at once.",
                           error.count, limit=error.limit)
    else:
        message = _("Choose at least one case and what to do with them.")
    # The queue the cases were chosen on, again, the error leading to its first case's box.
    try:
        query = parse(request.args)
    except queues.BadQuery:
        query = queues.Query()
    rows = queues.page(db.session(), actor(), query, today()).rows
    target = f"case-{rows[0].reference}" if rows else "main-content"
    return render_queue(query, errors=[(target, message)], status=400)


def _confirm(plan: bulk.Plan, form, status: int = 200):
    locale = member_locale()
    return render_template(
        "staff/queue/bulk_confirm.html", plan=plan, form=form, problems=PROBLEMS,
        action_value=f"{plan.operation}:{plan.target}", case_url=case_url,
        service_name=lambda code: catalog().service(code).name(locale) if catalog().service(code) else code,
        errors=form.summary() if hasattr(form, "summary") else [],
    ), status


@bp.post("/")
def confirm():
    if not PostForm().validate_on_submit():
        return render_queue(None, errors=[("main-content", _("Something went wrong. Try again."))], status=400)
    references, revisions = chosen()
    kind, target = operation()
    try:
        plan = bulk.plan(db.session(), actor(), references, kind, target, revisions=revisions)
    except (bulk.TooMany, bulk.NothingChosen) as error:
        return _refusal(error)
    return _confirm(plan, BulkApplyForm(formdata=None), status=409 if plan.problems else 200)


@bp.post("/apply")
def apply():
    form = BulkApplyForm()
    references, revisions = chosen()
    kind, target = operation()
    try:
        plan = bulk.plan(db.session(), actor(), references, kind, target, revisions=revisions)
    except (bulk.TooMany, bulk.NothingChosen) as error:
        return _refusal(error)
    if not form.validate_on_submit():
        return _confirm(plan, form, status=400)
    try:
        done = bulk.apply(db.session(), actor(), references, kind, target, note=form.note.data or None,
                          revisions=revisions)
    except bulk.Blocked as blocked:
        return _confirm(blocked.plan, form, status=409)
    except (IllegalTransition, Stale, transitions.Refused):
        # Another change reached a case between the check and the change: nothing is kept.
        db.session().rollback()
        plan = bulk.plan(db.session(), actor(), references, kind, target, revisions={})
        return _confirm(plan, form, status=409)
    flash(ngettext("%(num)d case changed.", "%(num)d cases changed.", len(done.items)), "success")
    return redirect(url_for("staff.queue", view="all"))
