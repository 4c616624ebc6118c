"""A resident's answers while they go through a service's questions, before submitting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Draft(Base):
    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The draft is found by a random token kept in the resident's session; only its hash is stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("service_definition_versions.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    contact: Mapped[dict[str, Any]] = mapped_column(default=dict)
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # A guest may ask for a way back: a link by email, or a short code. Only hashes are kept.
    resume_email: Mapped[str | None] = mapped_column(String(254))
    resume_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # When the resident was told the draft is about to be deleted.
    expiry_notice_at: Mapped[datetime | None]
