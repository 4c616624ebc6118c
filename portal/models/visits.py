"""What a browser has proved, kept on the server so that signing out ends it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Visit(Base):
    """One browser's visit. The cookie holds a random token; only its hash is stored.

    ``grants`` holds what the browser proved: the cases it tracked by reference and contact detail
    or by a private link, and the drafts it is answering. Ending the visit (sign out, sign out
    everywhere, time limits) ends them all, whatever copy of the cookie is replayed.
    """

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    grants: Mapped[dict[str, Any]] = mapped_column(default=dict)
