"""Response templates, managed by department administrators for their own departments: a list,
a form to add or change one (its text in every shipped language), and deleting one."""

from __future__ import annotations

from babel import Locale
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import db
from ...cases import policy, templates
from ...cases.templates import Fields, TemplateError
from ...forms.casework import TemplateForm
from ..visitor import actor
from . import nav
from .actions import ACTION_LABELS

bp = Blueprint("staff_templates", __name__, url_prefix="/staff/templates")
nav.add("staff_templates.index", _l("Response templates"), policy.TEMPLATE_MANAGE, 60)


def _refusal(error: TemplateError) -> tuple[str, str]:
    """The field and the message for a template that cannot be saved."""
    if error.code == "missing_locale":
        return f"text_{error.detail}", _("Enter the text in %(language)s", language=_language(error.detail))
    if error.code == "unknown_placeholder":
        return "texts", _("%(placeholder)s is not a placeholder you can use. Use only: %(known)s",
                          placeholder=error.detail, known=", ".join("{" + p + "}" for p in templates.PLACEHOLDERS))
    if error.code == "unbalanced":
        return "texts", _("A brace is not closed or not opened. Write a placeholder as {reference}, "
                          "and a brace itself as {{ or }}")
    if error.code == "too_long":
        return f"text_{error.detail}", _("Enter %(max)d characters or fewer", max=templates.TEXT_MAX)
    if error.code == "duplicate":
        return "name", _("There is already a template with this name for this service and action")
    if error.code == "name":
        return "name", _("Enter a name of %(max)d characters or fewer", max=templates.NAME_MAX)
    return ("action-0" if error.code == "action" else "service_code-0"), _("Choose from the list")


# What each action is called where a template is chosen for it; merging has a page of its own, so it
# is not among the case page's actions.
TEMPLATE_ACTIONS = {**ACTION_LABELS, "merge": _l("Merge the cases")}


def _language(code: str) -> str:
    return Locale.parse(code).get_display_name(str(get_locale()))


def _choices(form: TemplateForm) -> None:
    catalog = current_app.extensions["catalog"]
    departments = policy.departments_for(actor(), policy.TEMPLATE_MANAGE)
    locale = str(get_locale())  # the names in the language of the page
    form.department.choices = [(d.code, d.name(locale)) for d in catalog.departments
                               if departments is None or d.code in departments]
    form.service_code.choices = [("", _("Any service of the department"))] + [
        (code, s.name(locale)) for code, s in sorted(catalog.services.items(), key=lambda item: item[1].name(locale))
        if departments is None or s.department in departments]
    form.action.choices = [(a, TEMPLATE_ACTIONS.get(a, a)) for a in templates.ACTIONS]


def _page(form, texts, errors=(), template=None, status=200):
    locales = current_app.config["SHIPPED_LOCALES"]
    return render_template("staff/templates/form.html", form=form, texts=texts, errors=list(errors),
                           template=template, text_locales=[(code, _language(code)) for code in locales],
                           placeholders=templates.PLACEHOLDERS), status


@bp.get("/")
def index():
    catalog = current_app.extensions["catalog"]
    locale = str(get_locale())
    return render_template("staff/templates/index.html", templates=templates.managed(db.session(), actor()),
                           labels=TEMPLATE_ACTIONS, departments={d.code: d.name(locale) for d in catalog.departments},
                           services={code: s.name(locale) for code, s in catalog.services.items()})


@bp.route("/new", methods=["GET", "POST"], defaults={"template_id": None})
@bp.route("/<int:template_id>", methods=["GET", "POST"])
def edit(template_id: int | None):
    found = templates.get(db.session(), actor(), template_id) if template_id is not None else None
    policy.require(actor(), policy.TEMPLATE_MANAGE)
    form = TemplateForm(obj=found if request.method == "GET" else None)
    _choices(form)
    if request.method == "GET" and found is not None:
        form.service_code.data = found.service_code or ""
    locales = current_app.config["SHIPPED_LOCALES"]
    if request.method == "GET":
        return _page(form, dict(found.texts) if found else {}, template=found)
    texts = {code: request.form.get(f"text_{code}", "") for code in locales}
    if not form.validate_on_submit():
        return _page(form, texts, form.summary(), found, 400)
    services = {code: s.department for code, s in current_app.extensions["catalog"].services.items()}
    fields = Fields(form.department.data, form.service_code.data or None, form.action.data, form.name.data, texts)
    try:
        templates.save(db.session(), actor(), fields, locales=locales, services=services, template=found)
    except TemplateError as error:
        return _page(form, texts, [_refusal(error)], found, 400)
    return redirect(url_for("staff_templates.index"))


@bp.post("/<int:template_id>/delete")
def delete(template_id: int):
    templates.delete(db.session(), actor(), templates.get(db.session(), actor(), template_id))
    return redirect(url_for("staff_templates.index"))
