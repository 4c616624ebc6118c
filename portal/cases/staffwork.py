"""A case as staff see it: opened through the policy (every view audited with the department it was
seen from), who the resident is and how they want to be contacted, the whole history with each
kind of note told apart, the actions this member of staff may take now, other cases by the same
resident and open cases at the same place — the last two only within the departments the member
may read."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from .. import audit
from ..actors import GUEST, RESIDENT, STAFF, Actor
from ..models import Account, Case, ContactPreferences, ServiceDefinitionVersion, StaffMember
from . import policy, tracking, workflow
from .policy import Refused

# How many other cases each list shows at most: enough to notice, never the whole table.
RELATED_LIMIT = 10
# Staff steps beside the workflow's actions, each with the permission that allows it.
STAFF_STEPS = (("take", policy.CASE_TAKE), ("assign", policy.CASE_ASSIGN), ("transfer", policy.CASE_TRANSFER),
               ("merge", policy.CASE_MERGE), ("note", policy.CASE_NOTE))


def open_for_staff(session: Session, actor: Actor, reference: str,
                   apart: Callable[[], AbstractContextManager[Session]]) -> Case:
    """The case, if ``actor`` may read it; ``Refused`` otherwise (the same for a case that does not
    exist). The read is audited with the department it was seen from (``tracking.open_case``); a
    refusal is audited in a transaction of its own (``apart``), kept although the request fails."""
    try:
        return tracking.open_case(session, actor, reference)
    except Refused:
        audit.record_refused(apart, actor, "case.read", target_type="case",
                             target_id=reference if reference and len(reference) <= 16 else None,
                             details={"departments": sorted(actor.departments)})
        raise


def actions_for(actor: Actor, case: Case) -> list[str]:
    """What ``actor`` may do to ``case`` now, in the workflow's order and then the staff steps:
    the workflow's staff actions its status allows (not "merge": it needs its own page), and take
    (only while no one has the case), assign, transfer and merge (while the case is open), note."""
    record = policy.case_record(actor, case)
    found = [action.name for action in workflow.of(case.kind).available(case.status)
             if action.by_staff and not action.joins
             and policy.allowed(actor, policy.act(action.name), record)]
    # A finished or merged case is passed on or merged no more (portal.cases.transfer, .merge).
    settled = workflow.of(case.kind).finished(case.status) or case.merged_into_id is not None
    for step, permission in STAFF_STEPS:
        if step == "take" and case.assignee_id is not None:
            continue
        if step in ("transfer", "merge") and settled:
            continue
        if policy.allowed(actor, permission, record):
            found.append(step)
    return found


@dataclass(frozen=True)
class Overdue:
    respond: bool  # still not looked at after the day we said we would respond by
    resolve: bool  # not finished after the day we said we would finish by


def overdue(case: Case, today: date) -> Overdue:
    if workflow.of(case.kind).finished(case.status):
        return Overdue(False, False)
    return Overdue(case.status == workflow.RECEIVED and today > case.respond_by, today > case.resolve_by)


def _in_scope(actor: Actor, query):
    departments = policy.departments_for(actor, policy.CASE_READ)
    return query if departments is None else query.where(Case.department.in_(sorted(departments)))


def same_resident(session: Session, actor: Actor, case: Case, limit: int = RELATED_LIMIT) -> list[Case]:
    """Other cases by the same resident (the same account, or the same email address or phone number)
    in the departments ``actor`` may read, newest first."""
    emails, phones = {case.contact_email}, {case.contact_phone}
    if case.account_id is not None:
        account = session.get(Account, case.account_id)
        emails.add(account.email if account else None)
    preferences = contact_preferences(session, case)
    if preferences is not None:
        emails.add(preferences.email)
        phones.add(preferences.phone)
    # One indexed look-up per way of being the same resident, joined: an OR over the three columns
    # could make the database read every case of the department instead.
    ways = [select(Case.id).where(Case.contact_email == email) for email in sorted(e for e in emails if e)]
    ways += [select(Case.id).where(Case.contact_phone == phone) for phone in sorted(p for p in phones if p)]
    if case.account_id is not None:
        ways.append(select(Case.id).where(Case.account_id == case.account_id))
    if not ways:
        return []
    query = select(Case).where(Case.id.in_(union(*ways).scalar_subquery()), Case.id != case.id)
    return list(session.scalars(_in_scope(actor, query).order_by(Case.id.desc()).limit(limit)))


def same_place(session: Session, actor: Actor, case: Case, limit: int = RELATED_LIMIT) -> list[Case]:
    """Cases not yet finished at the same address (possible duplicates) in the departments ``actor``
    may read, newest first."""
    if not case.address_key:
        return []
    finished = sorted({s for flow in workflow.WORKFLOWS.values() for s in flow.final | flow.decided})
    query = select(Case).where(Case.address_key == case.address_key, Case.id != case.id,
                               Case.status.not_in(finished), Case.merged_into_id.is_(None))
    return list(session.scalars(_in_scope(actor, query).order_by(Case.id.desc()).limit(limit)))


def contact_preferences(session: Session, case: Case) -> ContactPreferences | None:
    """How the resident wants to be contacted: their account's choices, or those given with the case."""
    if case.account_id is not None:
        return session.scalar(select(ContactPreferences).filter_by(account_id=case.account_id))
    return session.scalar(select(ContactPreferences).filter_by(case_id=case.id))


def definition_version(session: Session, case: Case) -> int:
    """The version of the service definition the case was given under."""
    return session.get(ServiceDefinitionVersion, case.definition_id).version


def staff_names(session: Session, ids) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return dict(session.execute(select(StaffMember.id, StaffMember.name).where(StaffMember.id.in_(wanted))).all())


@dataclass(frozen=True)
class Entry:
    """One event of the history as staff read it. ``by`` is "resident", "staff" or "system";
    ``name`` the member of staff's name when known."""

    occurred_at: datetime
    by: str
    name: str | None
    action: str | None
    status_from: str | None
    status_to: str
    public_note: str | None
    internal_note: str | None
    resident_note: str | None
    details: dict = field(default_factory=dict)  # e.g. the departments of a transfer


def _staff_id(actor_name: str) -> int | None:
    kind, _, rest = actor_name.partition(":")
    return int(rest) if kind == STAFF and rest.isdigit() else None


def by_whom(actor_name: str) -> str:
    """Who took an event, as the history tells it: "resident", "staff" or "system"."""
    kind = actor_name.partition(":")[0]
    return "resident" if kind in (RESIDENT, GUEST) else "staff" if kind == STAFF else "system"


def history(session: Session, case: Case) -> list[Entry]:
    """Every event of the case, newest first, with who took it."""
    assigned = [e.details.get("to") for e in case.events if e.action == "assign" and e.details]
    names = staff_names(session, [*(_staff_id(e.actor) for e in case.events), *assigned])
    entries = []
    for event in case.events:
        by = by_whom(event.actor)
        details = dict(event.details or {})
        if event.action == "assign" and details.get("to") is not None:
            details["to_name"] = names.get(details["to"])
        entries.append(Entry(event.occurred_at, by, names.get(_staff_id(event.actor)), event.action,
                             event.status_from, event.status_to, event.public_note, event.internal_note,
                             event.resident_note, details))
    return list(reversed(entries))
