"""The staff home page: the queues of work. My cases, my departments' unassigned cases, or all of
them, filtered and sorted by the page's address (so a view can be bookmarked, shared and saved),
with the counts per status, a page at a time; and "Take the next case"."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import db
from ...accounts import saved_filters
from ...cases import assignment, policy, workflow
from ...cases import queue as queues
from ...forms.staff_queue import PostForm, QueueFilterForm, SaveFilterForm
from ..visitor import actor
from . import session as staff_session

bp = Blueprint("staff", __name__, url_prefix="/staff")

NEED_LABELS = {"large_print": _l("Large print"), "braille": _l("Braille"), "interpreter": _l("Interpreter"),
               "tty": _l("TTY or relay")}
CHANNEL_LABELS = {"web": _l("Online"), "phone": _l("Phone"), "counter": _l("Counter"), "post": _l("Post"),
                  "email": _l("Email"), "api": _l("Another system")}
VIEW_LABELS = {"mine": _l("My cases"), "unassigned": _l("Unassigned in my departments"),
               "all": _l("All in my departments")}
SORT_LABELS = {"priority": _l("Priority, then respond-by date"), "age": _l("Oldest first"),
               "respond_by": _l("Respond-by date"), "resolve_by": _l("Resolve-by date")}


def today() -> date:
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def catalog():
    return current_app.extensions["catalog"]


def member():
    return staff_session.current().member


def bad_query_message(error: queues.BadQuery) -> str:
    return _("The address asks for %(parameter)s “%(value)s”, which the queue does not know. "
             "Choose the filters again.", parameter=error.parameter, value=error.value[:50])


def parse(args) -> queues.Query:
    return queues.Query.parse(args.to_dict(flat=False), services=catalog().services,
                             departments=[d.code for d in catalog().departments],
                             languages=current_app.config["SHIPPED_LOCALES"])


def _choices(status_label) -> dict[str, list[tuple[str, str]]]:
    anything = [("", _("Any"))]
    scope = policy.departments_for(actor(), policy.CASE_READ)
    departments = [d for d in catalog().departments if scope is None or d.code in scope]
    services = [s for s in catalog().services.values() if scope is None or s.department in scope]
    locale = member_locale()
    return {
        "view": list(VIEW_LABELS.items()),
        "status": [(s, status_label(s)) for s in workflow.STATUSES],
        "service": anything + sorted(((s.code, s.name(locale)) for s in services), key=lambda c: c[1]),
        "department": anything + [(d.code, d.name(locale)) for d in departments],
        "priority": anything + [(str(p), _("%(number)d or higher", number=p)) for p in range(1, 10)],
        "channel": anything + list(CHANNEL_LABELS.items()),
        "language": anything + [(loc, Locale.parse(loc).get_display_name(loc).capitalize())
                                for loc in current_app.config["SHIPPED_LOCALES"]],
        "need": anything + list(NEED_LABELS.items()),
        "sort": list(SORT_LABELS.items()),
    }


def member_locale() -> str:
    return str(get_locale())


def age(row: queues.Row, now: datetime) -> str:
    days = max((now - row.submitted_at).days, 0)
    return ngettext("%(num)d day", "%(num)d days", days)


def reasons(row: queues.Row) -> list[str]:
    """The priority rules' reasons for this case, in the staff member's language."""
    definition = catalog().service(row.service_code)
    locale = member_locale()
    return [(definition.priority_reason(code, locale) if definition else None) or code
            for code in row.priority_reasons]


def case_url(reference: str) -> str:
    """The case page, where the workspace has one."""
    if "staff_case.case" in current_app.view_functions:
        return url_for("staff_case.case", reference=reference)
    return f"{request.script_root}/staff/cases/{reference}"


def render_queue(query: queues.Query | None, *, errors=(), status: int = 200, save_form=None):
    page = None
    if query is not None:
        page = queues.page(db.session(), actor(), query, today())
    return render_template(
        "staff/queue/queue.html", query=query or queues.Query(), page=page, errors=list(errors),
        member=member(), now=datetime.now(ZoneInfo("UTC")), age=age, reasons=reasons, case_url=case_url,
        need_labels=NEED_LABELS, channel_labels=CHANNEL_LABELS, view_labels=VIEW_LABELS,
        service_name=lambda code: (catalog().service(code).name(member_locale())
                                   if catalog().service(code) else code),
        filters_form=lambda status_label: QueueFilterForm(_choices(status_label),
                                                          _form_data(query or queues.Query())),
        saved=saved_filters.for_member(db.session(), member().id),
        save_form=save_form or SaveFilterForm(formdata=None),
        post_form=PostForm(),
        can_take=policy.allowed(actor(), policy.CASE_TAKE),
        can_bulk=policy.allowed(actor(), policy.CASE_BULK),
        bulk_targets=_bulk_targets() if policy.allowed(actor(), policy.CASE_BULK) else None,
    ), status


def _form_data(query: queues.Query) -> dict:
    return {"view": query.view, "status": list(query.statuses), "service": query.service or "",
            "department": query.department or "", "priority": str(query.priority) if query.priority else "",
            "overdue": query.overdue, "channel": query.channel or "", "language": query.language or "",
            "need": query.need or "", "sort": query.sort}


def _bulk_targets() -> dict:
    scope = policy.departments_for(actor(), policy.CASE_BULK)
    departments = scope if scope is not None else {d.code for d in catalog().departments}
    return {"members": assignment.members_for(db.session(), set(departments)),
            "statuses": [s for s in workflow.STATUSES if s != workflow.MORE_INFO]}


@bp.get("/")
def queue():
    try:
        query = parse(request.args)
    except queues.BadQuery as error:
        return render_queue(None, errors=[("view", bad_query_message(error))], status=400)
    return render_queue(query)


@bp.post("/take-next")
def take_next():
    if not PostForm().validate_on_submit():
        return render_queue(queues.Query(), errors=[("main-content", _("Something went wrong. Try again."))],
                            status=400)
    case = assignment.take_next(db.session(), actor(), today())
    if case is None:
        flash(_("There is no unassigned case waiting in your departments."), "info")
        return redirect(url_for(".queue", view="unassigned"))
    flash(_("Case %(reference)s is now yours.", reference=case.reference), "success")
    return redirect(case_url(case.reference))


@bp.post("/views")
def save_view():
    form = SaveFilterForm()
    try:
        query = parse(request.args)
    except queues.BadQuery as error:
        return render_queue(None, errors=[("view", bad_query_message(error))], status=400)
    if form.validate_on_submit():
        try:
            saved_filters.save(db.session(), member().id, form.name.data, query.query_string())
        except saved_filters.FilterError as error:
            form.name.errors = [FILTER_ERRORS[error.code]()]
        else:
            flash(_("View “%(name)s” saved.", name=form.name.data), "success")
            return redirect(url_for(".queue", **query.params()))
    elif not form.errors:
        form.name.errors = [_("Something went wrong. Try again.")]
    return render_queue(query, errors=form.summary(), status=400, save_form=form)


FILTER_ERRORS = {
    "name": lambda: _("Enter a name for this view"),
    "query": lambda: _("This view has too many filters to save"),
    "taken": lambda: _("You already have a view with this name. Choose another name."),
    "too_many": lambda: _("You have saved as many views as you can. Delete one first."),
}


@bp.post("/views/<int:filter_id>/delete")
def delete_view(filter_id: int):
    if not PostForm().validate_on_submit():
        return render_queue(queues.Query(), errors=[("main-content", _("Something went wrong. Try again."))],
                            status=400)
    if not saved_filters.remove(db.session(), member().id, filter_id):
        return render_queue(queues.Query(), errors=[("main-content", _("That saved view does not exist."))],
                            status=404)
    flash(_("Saved view deleted."), "success")
    return redirect(url_for(".queue"))

