"""Cases and their append-only history of events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_contact_email", "contact_email"),
        Index("ix_cases_contact_phone", "contact_phone"),
        Index("ix_cases_status_submitted", "status", "submitted_at", "id"),
        # The staff queue: a department's cases, neediest first, then by the date they are due.
        Index("ix_cases_queue", "department", "assignee_id", "priority", "respond_by", "id"),
        # Cases at one place (possible duplicates), by the normalised address answered.
        Index("ix_cases_address_key", "address_key", "department"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    service_code: Mapped[str] = mapped_column(String(64), index=True)
    # The department working the case: the service's when it is sent, another after a transfer.
    department: Mapped[str] = mapped_column(String(64), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("service_definition_versions.id"))
    # The draft this case came from: unique, so one draft can never make two cases.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]]
    contact_name: Mapped[str | None] = mapped_column(String(200))
    # Normalised forms (lower-case email, E.164 phone) so tracking can match what was typed.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_preference: Mapped[str | None] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    tracking_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    respond_by: Mapped[date]
    resolve_by: Mapped[date]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The resident's rating of the service once it is done (1 to 5), and what they said.
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None]
    # Staff work: who has the case, how urgent it is (higher first) and why (the service's priority
    # rules that matched the answers), and a number raised by every change, so a form sent after
    # another change is seen to be stale.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    priority: Mapped[int] = mapped_column(default=0)
    priority_reasons: Mapped[list[str]] = mapped_column(default=list)
    revision: Mapped[int] = mapped_column(default=0)
    # How the case reached us (web, phone, counter, post, email, api) and, when staff entered it for
    # the resident, who did.
    channel: Mapped[str] = mapped_column(String(16), default="web")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    # The address the case is about, normalised (``portal.cases.places.address_key``), to find other
    # cases at the same place; None when the service asks no address.
    address_key: Mapped[str | None] = mapped_column(String(200))
    # A duplicate merged into another case: the primary case.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", lazy="selectin"
    )


class CaseEvent(Base):
    """One thing that happened to a case. Rows are only ever added."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_from: Mapped[str | None] = mapped_column(String(32))
    status_to: Mapped[str] = mapped_column(String(32))
    public_note: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    # The resident's own words, e.g. their answer to a request for information.
    resident_note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    # The workflow action or staff step (assign, transfer, merge, …) and what it needs to be told
    # again (e.g. the departments of a transfer); None for events from before actions were recorded.
    action: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
