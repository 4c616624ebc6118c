"""How a resident (an account, or a guest for one case) wants the agency to contact them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

# What a resident chooses about how we contact them (an account's, or a guest's for one case).
PREFERENCE_FIELDS = (
    "preferred_channel", "email", "phone", "postal", "locale", "large_print", "braille",
    "audio", "easy_read", "interpreter_language", "tty_relay", "want_updates", "want_reminders",
)


class ContactPreferences(Base):
    __tablename__ = "contact_preferences"
    __table_args__ = (
        CheckConstraint("(account_id IS NULL) != (case_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    preferred_channel: Mapped[str] = mapped_column(String(16), default="email")  # email|text|phone|post|none
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))  # E.164
    # Postal address: {"line1", "line2", "city", "state", "zip"}.
    postal: Mapped[dict[str, Any]] = mapped_column(default=dict)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    # Accessible formats and accommodations.
    large_print: Mapped[bool] = mapped_column(default=False)
    braille: Mapped[bool] = mapped_column(default=False)
    audio: Mapped[bool] = mapped_column(default=False)
    easy_read: Mapped[bool] = mapped_column(default=False)
    interpreter_language: Mapped[str | None] = mapped_column(String(64))
    tty_relay: Mapped[bool] = mapped_column(default=False)
    # Optional messages; updates required by law are always sent.
    want_updates: Mapped[bool] = mapped_column(default=True)
    want_reminders: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
