"""Passing a case to another department.

The case keeps its service, status and history; it gets the new department as its own, loses its
assignee (no one in the new department has it yet), and from then on only the new department's
staff may work it — the old department's get a 404 like any other case outside their scope. The
resident is told which department has their request now (``case_transferred``) and their tracking
page says so, in their language.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from .. import audit
from ..models import Case, CaseEvent
from ..models.base import utcnow
from ..notify import outbox
from . import policy, revisions, workflow
from .policy import Actor

ACTION = "transfer"
MESSAGE = "case_transferred"
REASON_MAX = 2000
NOTE_MAX = 2000

# Why a transfer or a merge cannot be done; the front door words each in the member's language.
UNKNOWN_DEPARTMENT = "unknown_department"
SAME_DEPARTMENT = "same_department"
NO_REASON = "no_reason"
REASON_TOO_LONG = "reason_too_long"
NOTE_TOO_LONG = "note_too_long"
FINISHED = "finished"


class NotPossible(ValueError):
    """The request cannot be done as asked (``codes`` say why, ``code`` first); nothing was written."""

    def __init__(self, code: str, *more: str):
        super().__init__(", ".join((code, *more)))
        self.code, self.codes = code, (code, *more)


def tidy(text: str | None) -> str:
    """Text typed by staff, trimmed, with one kind of line break."""
    return (text or "").replace("\r\n", "\n").strip()


def clean(text: str | None, limit: int) -> str:
    """``tidy`` text; ``NotPossible(NOTE_TOO_LONG)`` over ``limit`` characters."""
    text = tidy(text)
    if len(text) > limit:
        raise NotPossible(NOTE_TOO_LONG)
    return text


def transfer(session: Session, actor: Actor, case: Case, department: str, *, reason: str | None,
             seen: int | None, known_departments: Iterable[str], public_note: str | None = None) -> CaseEvent:
    """Pass ``case`` to ``department`` (a code of the catalog's), for ``reason`` (an internal note),
    with ``public_note`` for the resident if given.

    Raises ``Refused`` (audited) when ``actor`` may not transfer the case from its department,
    ``revisions.Stale`` when the case changed since the form showed revision ``seen``, and
    ``NotPossible`` for a finished case, or with every problem of what was asked (an unknown or
    the same department, a missing or too long reason, a too long note).
    """
    record = policy.case_record(actor, case)
    try:
        policy.require(actor, policy.CASE_TRANSFER, record)
    except policy.Refused:
        audit.record(session, actor, "case.transfer", outcome="failure", target_type="case",
                     target_id=case.reference, details={"to": department})
        raise
    if case.revision != seen:
        raise revisions.stale(session, case, seen)
    if workflow.of(case.kind).finished(case.status) or case.merged_into_id is not None:
        raise NotPossible(FINISHED)
    department, reason, public_note = (department or "").strip(), tidy(reason), tidy(public_note)
    problems = []
    if department not in set(known_departments):
        problems.append(UNKNOWN_DEPARTMENT)
    elif department == case.department:
        problems.append(SAME_DEPARTMENT)
    if not reason:
        problems.append(NO_REASON)
    elif len(reason) > REASON_MAX:
        problems.append(REASON_TOO_LONG)
    if len(public_note) > NOTE_MAX:
        problems.append(NOTE_TOO_LONG)
    if problems:
        raise NotPossible(*problems)
    previous = case.department
    revisions.claim(session, case, seen, department=department, assignee_id=None)
    event = CaseEvent(case_id=case.id, occurred_at=utcnow(), status_from=case.status, status_to=case.status,
                      public_note=public_note or None, internal_note=reason, actor=actor.name, action=ACTION,
                      details={"from": previous, "to": department})
    session.add(event)
    audit.record(session, actor, "case.transfer", target_type="case", target_id=case.reference,
                 details={"from": previous, "to": department})
    session.flush()
    outbox.queue_for_case(session, case, MESSAGE, key=f"case:{case.id}:event:{event.id}", context={
        "status": case.status, "department": department, "note": public_note,
        "respond_by": case.respond_by.isoformat(), "resolve_by": case.resolve_by.isoformat(),
    })
    session.expire(case, ["events"])
    return event
