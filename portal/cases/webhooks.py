"""The one hook where case events become webhook deliveries.

Every change to a case is recorded as a new ``CaseEvent`` (submission, workflow action, transfer,
merge, note) and every document a case gains as a new ``Document``; whichever domain function made
it, this hook sees it as the session flushes it and queues a delivery to each subscription that
wants that kind of event and whose client may read the case now (the one policy, the client's
roles and departments), in the same transaction: the change and its webhooks are kept together or
not at all.

What is sent: ``case.created`` (the case was submitted), ``case.status_changed`` (a workflow
action moved it), ``case.transferred`` (another department has it: its clients hear of it, the old
department's no longer may read it), ``case.public_note_added`` (the resident was told something,
with or without a change of status) and ``case.document_added``. Internal notes and assignments
are staff work and send nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..actors import API_CLIENT, Actor
from ..models import ApiClient, Case, CaseEvent, Document, WebhookSubscription
from ..models.base import utcnow
from ..notify import webhooks
from . import policy
from .transfer import ACTION as TRANSFER


def event_types(recorded: CaseEvent) -> list[str]:
    """The webhook events a case event is."""
    if recorded.status_from is None:
        return [webhooks.CREATED]
    found = []
    if recorded.action == TRANSFER:
        found.append(webhooks.TRANSFERRED)
    elif recorded.status_from != recorded.status_to:
        found.append(webhooks.STATUS_CHANGED)
    if recorded.public_note:
        found.append(webhooks.PUBLIC_NOTE_ADDED)
    return found


def _data(case: Case, recorded: CaseEvent | None, event_type: str) -> dict[str, Any]:
    data = {"reference": case.reference, "service_code": case.service_code, "department": case.department,
            "status": case.status, "event": event_type}
    if recorded is not None and event_type == webhooks.STATUS_CHANGED:
        data["previous_status"] = recorded.status_from
        data["action"] = recorded.action
    if recorded is not None and event_type == webhooks.TRANSFERRED:
        data["previous_department"] = (recorded.details or {}).get("from")
    return data


def client_actor(client: ApiClient) -> Actor:
    return Actor(API_CLIENT, client.client_id, roles=frozenset(client.roles),
                 departments=frozenset(client.departments), source="api")


def _subscriptions(session: Session) -> list[tuple[WebhookSubscription, ApiClient]]:
    return list(session.execute(
        select(WebhookSubscription, ApiClient).join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
        .where(WebhookSubscription.active.is_(True), WebhookSubscription.deleted_at.is_(None),
               ApiClient.revoked_at.is_(None))
        .order_by(WebhookSubscription.id)))


def _changes(session: Session) -> list[tuple[Case, CaseEvent | None, str]]:
    found = []
    for new in list(session.new):
        if isinstance(new, CaseEvent) and new.case_id is not None:
            types, case_id = event_types(new), new.case_id
        elif isinstance(new, Document) and new.case_id is not None:
            types, case_id = [webhooks.DOCUMENT_ADDED], new.case_id
        else:
            continue
        if not types:
            continue
        case = session.get(Case, case_id)
        if case is None:
            continue
        recorded = new if isinstance(new, CaseEvent) else None
        found.extend((case, recorded, t) for t in types)
    return found


def queue(session: Session) -> list:
    """Queue a delivery for each new case event or document in ``session`` to every subscription
    that wants it and may read its case. Called as the session flushes."""
    changes = _changes(session)
    if not changes:
        return []
    subscriptions = _subscriptions(session)
    queued = []
    for case, recorded, event_type in changes:
        occurred = (recorded.occurred_at if recorded is not None and recorded.occurred_at else None) or utcnow()
        for subscription, client in subscriptions:
            if event_type not in subscription.events:
                continue
            actor = client_actor(client)
            if not policy.allowed(actor, policy.CASE_READ, policy.case_record(actor, case)):
                continue
            note = webhooks.delivery(subscription, event_type, occurred, _data(case, recorded, event_type),
                                     case_id=case.id)
            session.add(note)
            queued.append(note)
    return queued


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    queue(session)
