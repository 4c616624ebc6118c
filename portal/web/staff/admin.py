"""Administration of staff: the members an administrator manages, a new member, their roles and
departments, and disabling them. Who may manage whom is the domain's (``accounts.staff``): a
system administrator anyone, a department administrator the members of their own departments with
operational roles. Changing access asks for the password or second factor again. No page here
touches resident accounts: a new member is always a new staff account."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import db
from ...accounts import staff
from ...cases import policy
from ...forms.staff import AccessForm, NewMemberForm
from ..i18n import current_locale
from ..urls import public_url
from ..visitor import actor
from . import nav, reverify

bp = Blueprint("staff_admin", __name__, url_prefix="/staff/admin/staff")
nav.add("staff_admin.members", _l("Staff"), (policy.STAFF_MANAGE, policy.STAFF_MANAGE_DEPARTMENT), 90)

ROLE_NAMES = {
    "contact_centre": _l("Contact-centre agent"),
    "caseworker": _l("Caseworker"),
    "supervisor": _l("Supervisor"),
    "department_admin": _l("Department administrator"),
    "records_officer": _l("Records officer"),
    "auditor": _l("Auditor"),
    "service_designer": _l("Service designer"),
    "system_admin": _l("System administrator"),
}
DONE = {"created": _l("The new member of staff was added."), "changed": _l("Their roles and departments were changed."),
        "disabled": _l("The member of staff was disabled. They are signed out and cannot sign in.")}
ERRORS = {"exists": _l("A member of staff has this email address already"),
          "self": _l("You cannot change your own access. Ask another administrator.")}


def _departments() -> dict[str, str]:
    locale = current_locale()
    return {d.code: d.name(locale) for d in current_app.extensions["catalog"].departments}


def _choices(form: AccessForm) -> AccessForm:
    roles, departments = staff.grantable(actor(), _departments())
    names = _departments()
    form.roles.choices = [(role, str(ROLE_NAMES.get(role, role))) for role in roles]
    form.departments.choices = [(code, names[code]) for code in departments]
    form.department_needed = not staff.manages_everyone(actor())
    return form


def _labels(member) -> dict:
    names = _departments()
    return {"roles": [str(ROLE_NAMES.get(r, r)) for r in member.roles],
            "departments": [names.get(d, d) for d in member.departments]}


@bp.get("/")
def members():
    listed = staff.manageable(db.session(), actor())
    return render_template("staff/admin/members.html", members=[(m, _labels(m)) for m in listed],
                           done=DONE.get(request.args.get("done", "")))


@bp.route("/new", methods=["GET", "POST"])
def new_member():
    form = _choices(NewMemberForm())
    errors, status = form.summary(), 200
    if form.validate_on_submit():
        password = staff.random_password()
        try:
            member = staff.create(db.session(), actor(), email=form.email.data, name=form.name.data,
                                  roles=form.roles.data, departments=form.departments.data,
                                  known_departments=_departments(), password=password)
        except staff.StaffError as error:
            errors, status = [("email", str(ERRORS.get(error.code, _("This member cannot be added"))))], 400
        else:
            return render_template("staff/admin/created.html", member=member, password=password,
                                   sign_in=public_url("staff_auth.sign_in"))
    elif form.errors:
        errors, status = form.summary(), 400
    return render_template("staff/admin/new.html", form=form, errors=errors), status


@bp.route("/<int:staff_id>", methods=["GET", "POST"])
@reverify.required
def member(staff_id: int):
    found = staff.for_manager(db.session(), actor(), staff_id)
    form = _choices(AccessForm(data={"roles": found.roles, "departments": found.departments}))
    errors, status = form.summary(), 200
    if form.validate_on_submit():
        try:
            staff.change_access(db.session(), actor(), found, roles=form.roles.data,
                                departments=form.departments.data, known_departments=_departments())
        except staff.StaffError as error:
            errors, status = [("roles-0", str(ERRORS.get(error.code, _("This change cannot be made"))))], 400
        else:
            return redirect(url_for(".members", done="changed"))
    elif form.errors:
        errors, status = form.summary(), 400
    return render_template("staff/admin/member.html", form=form, errors=errors, member=found,
                           labels=_labels(found)), status


@bp.post("/<int:staff_id>/disable")
@reverify.required
def disable(staff_id: int):
    found = staff.for_manager(db.session(), actor(), staff_id)
    try:
        staff.disable(db.session(), actor(), found)
    except staff.StaffError as error:
        return render_template("staff/admin/member.html", form=_choices(AccessForm(data={
            "roles": found.roles, "departments": found.departments})), member=found, labels=_labels(found),
            errors=[("roles-0", str(ERRORS.get(error.code, _("This change cannot be made"))))]), 400
    return redirect(url_for(".members", done="disabled"))
