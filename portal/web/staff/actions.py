"""Staff actions on a case, one page each under /staff/cases/<reference>/: a workflow action
(request information, schedule, resolve, approve, deny, close…) with a message for the resident
previewed exactly as they will receive it before it is sent, an internal note, and assignment.

Every form carries the case's revision: when another member changed the case first, nothing is
changed and the page (409) shows what changed since, with the text typed kept in the form. What a
member may do is the domain's policy; a refusal is a 404.
"""

from __future__ import annotations

from babel import Locale
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import db
from ...cases import (
    assignment,
    followup,
    notes,
    policy,
    revisions,
    staffwork,
    templates,
    tracking,
    transitions,
    workflow,
)
from ...cases.revisions import Stale
from ...forms.casework import ActionForm, AssignForm, NoteForm
from ...notify import preview, render
from ..security import personal_data
from ..visitor import actor

bp = Blueprint("staff_actions", __name__, url_prefix="/staff/cases/<reference>")

# What each staff action is called on its button and page.
ACTION_LABELS = {
    "review": _l("Start review"),
    "request_information": _l("Request more information"),
    "schedule": _l("Schedule the work"),
    "unschedule": _l("Take off the schedule"),
    "resolve": _l("Resolve"),
    "approve": _l("Approve"),
    "deny": _l("Deny"),
    "close": _l("Close"),
    "reopen": _l("Reopen"),
    "assign": _l("Assign"),
    "note": _l("Add an internal note"),
}


def case_page(reference: str) -> str:
    """The case page, where each action returns to (the queue until the case page exists)."""
    if "staff_case.case" in current_app.view_functions:
        return url_for("staff_case.case", reference=reference)
    return url_for("staff.queue")


@bp.context_processor
def _back_to_the_case():
    reference = (request.view_args or {}).get("reference")
    return {"back": case_page(reference)} if reference else {}


def available(case) -> list[str]:
    """What this member may do to ``case`` now (workflow actions and staff steps)."""
    return staffwork.actions_for(actor(), case)


@bp.app_template_global()
def staff_action_links(case, actions: list[str]) -> list[tuple[str, str]]:
    """The link (address, label) to the page of each action in ``actions`` that these pages take,
    for the case page."""
    links = []
    for name in actions:
        if name in ("take", "assign"):
            url = url_for("staff_actions.assign", reference=case.reference)
            name = "assign"
        elif name == "note":
            url = url_for("staff_actions.note", reference=case.reference)
        elif name in ACTION_LABELS:
            url = url_for("staff_actions.act", reference=case.reference, action=name)
        else:
            continue  # transfer and merge have pages of their own
        if all(url != known for known, _label in links):
            links.append((url, str(ACTION_LABELS[name])))
    return links


def _case(reference: str):
    return tracking.open_case(db.session(), actor(), reference, policy.CASE_READ)


def _stale(case, form, template: str, status: int = 409, **context):
    """The case changed since the form was shown: say what changed, keep the text typed, and
    give the form the case's new revision so it can be sent again once read."""
    seen = form.revision.data or 0
    form.revision.data = case.revision
    return render_template(template, case=case, form=form, changes=revisions.since(case, seen),
                           labels=ACTION_LABELS, stale=True, **context), status


@bp.get("/act/letter.css")
def letter_stylesheet(reference: str):
    """The letters' stylesheet, where a previewed letter (shown in a frame of the action page)
    finds it, so its print sizes (large print too) show as printed."""
    return current_app.response_class(render.letter_stylesheet(current_app), mimetype="text/css")


