"""Response templates: the words staff start from when they act on a case, kept per department,
optionally per service, and per workflow action, in every shipped language, with placeholders
filled from the case in the resident's language.

Department administrators manage their departments' templates (``policy.TEMPLATE_MANAGE``); the
staff who may take an action on a case see the templates for it, the service's own first.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..models import Account, Case, ResponseTemplate
from ..notify import outbox
from . import policy, workflow
from .policy import Actor, Record, Refused

# What a template may say in braces, and where each value comes from (``values_for``).
PLACEHOLDERS = ("reference", "service", "resident_name", "respond_by", "resolve_by", "department")
NAME_MAX = 120
TEXT_MAX = 5000
# The actions staff take that say something to the resident.
ACTIONS = tuple(sorted({a.name for w in workflow.WORKFLOWS.values() for a in w.actions if a.by_staff}))


class TemplateError(ValueError):
    """A template that cannot be saved. ``code`` says why, ``detail`` names what (a locale, a
    placeholder, a field)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Fields:
    """A template as typed on its form."""

    department: str
    service_code: str | None
    action: str
    name: str
    texts: Mapping[str, str]


def check_text(text: str) -> None:
    """Raise ``TemplateError`` for an unknown placeholder ("unknown_placeholder", naming it) or a
    brace left open or unmatched ("unbalanced"); ``{{`` and ``}}`` stand for braces."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise TemplateError("unbalanced") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            raise TemplateError("unknown_placeholder", "{" + field + (f"!{conversion}" if conversion else "")
                                + (f":{spec}" if spec else "") + "}")


def check(fields: Fields, locales: Iterable[str], services: Mapping[str, str]) -> Fields:
    """``fields`` cleaned, or ``TemplateError``. ``services``: each service code → its department."""
    name = " ".join(fields.name.split())
    if not name or len(name) > NAME_MAX:
        raise TemplateError("name")
    if fields.action not in ACTIONS:
        raise TemplateError("action", fields.action)
    if fields.service_code and services.get(fields.service_code) != fields.department:
        raise TemplateError("service", fields.service_code)
    texts = {}
    for locale in locales:
        text = (fields.texts.get(locale) or "").replace("\r\n", "\n").strip()
        if not text:
            raise TemplateError("missing_locale", locale)
        if len(text) > TEXT_MAX:
            raise TemplateError("too_long", locale)
        check_text(text)
        texts[locale] = text
    return Fields(fields.department, fields.service_code or None, fields.action, name, texts)


# --- managing them ----------------------------------------------------------------------------------


def _require(session: Session, actor: Actor, department: str, what: str) -> None:
    try:
        policy.require(actor, policy.TEMPLATE_MANAGE, Record(department=department))
    except Refused:
        audit.record(session, actor, f"template.{what}", outcome="failure", target_type="department",
                     target_id=department)
        raise


def managed(session: Session, actor: Actor) -> list[ResponseTemplate]:
    """The templates of the departments ``actor`` manages templates for."""
    departments = policy.departments_for(actor, policy.TEMPLATE_MANAGE)
    query = select(ResponseTemplate).order_by(ResponseTemplate.department, ResponseTemplate.action,
                                              ResponseTemplate.service_code, ResponseTemplate.name)
    if departments is not None:
        query = query.where(ResponseTemplate.department.in_(sorted(departments)))
    return list(session.scalars(query))


def get(session: Session, actor: Actor, template_id: int) -> ResponseTemplate:
    """A template ``actor`` may manage, or ``Refused`` (the same for one that does not exist)."""
    found = session.get(ResponseTemplate, template_id)
    if found is None or not policy.allowed(actor, policy.TEMPLATE_MANAGE, Record(department=found.department)):
        raise Refused(policy.TEMPLATE_MANAGE)
    return found


def save(session: Session, actor: Actor, fields: Fields, *, locales: Iterable[str],
         services: Mapping[str, str], template: ResponseTemplate | None = None) -> ResponseTemplate:
    """Create a template (or change ``template``) from checked ``fields``. Raises ``Refused``
    outside the actor's departments and ``TemplateError`` ("duplicate" for a name already used for
    that service and action); nothing is written then."""
    _require(session, actor, fields.department, "save")
    if template is not None:
        _require(session, actor, template.department, "save")
    clean = check(fields, locales, services)
    target = template or ResponseTemplate()
    target.department, target.service_code, target.action = clean.department, clean.service_code, clean.action
    target.name, target.texts, target.updated_by = clean.name, dict(clean.texts), actor.name
    try:
        with session.begin_nested():
            session.add(target)
            session.flush()
    except IntegrityError:
        raise TemplateError("duplicate", clean.name) from None
    audit.record(session, actor, "template.save", target_type="response_template", target_id=str(target.id),
                 details={"department": clean.department, "action": clean.action, "new": template is None})
    return target


def delete(session: Session, actor: Actor, template: ResponseTemplate) -> None:
    _require(session, actor, template.department, "delete")
    audit.record(session, actor, "template.delete", target_type="response_template", target_id=str(template.id),
                 details={"department": template.department, "name": template.name})
    session.delete(template)
    session.flush()


# --- using them on a case ---------------------------------------------------------------------------


def for_case(session: Session, case: Case, action: str) -> list[ResponseTemplate]:
    """The templates for taking ``action`` on ``case``: its service's own first, then its
    department's for any service."""
    found = session.scalars(
        select(ResponseTemplate).where(
            ResponseTemplate.department == case.department, ResponseTemplate.action == action,
            (ResponseTemplate.service_code == case.service_code) | ResponseTemplate.service_code.is_(None))
        .order_by(ResponseTemplate.service_code.is_(None), ResponseTemplate.name, ResponseTemplate.id))
    return list(found)


def resident_locale(session: Session, case: Case) -> str:
    """The language the resident hears from the agency in: their contact preferences', else the
    case's."""
    prefs = outbox.preferences_for_case(session, case)
    return (prefs.locale if prefs is not None and prefs.locale else None) or case.locale


def values_for(case: Case, locale: str, *, service: str, department: str, resident_name: str) -> dict[str, str]:
    """The value of each placeholder for ``case``, in ``locale``."""

    def day(value: date) -> str:
        return format_date(value, format="long", locale=locale)

    return {"reference": case.reference, "service": service, "department": department,
            "resident_name": resident_name, "respond_by": day(case.respond_by), "resolve_by": day(case.resolve_by)}


def fill(template: ResponseTemplate, locale: str, values: Mapping[str, str], fallback: str) -> str:
    """The template's text in ``locale`` (else ``fallback``'s) with its placeholders filled."""
    text = template.texts.get(locale) or template.texts.get(fallback) or ""
    return text.format_map(dict(values))


def filled(session: Session, template: ResponseTemplate, case: Case, catalog, fallback: str) -> str:
    """``template`` for ``case`` in the resident's language, its placeholders filled in."""
    locale = resident_locale(session, case)
    definition = catalog.service(case.service_code)
    department = next((d for d in catalog.departments if d.code == case.department), None)
    account = session.get(Account, case.account_id) if case.account_id else None
    values = values_for(case, locale, service=definition.name(locale) if definition else case.service_code,
                        department=department.name(locale) if department else case.department,
                        resident_name=case.contact_name or (account.name if account else None) or "")
    return fill(template, locale, values, fallback)
