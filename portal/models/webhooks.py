"""Webhook subscriptions of API clients: where to send which events about the cases the client may
read, and the secret each delivery is signed with (Standard Webhooks). The deliveries themselves are
messages of the outbox (``Notification`` rows on the ``webhook`` channel)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # How the client names it (the API's {webhook_id}); never the row's number.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(default=list)
    # "whsec_" and the base64 of the key: the Standard Webhooks form, shown to the client once.
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Deleted subscriptions are kept (without their secret) so their delivery log stays readable.
    deleted_at: Mapped[datetime | None]
