"""Staff members of the agency, kept apart from resident accounts, and what belongs to them: their
server-side sessions, second-factor recovery codes, sign-ins through the agency's OpenID provider,
saved queue filters, and the response templates their departments use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class StaffMember(Base):
    """A member of staff. No web action turns a resident account into one: staff are created on the
    command line or by an administrator, and sign in on the staff pages only."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalised (lower-case) work email; unique among staff.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    # None for a member who only signs in through the agency's OpenID provider.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The TOTP secret (base32), and the last time step a code was accepted for, so no code is used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    # Role names (portal.cases.policy.ROLES) and department codes (the catalog's).
    roles: Mapped[list[str]] = mapped_column(default=list)
    departments: Mapped[list[str]] = mapped_column(default=list)
    # A demonstration member made by seed-demo; production refuses to start while one exists.
    demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]

    recovery_codes: Mapped[list[StaffRecoveryCode]] = relationship(
        back_populates="member", cascade="all, delete-orphan")


class StaffRecoveryCode(Base):
    """A single-use code that stands in for the second factor when the device is lost."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    member: Mapped[StaffMember] = relationship(back_populates="recovery_codes")


class StaffIdentity(Base):
    """A sign-in through the agency's OpenID provider, linked to a member of staff."""

    __tablename__ = "staff_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffSession(Base):
    """A signed-in staff browser: idles out sooner than a resident's, and remembers when the member
    last proved who they are, for the actions that ask again (exports, role changes, legal holds)."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)  # password and second factor, or the provider
    revoked_at: Mapped[datetime | None]
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class SavedFilter(Base):
    """A queue view a member of staff saved: a name and the query string of the queue page."""

    __tablename__ = "staff_saved_filters"
    __table_args__ = (UniqueConstraint("staff_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResponseTemplate(Base):
    """A message staff start from when they act on a case: for a department, optionally one service,
    and one workflow action, with its text in every shipped language (``texts``: locale → text).
    Placeholders such as ``{reference}`` are filled in when the message is made."""

    __tablename__ = "response_templates"
    __table_args__ = (UniqueConstraint("department", "service_code", "action", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    service_code: Mapped[str | None] = mapped_column(String(64))  # None: any service of the department
    action: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
