"""Bulk actions for supervisors: assign many cases at once, or move many to another status.

All or nothing. A bulk action is first planned (``plan``: what will happen to each case, and what
stops it), shown on a confirmation page, then applied (``apply``) in one transaction. If any chosen
case cannot take the action — its status does not allow it, the member is not in its department, or
it changed since the confirmation page was shown — nothing is done and every such case is named.
Applying the rest would leave the supervisor with a mix they did not confirm and have to untangle
case by case; refusing the whole keeps what they saw and what happened the same.

Each case still goes through the one door for its change: ``transitions.act`` for a status (so each
gets its own event, audit record and message to the resident) and ``assignment.assign``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..models import Case, StaffMember
from . import assignment, policy, transitions, workflow
from .policy import Refused
from .workflow import IllegalTransition

MAX_CASES = 200
ASSIGN, STATUS = "assign", "status"
OPERATIONS = (ASSIGN, STATUS)


class TooMany(ValueError):
    """More cases were chosen than one bulk action may change."""

    def __init__(self, count: int):
        super().__init__(f"{count} cases chosen; at most {MAX_CASES} at once")
        self.count, self.limit = count, MAX_CASES


class NothingChosen(ValueError):
    """No case, or no operation or target, was chosen."""


@dataclass(frozen=True)
class Item:
    case: Case
    action: str | None  # the workflow action that makes the status change
    problem: str | None  # None, or why this case cannot: "status", "note_required", "department", "stale"


@dataclass(frozen=True)
class Plan:
    operation: str
    target: str  # a staff member's id (assign) or a status
    member: StaffMember | None
    items: tuple[Item, ...]

    @property
    def problems(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.problem)


class Blocked(ValueError):
    """At least one chosen case cannot take the action; nothing was changed."""

    def __init__(self, plan: Plan):
        super().__init__(", ".join(f"{i.case.reference}: {i.problem}" for i in plan.problems))
        self.plan = plan


def _cases(session: Session, actor: Actor, references: Collection[str]) -> list[Case]:
    chosen = sorted(set(references))
    if not chosen:
        raise NothingChosen("no case chosen")
    if len(chosen) > MAX_CASES:
        raise TooMany(len(chosen))
    policy.require(actor, policy.CASE_BULK)
    cases = list(session.scalars(select(Case).where(Case.reference.in_(chosen)).order_by(Case.reference)))
    # A case that does not exist or is outside the actor's departments is one answer: not found.
    if len(cases) != len(chosen) or not all(
            policy.allowed(actor, policy.CASE_BULK, policy.case_record(actor, c)) for c in cases):
        raise Refused(policy.CASE_BULK)
    return cases


def _status_item(case: Case, status: str, actor: Actor, note: str | None) -> Item:
    try:
        action = transitions.action_to(case, status, actor)
    except IllegalTransition:
        return Item(case, None, "status")
    if workflow.of(case.kind).action(action).note_required and not note:
        return Item(case, action, "note_required")
    return Item(case, action, None)


def plan(session: Session, actor: Actor, references: Collection[str], operation: str, target: str, *,
         note: str | None = None, revisions: Mapping[str, int] | None = None) -> Plan:
    """What ``operation`` (assign to the member with id ``target``, or move to the status
    ``target``) would do to each case named, and what stops it. ``revisions``: each case's revision
    when it was chosen; a case changed since is a problem ("stale")."""
    cases = _cases(session, actor, references)
    member = None
    if operation == ASSIGN:
        member = session.get(StaffMember, int(target)) if target.isdigit() else None
        if member is None or member.disabled_at is not None:
            raise NothingChosen("no such member of staff")
        items = [Item(c, None, None if assignment.may_work(member, c) else "department") for c in cases]
    elif operation == STATUS and target in workflow.STATUSES:
        items = [_status_item(c, target, actor, note) for c in cases]
    else:
        raise NothingChosen("no such operation")
    if revisions is not None:
        items = [Item(i.case, i.action, "stale") if revisions.get(i.case.reference) != i.case.revision else i
                 for i in items]
    return Plan(operation, target, member, tuple(items))


def apply(session: Session, actor: Actor, references: Collection[str], operation: str, target: str, *,
          note: str | None = None, revisions: Mapping[str, int] | None = None) -> Plan:
    """Do what ``plan`` says to every case, or raise ``Blocked`` and do nothing."""
    planned = plan(session, actor, references, operation, target, note=note, revisions=revisions)
    if planned.problems:
        raise Blocked(planned)
    for item in planned.items:
        if operation == ASSIGN:
            assignment.assign(session, item.case, actor, planned.member.id,
                              expected_revision=revisions.get(item.case.reference) if revisions else None)
        else:
            transitions.act(session, item.case, item.action, actor, public_note=note or None)
    return planned
