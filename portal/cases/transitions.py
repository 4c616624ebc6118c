"""The one way a case changes status: a named action of its workflow, taken by an actor the policy
allows, from the status the caller read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from .. import audit
from ..models import Case, CaseEvent
from ..notify import outbox
from . import policy, revisions, workflow
from .policy import Actor, Refused
from .revisions import Stale
from .workflow import IllegalTransition

__all__ = ["IllegalTransition", "Owed", "Stale", "act", "action_to", "message_owed", "transition"]


@dataclass(frozen=True)
class Owed:
    """The message an action owes the resident: its template and the context it is queued with."""

    template: str
    context: dict[str, Any]


def message_owed(case: Case, action_name: str, public_note: str | None, *, previous: str | None = None) -> Owed:
    """What taking ``action_name`` on ``case`` sends the resident (``previous``: the status it
    left, once taken; before, the case's status now). The preview shows the same message."""
    action = workflow.of(case.kind).action(action_name)
    if action is None:
        raise IllegalTransition(case.kind, case.status, action_name)
    return Owed(action.message, {
        "status": action.to,
        "previous_status": previous or case.status,
        "note": public_note or "",
        "respond_by": case.respond_by.isoformat(),
        "resolve_by": case.resolve_by.isoformat(),
    })


def act(
    session: Session,
    case: Case,
    action_name: str,
    actor: Actor,
    *,
    public_note: str | None = None,
    internal_note: str | None = None,
    resident_note: str | None = None,
    expected_revision: int | None = None,
    details: dict | None = None,
    message: dict | None = None,
) -> CaseEvent:
    """Take the workflow action ``action_name`` on ``case``: its event, its audit record and the
    message it owes the resident, all in the caller's transaction.

    ``resident_note`` keeps the resident's own words when they take the action (an answer to a
    request for information, a reason for withdrawing, why a problem is not fixed). ``details``
    go on the event (e.g. the primary case of a merge), ``message`` into the message's context.

    Raises ``Refused`` when the policy does not let ``actor`` take it (audited), and
    ``IllegalTransition`` when the case's status does not allow it — also when another request
    moved the case first (two tabs, two staff members): the status changes only where it is still
    the one this action started from. With ``expected_revision`` (the revision of the case the
    form was shown with), raises ``Stale`` when the case changed in any way since. Either way
    nothing else is written.
    """
    revisions.check(case, expected_revision)
    flow = workflow.of(case.kind)
    action = flow.action(action_name)
    if action is None or case.status not in action.sources or (action.joins and case.merged_into_id is None):
        raise IllegalTransition(case.kind, case.status, action.to if action else action_name)
    try:
        policy.require(actor, policy.act(action_name), policy.case_record(actor, case))
    except Refused:
        audit.record(session, actor, "case.act", outcome="failure", target_type="case",
                     target_id=case.reference, details={"action": action_name, "status": case.status})
        raise
    previous = case.status
    if not revisions.change(session, case, expected_revision, Case.status == previous, status=action.to):
        raise IllegalTransition(case.kind, case.status, action.to)
    event = CaseEvent(
        case_id=case.id,
        occurred_at=case.updated_at,
        status_from=previous,
        status_to=action.to,
        public_note=public_note,
        internal_note=internal_note,
        resident_note=resident_note,
        actor=actor.name,
        action=action_name,
        details={"revision": case.revision, **(details or {})},
    )
    session.add(event)
    details = {"action": action_name, "from": previous, "to": action.to}
    if resident_note:
        details["resident_note"] = True
    audit.record(session, actor, "case.transition", target_type="case", target_id=case.reference,
                 details=details)
    session.flush()
    owed = message_owed(case, action_name, public_note, previous=previous)
    outbox.queue_for_case(session, case, owed.template, key=f"case:{case.id}:event:{event.id}", context={**owed.context, **(message or {})})
    session.expire(case, ["events"])
    return event


def action_to(case: Case, to_status: str, actor: Actor) -> str:
    """The action that takes ``case`` from its status to ``to_status`` and that ``actor`` may take
    (staff and the command line name statuses; the resident's own actions come first for them)."""
    for action in workflow.of(case.kind).available(case.status):
        if action.to == to_status and not action.joins and policy.allowed(actor, policy.act(action.name), policy.case_record(actor, case)):
            return action.name
    raise IllegalTransition(case.kind, case.status, to_status)


def transition(session: Session, case: Case, to_status: str, actor: Actor, **notes) -> CaseEvent:
    """Move ``case`` to ``to_status`` by the action that leads there (see ``act``)."""
    return act(session, case, action_to(case, to_status, actor), actor, **notes)