@bp.route("/act/<action>", methods=["GET", "POST"])
@personal_data
def act(reference: str, action: str):
    case = _case(reference)
    step = workflow.of(case.kind).action(action)
    if step is None or not step.by_staff:
        abort(404)
    form = ActionForm(note_required=step.note_required)
    choices = templates.for_case(db.session(), case, action)
    form.template.choices = [(str(t.id), t.name) for t in choices]
    context = {"action": action, "label": ACTION_LABELS.get(action, action), "note_required": step.note_required}
    stale_form = request.method == "POST" and form.revision.data is not None and form.revision.data != case.revision
    if stale_form:
        return _stale(case, form, "staff/actions/act.html", allowed=action in available(case), **context)
    if action not in available(case):
        abort(404)
    if request.method == "GET":
        form.revision.data = case.revision
        return render_template("staff/actions/act.html", case=case, form=form, **context)
    if "use_template" in request.form:
        return _use_template(case, form, choices, context)
    if not form.validate_on_submit():
        return render_template("staff/actions/act.html", case=case, form=form, errors=form.summary(),
                               **context), 400
    public_note = followup.clean_text(form.public_note.data) or None
    internal_note = followup.clean_text(form.internal_note.data) or None
    if "send" not in request.form:
        owed = transitions.message_owed(case, action, public_note)
        rendered = preview.for_case(current_app, db.session(), case, owed.template, owed.context)
        language = Locale.parse(rendered.locale).get_display_name(str(get_locale())) if rendered else None
        return render_template("staff/actions/act.html", case=case, form=form, preview=rendered,
                               preview_language=language, previewed=True, **context)
    try:
        transitions.act(db.session(), case, action, actor(), public_note=public_note,
                        internal_note=internal_note, expected_revision=form.revision.data)
    except (Stale, workflow.IllegalTransition):
        # Nothing was written; the case was read again as it is now.
        return _stale(case, form, "staff/actions/act.html", allowed=action in available(case), **context)
    return redirect(case_page(case.reference))


def _use_template(case, form, choices, context):
    """Reload the form with the chosen template's text, filled in the resident's language."""
    chosen = next((t for t in choices if str(t.id) == form.template.data), None)
    if chosen is None:
        form.template.errors = [_("Choose a template")]
        return render_template("staff/actions/act.html", case=case, form=form, errors=form.summary(),
                               **context), 400
    form.public_note.data = templates.filled(db.session(), chosen, case, current_app.extensions["catalog"],
                                             current_app.config["BABEL_DEFAULT_LOCALE"])
    form.revision.data = case.revision if form.revision.data is None else form.revision.data
    return render_template("staff/actions/act.html", case=case, form=form, **context)


@bp.route("/note", methods=["GET", "POST"])
@personal_data
def note(reference: str):
    case = _case(reference)
    policy.require(actor(), policy.CASE_NOTE, policy.case_record(actor(), case))
    form = NoteForm()
    if request.method == "GET":
        form.revision.data = case.revision
        return render_template("staff/actions/note.html", case=case, form=form)
    if not form.validate_on_submit():
        return render_template("staff/actions/note.html", case=case, form=form, errors=form.summary()), 400
    try:
        notes.add(db.session(), case, actor(), followup.clean_text(form.internal_note.data),
                  expected_revision=form.revision.data)
    except Stale:
        return _stale(case, form, "staff/actions/note.html", allowed=True)
    return redirect(case_page(case.reference))


@bp.route("/assign", methods=["GET", "POST"])
@personal_data
def assign(reference: str):
    case = _case(reference)
    who = actor()
    record = policy.case_record(who, case)
    may_assign = policy.allowed(who, policy.CASE_ASSIGN, record)
    if not may_assign and not (case.assignee_id is None and policy.allowed(who, policy.CASE_TAKE, record)):
        abort(404)
    members = assignment.assignable(db.session(), case) if may_assign else []
    form = AssignForm()
    form.assignee.choices = [(str(m.id), m.name) for m in members]
    if may_assign:
        form.assignee.choices.insert(0, ("", _("Nobody (unassigned)")))
    context = {"may_assign": may_assign, "assignee": assignment.assignee(db.session(), case)}
    if request.method == "GET":
        form.revision.data = case.revision
        form.assignee.data = str(case.assignee_id or "")
        return render_template("staff/actions/assign.html", case=case, form=form, **context)
    if not form.validate_on_submit():
        return render_template("staff/actions/assign.html", case=case, form=form, errors=form.summary(),
                               **context), 400
    chosen = who.id if "take" in request.form else form.assignee.data
    try:
        assignment.assign(db.session(), case, who, int(chosen) if chosen else None,
                          expected_revision=form.revision.data)
    except Stale:
        return _stale(case, form, "staff/actions/assign.html", allowed=True, **context)
    except assignment.NotAssignable:
        form.assignee.errors = [_("Choose a member of staff who works in the case’s department")]
        return render_template("staff/actions/assign.html", case=case, form=form, errors=form.summary(),
                               **context), 400
    return redirect(case_page(case.reference))
