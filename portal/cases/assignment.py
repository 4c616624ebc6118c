"""Who works a case: a member of staff takes it (or the next one of the queue), or a supervisor
assigns it to a member of its department, or unassigns it. Each change is an event on the case
("assign"), an audit record and a new revision, in the caller's transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..actors import STAFF, Actor
from ..models import Case, CaseEvent, StaffMember
from . import policy, queue, revisions

# How often take_next looks again when another member took the case it found first.
TAKE_TRIES = 10


class NotAssignable(ValueError):
    """The member named cannot work this case (unknown, disabled, or not of its department)."""


def _may_work(member: StaffMember, case: Case) -> bool:
    """``member`` could take ``case`` themself: active, in its department, with a working role."""
    as_actor = Actor(STAFF, str(member.id), roles=frozenset(member.roles), departments=frozenset(member.departments))
    return member.disabled_at is None and policy.allowed(as_actor, policy.CASE_TAKE, policy.case_record(as_actor, case))


def assignable(session: Session, case: Case) -> list[StaffMember]:
    """The members of staff the case may be assigned to, by name."""
    members = session.scalars(select(StaffMember).where(StaffMember.disabled_at.is_(None))
                              .order_by(StaffMember.name, StaffMember.id))
    return [m for m in members if _may_work(m, case)]


def permission_for(actor: Actor, case: Case, assignee_id: int | None) -> str:
    """Taking an unassigned case for oneself needs ``CASE_TAKE``; anything else ``CASE_ASSIGN``."""
    mine = actor.kind == STAFF and assignee_id is not None and str(assignee_id) == actor.id
    return policy.CASE_TAKE if mine and case.assignee_id is None else policy.CASE_ASSIGN


def assign(session: Session, case: Case, actor: Actor, assignee_id: int | None, *,
           expected_revision: int | None = None) -> CaseEvent:
    """Assign ``case`` to the member ``assignee_id`` (None: unassign it).

    Raises ``Refused`` when the policy does not let ``actor`` (audited), ``NotAssignable`` for a
    member who cannot work the case, and ``Stale`` when the case changed since
    ``expected_revision``. Nothing is written then.
    """
    permission = permission_for(actor, case, assignee_id)
    try:
        policy.require(actor, permission, policy.case_record(actor, case))
    except policy.Refused:
        audit.record(session, actor, "case.assign", outcome="failure", target_type="case",
                     target_id=case.reference, details={"to": assignee_id})
        raise
    revisions.check(case, expected_revision)
    if assignee_id is not None:
        member = session.get(StaffMember, assignee_id)
        if member is None or not _may_work(member, case):
            raise NotAssignable(str(assignee_id))
    previous, previous_revision = case.assignee_id, case.revision
    if not revisions.change(session, case, expected_revision, _still_assigned_to(previous),
                            assignee_id=assignee_id):
        raise revisions.Stale(case, previous_revision)
    event = revisions.event(case, actor.name, "assign", details={"from": previous, "to": assignee_id})
    session.add(event)
    audit.record(session, actor, "case.assign", target_type="case", target_id=case.reference,
                 details={"from": previous, "to": assignee_id})
    session.flush()
    session.expire(case, ["events"])
    return event


def _still_assigned_to(previous: int | None):
    return Case.assignee_id.is_(None) if previous is None else Case.assignee_id == previous


def assignee(session: Session, case: Case) -> StaffMember | None:
    return session.get(StaffMember, case.assignee_id) if case.assignee_id else None


def may_work(member: StaffMember, case: Case) -> bool:
    """Whether ``case`` may be given to ``member`` (see ``assign``)."""
    return _may_work(member, case)


def members_for(session: Session, departments: set[str]) -> list[StaffMember]:
    """Active members of staff who work in any of ``departments`` (staff lists are short), by name."""
    members = session.scalars(select(StaffMember).where(StaffMember.disabled_at.is_(None))
                              .order_by(StaffMember.name, StaffMember.id))
    return [m for m in members if departments & set(m.departments or [])]


def take_next(session: Session, actor: Actor, today: date) -> Case | None:
    """Give ``actor`` the most urgent unassigned open case of their departments (priority, then the
    date a response is due, then the oldest), or None when there is none.

    The case is assigned by a conditional update (only while it is still unassigned), so two members
    pressing at once get two different cases: the one who loses the race looks again. On PostgreSQL
    the candidate row is also locked with SKIP LOCKED, so the second member passes straight to the
    next case instead of waiting for the first to commit.
    """
    if actor.kind != STAFF or not (actor.id or "").isdigit():
        raise policy.Refused(policy.CASE_TAKE)
    policy.require(actor, policy.CASE_TAKE)
    scope = queue.in_scope(actor, policy.CASE_TAKE)
    for _ in range(TAKE_TRIES):
        candidate = (select(Case).where(*scope, Case.assignee_id.is_(None), Case.status.not_in(queue.FINISHED),
                                        Case.merged_into_id.is_(None))
                     .order_by(Case.priority.desc(), Case.respond_by, Case.submitted_at, Case.id).limit(1))
        if session.get_bind().dialect.name == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True)
        case = session.scalar(candidate)
        if case is None:
            return None
        session.refresh(case)
        policy.require(actor, policy.CASE_TAKE, policy.case_record(actor, case))
        if not revisions.change(session, case, None, Case.assignee_id.is_(None), assignee_id=int(actor.id)):
            continue  # another member took it between our look and our update
        event = revisions.event(case, actor.name, "assign", details={"from": None, "to": int(actor.id)})
        session.add(event)
        audit.record(session, actor, "case.assign", target_type="case", target_id=case.reference,
                     details={"from": None, "to": int(actor.id), "how": "take_next"})
        session.flush()
        session.expire(case, ["events"])
        return case
    return None
