"""Notes on a case that leave its status as it is.

An internal note is what staff write for each other: an event with only an internal note; no
resident-facing surface shows it, and it sends nothing. A public note tells the resident something
(the crew is booked, a part is on order): an event with a public note, shown on their tracking page
and sent to them as an update through the outbox, like the message of an action."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import audit
from ..models import Case, CaseEvent
from ..notify import outbox
from . import policy, revisions, workflow
from .policy import Actor

NOTE_MAX = 5000
PUBLIC_MESSAGE = workflow.UPDATED


def add(session: Session, case: Case, actor: Actor, text: str, *,
        expected_revision: int | None = None) -> CaseEvent:
    """Add the internal note ``text`` (already checked: not empty, at most ``NOTE_MAX``).

    Raises ``Refused`` (audited) or ``Stale``, writing nothing."""
    return _note(session, case, actor, policy.CASE_NOTE, "case.note", expected_revision, internal_note=text)


def add_public(session: Session, case: Case, actor: Actor, text: str, *,
               expected_revision: int | None = None) -> CaseEvent:
    """Tell the resident ``text`` (already checked: not empty, at most ``NOTE_MAX``): an event with
    the public note, and the update it owes them queued in the outbox, in the caller's transaction.

    Raises ``Refused`` (audited) or ``Stale``, writing nothing."""
    event = _note(session, case, actor, policy.CASE_NOTE_PUBLIC, "case.note_public", expected_revision,
                  public_note=text)
    outbox.queue_for_case(session, case, PUBLIC_MESSAGE, key=f"case:{case.id}:event:{event.id}", context={
        "status": case.status, "previous_status": case.status, "note": text,
        "respond_by": case.respond_by.isoformat(), "resolve_by": case.resolve_by.isoformat(),
    })
    return event


def _note(session: Session, case: Case, actor: Actor, permission: str, audited: str,
          expected_revision: int | None, **note: str) -> CaseEvent:
    try:
        policy.require(actor, permission, policy.case_record(actor, case))
    except policy.Refused:
        audit.record(session, actor, audited, outcome="failure", target_type="case", target_id=case.reference)
        raise
    revisions.check(case, expected_revision)
    revisions.change(session, case, expected_revision)
    event = revisions.event(case, actor.name, "note", **note)
    session.add(event)
    audit.record(session, actor, audited, target_type="case", target_id=case.reference)
    session.flush()
    session.expire(case, ["events"])
    return event
