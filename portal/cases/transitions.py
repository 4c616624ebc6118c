"""The one way a case changes status."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import audit
from ..models import Case, CaseEvent
from ..models.base import utcnow
from . import states


def transition(
    session: Session,
    case: Case,
    to_status: str,
    actor: audit.Actor,
    *,
    public_note: str | None = None,
    internal_note: str | None = None,
) -> CaseEvent:
    """Move ``case`` to ``to_status`` if its kind allows it, with its event and audit record.

    Everything is written in the caller's transaction; an illegal move raises IllegalTransition
    and writes nothing.
    """
    states.check(case.kind, case.status, to_status)
    now = utcnow()
    event = CaseEvent(
        case_id=case.id,
        occurred_at=now,
        status_from=case.status,
        status_to=to_status,
        public_note=public_note,
        internal_note=internal_note,
        actor=actor.name,
    )
    previous = case.status
    case.status = to_status
    case.updated_at = now
    session.add(event)
    audit.record(session, actor, "case.transition", target_type="case", target_id=case.reference,
                 details={"from": previous, "to": to_status})
    session.flush()
    session.expire(case, ["events"])
    return event
