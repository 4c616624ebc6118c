"""The transactional outbox: a message is written in the same transaction as the change that
owes it, and a worker delivers it with retries. Every attempt is recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
CANCELLED = "cancelled"  # an optional message switched off after it was queued


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique per message owed, so a retried transaction cannot queue it twice.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | letter | call | webhook
    template: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[dict[str, Any]]  # {"email": …} | {"phone": …} | {"name": …, "postal": {…}}
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    optional: Mapped[bool] = mapped_column(default=False)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    # A webhook delivery (channel "webhook"): the subscription it goes to.
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
                                                   index=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="notification", order_by="DeliveryAttempt.id", cascade="all, delete-orphan"
    )


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    worker: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # sent | retry | failed | cancelled
    error: Mapped[str | None] = mapped_column(Text)
    # The HTTP status a webhook receiver answered with, when it answered at all.
    response_code: Mapped[int | None]

    notification: Mapped[Notification] = relationship(back_populates="attempt_log")
