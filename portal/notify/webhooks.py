"""Webhook deliveries: the kinds of event, what each delivery says, and where it goes.

A delivery is a message of the outbox on the ``webhook`` channel, queued in the transaction of the
change it reports (``portal.cases.webhooks``) and sent by the outbox worker with its backoff and
its bounded number of tries. Each delivery keeps one ``webhook-id`` for all its tries, so a
receiver that gets it twice (it answered too late the first time) can drop the repeat.

Payloads follow the Standard Webhooks specification — ``{"type", "timestamp", "data"}`` — and are
signed with its scheme as they are sent (``webhook_channel``), so the ``webhook-timestamp`` is
always fresh. The data names the case (reference, service, department,
status) and what happened, never the resident or the text of a note: a client that wants more
reads the case through the API, where the read is checked and audited like a staff view.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ApiClient, Notification, WebhookSubscription

CHANNEL = "webhook"
CREATED = "case.created"
STATUS_CHANGED = "case.status_changed"
PUBLIC_NOTE_ADDED = "case.public_note_added"
TRANSFERRED = "case.transferred"
DOCUMENT_ADDED = "case.document_added"
EVENTS = (CREATED, STATUS_CHANGED, PUBLIC_NOTE_ADDED, TRANSFERRED, DOCUMENT_ADDED)


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def delivery(subscription: WebhookSubscription, event_type: str, occurred_at: datetime,
             data: dict[str, Any], *, case_id: int | None) -> Notification:
    """The outbox message that brings one event to one subscription (not yet added to a session)."""
    message_id = new_message_id()
    payload = {"type": event_type, "timestamp": occurred_at.astimezone(UTC).isoformat(), "data": data}
    return Notification(key=f"webhook:{subscription.id}:{message_id}", channel=CHANNEL, template=event_type,
                        locale="en", recipient={"webhook": subscription.public_id},
                        context={"webhook_id": message_id, "payload": payload}, optional=False,
                        case_id=case_id, webhook_id=subscription.id, next_attempt_at=occurred_at)


@dataclass(frozen=True)
class Target:
    """Where a delivery goes and the secret it is signed with, read as it is sent."""

    url: str
    secret: str


def target_for(session: Session, notification_id: int) -> Target | None:
    """The subscription's address and secret, or None when the subscription was deleted or paused,
    or its client revoked, since the delivery was queued (the delivery is then cancelled)."""
    row = session.execute(
        select(WebhookSubscription, ApiClient)
        .join(Notification, Notification.webhook_id == WebhookSubscription.id)
        .join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
        .where(Notification.id == notification_id)).first()
    if row is None:
        return None
    subscription, client = row
    if subscription.deleted_at is not None or not subscription.active or client.revoked_at is not None:
        return None
    return Target(subscription.url, subscription.secret)
