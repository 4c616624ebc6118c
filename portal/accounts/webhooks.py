"""Webhook subscriptions of API clients: a client subscribes an address to kinds of case event
(``portal.notify.webhooks.EVENTS``); which cases it hears of is the policy's (the cases it may
read), decided as each event happens (``portal.cases.webhooks``). Every change is audited; the
secret is made here and shown to the client once.

Addresses: https only; plain http only to this machine (127.0.0.1, localhost, ::1) and only where
the configuration allows it (``WEBHOOK_ALLOW_HTTP``: development and tests). Where it does not, an
address that names a private, loopback or link-local IP is refused too.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..actors import Actor
from ..cases import policy
from ..models import ApiClient, Case, DeliveryAttempt, Notification, WebhookSubscription
from ..models.base import utcnow
from ..models.notifications import FAILED, PENDING
from ..notify.webhooks import CHANNEL, EVENTS, new_secret

URL_MAX = 2000
MAX_PER_CLIENT = 20
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}


class WebhookError(ValueError):
    """A subscription that cannot be made or changed; ``code`` names why, ``detail`` what."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


def check_url(url: object, *, allow_http: bool) -> str:
    if not isinstance(url, str) or not url.strip():
        raise WebhookError("no_url")
    url = url.strip()
    if len(url) > URL_MAX or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise WebhookError("bad_url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise WebhookError("bad_url") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host or parts.fragment or parts.username or parts.password:
        raise WebhookError("bad_url")
    if parts.scheme == "http" and not (allow_http and host in LOOPBACK_NAMES):
        raise WebhookError("insecure_url")
    if not allow_http and _private(host):
        raise WebhookError("private_url")
    return url


def _private(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def check_events(events: object) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise WebhookError("no_events")
    for name in events:
        if not isinstance(name, str) or name not in EVENTS:
            raise WebhookError("unknown_event", str(name)[:100])
    return sorted(set(events))


def create(session: Session, actor: Actor, client: ApiClient, *, url: object, events: object,
           allow_http: bool) -> tuple[WebhookSubscription, str]:
    """A new subscription of ``client`` and its signing secret (the client keeps it). Audited."""
    url, events = check_url(url, allow_http=allow_http), check_events(events)
    if len(for_client(session, client)) >= MAX_PER_CLIENT:
        raise WebhookError("too_many", str(MAX_PER_CLIENT))
    secret = new_secret()
    subscription = WebhookSubscription(public_id="wh_" + secrets.token_urlsafe(15), client_id=client.id, url=url,
                                       events=events, secret=secret, active=True)
    session.add(subscription)
    session.flush()
    audit.record(session, actor, "webhook.create", target_type="webhook", target_id=subscription.public_id,
                 details={"client": client.client_id, "url": url, "events": events})
    return subscription, secret


def for_client(session: Session, client: ApiClient) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.client_id == client.id, WebhookSubscription.deleted_at.is_(None))
        .order_by(WebhookSubscription.id)))


def find(session: Session, client: ApiClient | None, public_id: str | None) -> WebhookSubscription | None:
    """A subscription by its id, not deleted; only the client's own when ``client`` is given."""
    if not public_id or len(public_id) > 32:
        return None
    found = session.scalar(select(WebhookSubscription).filter_by(public_id=public_id))
    if found is None or found.deleted_at is not None or (client is not None and found.client_id != client.id):
        return None
    return found


def change(session: Session, actor: Actor, subscription: WebhookSubscription, *, url: object = None,
           events: object = None, active: object = None, allow_http: bool) -> WebhookSubscription:
    """Change what is given (None: unchanged); everything is checked before anything is set."""
    values = {}
    if url is not None:
        values["url"] = check_url(url, allow_http=allow_http)
    if events is not None:
        values["events"] = check_events(events)
    if active is not None:
        if not isinstance(active, bool):
            raise WebhookError("bad_active")
        values["active"] = active
    for name, value in values.items():
        setattr(subscription, name, value)
    subscription.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "webhook.change", target_type="webhook", target_id=subscription.public_id,
                 details={k: v for k, v in values.items()})
    return subscription


def delete(session: Session, actor: Actor, subscription: WebhookSubscription) -> None:
    """Stop the subscription: nothing more is queued for it, and what was queued is cancelled as
    the worker reaches it. Kept, without its secret, for its delivery log. Audited."""
    subscription.deleted_at = utcnow()
    subscription.active = False
    subscription.secret = ""
    session.flush()
    audit.record(session, actor, "webhook.delete", target_type="webhook", target_id=subscription.public_id)


# --- the delivery log, for administrators -----------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    subscription: WebhookSubscription
    client_name: str
    client_id: str
    failed: int
    pending: int


@dataclass(frozen=True)
class Delivery:
    id: int
    event: str
    reference: str | None
    webhook_id: str
    status: str
    attempts: int
    response_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None


def subscriptions(session: Session, actor: Actor) -> list[Listed]:
    """Every subscription (deleted ones too) with its client and its failed and waiting deliveries."""
    policy.require(actor, policy.API_CLIENT_MANAGE)
    counts = dict(((webhook_id, status), count) for webhook_id, status, count in session.execute(
        select(Notification.webhook_id, Notification.status, func.count())
        .where(Notification.channel == CHANNEL).group_by(Notification.webhook_id, Notification.status)))
    rows = session.execute(select(WebhookSubscription, ApiClient)
                           .join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
                           .order_by(WebhookSubscription.id))
    return [Listed(s, c.name, c.client_id, counts.get((s.id, FAILED), 0), counts.get((s.id, PENDING), 0))
            for s, c in rows]


def subscription_for_admin(session: Session, actor: Actor, public_id: str) -> Listed | None:
    policy.require(actor, policy.API_CLIENT_MANAGE)
    return next((listed for listed in subscriptions(session, actor)
                 if listed.subscription.public_id == public_id), None)


def deliveries(session: Session, actor: Actor, subscription: WebhookSubscription, *, limit: int = 100,
               status: str | None = None) -> list[Delivery]:
    """The subscription's newest deliveries, with each one's last answer from the receiver."""
    policy.require(actor, policy.API_CLIENT_MANAGE)
    query = (select(Notification, Case.reference).outerjoin(Case, Case.id == Notification.case_id)
             .where(Notification.webhook_id == subscription.id))
    if status:
        query = query.where(Notification.status == status)
    rows = session.execute(query.order_by(Notification.id.desc()).limit(limit)).all()
    codes = _last_codes(session, [note.id for note, _ in rows])
    return [Delivery(note.id, note.template, reference, (note.context or {}).get("webhook_id", ""), note.status,
                     note.attempts, codes.get(note.id), note.last_error,
                     note.next_attempt_at if note.status == PENDING else None, note.created_at, note.sent_at)
            for note, reference in rows]


def _last_codes(session: Session, ids: Iterable[int]) -> dict[int, int | None]:
    ids = list(ids)
    if not ids:
        return {}
    last = (select(DeliveryAttempt.notification_id, func.max(DeliveryAttempt.id).label("last"))
            .where(DeliveryAttempt.notification_id.in_(ids)).group_by(DeliveryAttempt.notification_id).subquery())
    return dict(session.execute(select(DeliveryAttempt.notification_id, DeliveryAttempt.response_code)
                                .join(last, last.c.last == DeliveryAttempt.id)).all())


def failed_ids(session: Session, subscription: WebhookSubscription) -> list[int]:
    """The subscription's deliveries that ran out of tries (``notify-requeue`` puts them back)."""
    return list(session.scalars(select(Notification.id).where(
        Notification.webhook_id == subscription.id, Notification.status == FAILED).order_by(Notification.id)))
