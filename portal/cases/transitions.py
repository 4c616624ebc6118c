"""The one way a case changes status: a named action of its workflow, taken by an actor the policy
allows, from the status the caller read."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit
from ..models import Case, CaseEvent
from ..models.base import utcnow
from ..notify import outbox
from . import policy, workflow
from .policy import Actor, Refused
from .workflow import IllegalTransition


def act(
    session: Session,
    case: Case,
    action_name: str,
    actor: Actor,
    *,
    public_note: str | None = None,
    internal_note: str | None = None,
    resident_note: str | None = None,
) -> CaseEvent:
    """Take the workflow action ``action_name`` on ``case``: its event, its audit record and the
    message it owes the resident, all in the caller's transaction.

    ``resident_note`` keeps the resident's own words when they take the action (an answer to a
    request for information, a reason for withdrawing, why a problem is not fixed).

    Raises ``Refused`` when the policy does not let ``actor`` take it (audited), and
    ``IllegalTransition`` when the case's status does not allow it — also when another request
    moved the case first (two tabs, two staff members): the status changes only where it is still
    the one this action started from. Either way nothing else is written.
    """
    flow = workflow.of(case.kind)
    action = flow.action(action_name)
    if action is None or case.status not in action.sources:
        raise IllegalTransition(case.kind, case.status, action.to if action else action_name)
    try:
        policy.require(actor, policy.act(action_name), policy.case_record(actor, case))
    except Refused:
        audit.record(session, actor, "case.act", outcome="failure", target_type="case",
                     target_id=case.reference, details={"action": action_name, "status": case.status})
        raise
    now = utcnow()
    previous = case.status
    moved = session.execute(
        update(Case).where(Case.id == case.id, Case.status == previous)
        .values(status=action.to, updated_at=now).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        session.refresh(case)
        raise IllegalTransition(case.kind, case.status, action.to)
    set_committed_value(case, "status", action.to)
    set_committed_value(case, "updated_at", now)
    event = CaseEvent(
        case_id=case.id,
        occurred_at=now,
        status_from=previous,
        status_to=action.to,
        public_note=public_note,
        internal_note=internal_note,
        resident_note=resident_note,
        actor=actor.name,
    )
    session.add(event)
    details = {"action": action_name, "from": previous, "to": action.to}
    if resident_note:
        details["resident_note"] = True
    audit.record(session, actor, "case.transition", target_type="case", target_id=case.reference,
                 details=details)
    session.flush()
    outbox.queue_for_case(session, case, action.message, key=f"case:{case.id}:event:{event.id}", context={
        "status": action.to,
        "previous_status": previous,
        "note": public_note or "",
        "respond_by": case.respond_by.isoformat(),
        "resolve_by": case.resolve_by.isoformat(),
    })
    session.expire(case, ["events"])
    return event


def action_to(case: Case, to_status: str, actor: Actor) -> str:
    """The action that takes ``case`` from its status to ``to_status`` and that ``actor`` may take
    (staff and the command line name statuses; the resident's own actions come first for them)."""
    for action in workflow.of(case.kind).available(case.status):
        if action.to == to_status and policy.allowed(actor, policy.act(action.name), policy.case_record(actor, case)):
            return action.name
    raise IllegalTransition(case.kind, case.status, to_status)


def transition(session: Session, case: Case, to_status: str, actor: Actor, **notes) -> CaseEvent:
    """Move ``case`` to ``to_status`` by the action that leads there (see ``act``)."""
    return act(session, case, action_to(case, to_status, actor), actor, **notes)
