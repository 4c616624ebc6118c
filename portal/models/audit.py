"""The audit trail: append-only rows in independent hash chains, each chain with a head row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class AuditRecord(Base):
    __tablename__ = "audit_records"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Which chain the row belongs to, and its place in it (1, 2, 3… with no gaps).
    chain: Mapped[int]
    seq: Mapped[int]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(16))  # resident, guest, staff… when the actor says
    source: Mapped[str] = mapped_column(String(16))
    # The client's address is personal data: erasable. The hash covers the salted commitment, so
    # setting the address and its salt to NULL leaves the chain intact.
    address: Mapped[str | None] = mapped_column(String(64))
    address_salt: Mapped[str | None] = mapped_column(String(32))
    address_commitment: Mapped[str | None] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChain(Base):
    """The head of one chain: its length and last hash. A writer locks only its chain's head."""

    __tablename__ = "audit_chains"

    chain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    # The chain's last record; no foreign key, so a deleted last record can still be named.
    record_id: Mapped[int | None]
