"""Passing a case to another department, and merging a duplicate into its primary case.

Each page asks the domain for the case with the permission it needs (``CASE_TRANSFER`` on the
case's current department, ``CASE_MERGE``): anyone else gets a 404, as for a case that does not
exist. What cannot be done as asked gets the form again with a clear message (400); a form sent
after the case changed — by someone else, or by a second press of the button — gets a 409 page
showing what changed, and nothing is written.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ... import db
from ...cases import merge as merging
from ...cases import policy, revisions, tracking
from ...cases import transfer as transferring
from ...cases.transfer import NotPossible
from ...forms.staff_routing import MergeForm, TransferForm
from ..i18n import current_locale
from ..security import personal_data
from ..visitor import actor

bp = Blueprint("staff_transfer", __name__, url_prefix="/staff/cases/<reference>")


def _catalog():
    return current_app.extensions["catalog"]


def _department_names() -> dict[str, str]:
    locale = current_locale()
    return {d.code: d.name(locale) for d in _catalog().departments}


def case_url(reference: str) -> str:
    """The staff case page (its own blueprint), or the queue where there is none."""
    if "staff_case.case" in current_app.view_functions:
        return url_for("staff_case.case", reference=reference)
    return url_for("staff.queue")


def _messages(limit: int) -> dict[str, str]:
    """What the member is told when a transfer or merge cannot be done as asked."""
    return {
        transferring.UNKNOWN_DEPARTMENT: _("Choose a department from the list"),
        transferring.SAME_DEPARTMENT: _("The case is with that department already. Choose another department"),
        transferring.NO_REASON: _("Enter why you are passing the case to another department"),
        transferring.REASON_TOO_LONG: _("Your text must be %(max)d characters or fewer", max=limit),
        transferring.NOTE_TOO_LONG: _("Your text must be %(max)d characters or fewer", max=limit),
        transferring.FINISHED: _("This case is finished or merged, so it cannot be passed on or merged"),
        merging.SELF: _("A case cannot be merged into itself. Choose another case"),
        merging.NO_PRIMARY: _("There is no open case with that reference that you can work on"),
        merging.PRIMARY_MERGED: _("That case was merged into another case. Choose the case it was merged into"),
        merging.PRIMARY_FINISHED: _("That case is finished. Choose an open case"),
        merging.ALREADY_MERGED: _("This case was merged into another case already"),
        merging.OTHER_KIND: _("That case is for a different kind of service. Choose a case of the same kind"),
    }


def _stale(stale: revisions.Stale, again: str):
    """The 409 page: the case as it is now and what happened to it lately."""
    return render_template("staff/transfer/stale.html", case=stale.case, events=list(reversed(stale.events)),
                           departments=_department_names(), again=again,
                           back=case_url(stale.case.reference)), 409


@bp.route("/transfer", methods=["GET", "POST"])
@personal_data
def transfer(reference: str):
    case = tracking.open_case(db.session(), actor(), reference, policy.CASE_TRANSFER)
    names = _department_names()
    form = TransferForm()
    form.department.choices = [(code, name) for code, name in names.items() if code != case.department]
    errors: list[tuple[str, str]] = []
    if form.validate_on_submit():
        try:
            transferring.transfer(db.session(), actor(), case, form.department.data or "",
                                  reason=form.reason.data, public_note=form.public_note.data,
                                  seen=revisions.parse(form.revision.data), known_departments=names)
        except revisions.Stale as stale:
            return _stale(stale, url_for(".transfer", reference=case.reference))
        except NotPossible as problem:
            fields = {transferring.NO_REASON: "reason", transferring.REASON_TOO_LONG: "reason",
                      transferring.NOTE_TOO_LONG: "public_note"}
            messages = _messages(transferring.REASON_MAX)
            errors = [(fields.get(code, "department-0"), messages[code]) for code in problem.codes]
            for field, message in errors:
                getattr(form, field.removesuffix("-0")).errors = [message]
        else:
            return redirect(url_for(".transferred", reference=case.reference, to=form.department.data))
    elif not form.is_submitted():
        form.revision.data = str(case.revision)
    return render_template("staff/transfer/transfer.html", case=case, form=form, errors=errors,
                           department=names.get(case.department, case.department),
                           back=case_url(case.reference)), 400 if errors else 200


@bp.get("/transferred")
def transferred(reference: str):
    """Where a transfer leads: the member may no longer see the case, so this page reads nothing."""
    department = _department_names().get(request.args.get("to", ""))
    return render_template("staff/transfer/done.html", reference=reference[:16], department=department,
                           primary=None, primary_url=None)


@bp.route("/merge", methods=["GET", "POST"])
@personal_data
def merge(reference: str):
    case = tracking.open_case(db.session(), actor(), reference, policy.CASE_MERGE)
    found = merging.candidates(db.session(), actor(), case)
    label = get_template_attribute("components/status.html", "label")
    form = MergeForm()
    form.primary.choices = [
        (c.reference, (_("%(reference)s: %(status)s, at the same address", reference=c.reference, status=label(c.status))
                       if c.same_address else _("%(reference)s: %(status)s", reference=c.reference, status=label(c.status))))
        for c in found]
    target = "reference" if form.reference.data or not found else "primary-0"
    errors: list[tuple[str, str]] = []
    if form.validate_on_submit():
        try:
            if not form.primary_reference():
                raise NotPossible(merging.NO_PRIMARY)
            merging.merge(db.session(), actor(), case, form.primary_reference(),
                          seen=revisions.parse(form.revision.data), note=form.note.data)
        except revisions.Stale as stale:
            return _stale(stale, url_for(".merge", reference=case.reference))
        except NotPossible as problem:
            message = _messages(transferring.NOTE_MAX)[problem.code]
            if not form.primary_reference():
                message = _("Choose the case to merge this one into, or type its reference")
            field = "note" if problem.code == transferring.NOTE_TOO_LONG else target
            errors = [(field, message)]
            getattr(form, field.removesuffix("-0")).errors = [message]
        else:
            return redirect(url_for(".merged", reference=case.reference, into=form.primary_reference()))
    elif not form.is_submitted():
        form.revision.data = str(case.revision)
    return render_template("staff/transfer/merge.html", case=case, form=form, errors=errors,
                           candidates=found, back=case_url(case.reference)), 400 if errors else 200


@bp.get("/merged")
def merged(reference: str):
    primary = (request.args.get("into") or "")[:16]
    return render_template("staff/transfer/done.html", reference=reference[:16], department=None,
                           primary=primary, primary_url=case_url(primary) if primary else None)
