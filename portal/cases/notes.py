"""Internal notes: what staff write on a case for each other. A note is an event with only an
internal note; no resident-facing surface shows it, and it sends nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import audit
from ..models import Case, CaseEvent
from . import policy, revisions
from .policy import Actor

NOTE_MAX = 5000


def add(session: Session, case: Case, actor: Actor, text: str, *,
        expected_revision: int | None = None) -> CaseEvent:
    """Add the internal note ``text`` (already checked: not empty, at most ``NOTE_MAX``).

    Raises ``Refused`` (audited) or ``Stale``, writing nothing."""
    try:
        policy.require(actor, policy.CASE_NOTE, policy.case_record(actor, case))
    except policy.Refused:
        audit.record(session, actor, "case.note", outcome="failure", target_type="case",
                     target_id=case.reference)
        raise
    revisions.check(case, expected_revision)
    revisions.change(session, case, expected_revision)
    event = revisions.event(case, actor.name, "note", internal_note=text)
    session.add(event)
    audit.record(session, actor, "case.note", target_type="case", target_id=case.reference)
    session.flush()
    session.expire(case, ["events"])
    return event
