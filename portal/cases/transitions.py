"""The one way a case changes status."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit
from ..models import Case, CaseEvent
from ..models.base import utcnow
from ..notify import outbox
from . import states

DECISIONS = {states.APPROVED, states.DENIED, states.RESOLVED}


def message_for(from_status: str, to_status: str, public_note: str | None) -> str | None:
    """The message a move owes the resident: required for a request for information or a
    decision, optional for any other change they can see."""
    if to_status == states.MORE_INFO:
        return "info_requested"
    if to_status in DECISIONS:
        return "case_decided"
    if to_status != from_status or public_note:
        return "case_updated"
    return None


def transition(
    session: Session,
    case: Case,
    to_status: str,
    actor: audit.Actor,
    *,
    public_note: str | None = None,
    internal_note: str | None = None,
    resident_note: str | None = None,
) -> CaseEvent:
    """Move ``case`` to ``to_status`` if its kind allows it, with its event and audit record.

    ``resident_note`` keeps the resident's own words when they make the move (an answer to a
    request for information, a reason for withdrawing, why a problem is not fixed).

    Everything is written in the caller's transaction; an illegal move raises IllegalTransition
    and writes nothing. So does a move from a status the case no longer has because another
    request moved it first (two tabs, two staff members): the status changes only where it is
    still the one this move started from.
    """
    states.check(case.kind, case.status, to_status)
    now = utcnow()
    previous = case.status
    moved = session.execute(
        update(Case).where(Case.id == case.id, Case.status == previous)
        .values(status=to_status, updated_at=now).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        session.refresh(case)
        raise states.IllegalTransition(case.kind, case.status, to_status)
    set_committed_value(case, "status", to_status)
    set_committed_value(case, "updated_at", now)
    event = CaseEvent(
        case_id=case.id,
        occurred_at=now,
        status_from=previous,
        status_to=to_status,
        public_note=public_note,
        internal_note=internal_note,
        resident_note=resident_note,
        actor=actor.name,
    )
    session.add(event)
    details = {"from": previous, "to": to_status}
    if resident_note:
        details["resident_note"] = True
    audit.record(session, actor, "case.transition", target_type="case", target_id=case.reference,
                 details=details)
    session.flush()
    template = message_for(previous, to_status, public_note)
    if template is not None:
        outbox.queue_for_case(session, case, template, key=f"case:{case.id}:event:{event.id}", context={
            "status": to_status,
            "previous_status": previous,
            "note": public_note or "",
            "respond_by": case.respond_by.isoformat(),
            "resolve_by": case.resolve_by.isoformat(),
        })
    session.expire(case, ["events"])
    return event
