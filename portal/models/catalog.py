"""Every version of every service definition a case may have been given under."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ServiceDefinitionVersion(Base):
    __tablename__ = "service_definition_versions"
    __table_args__ = (UniqueConstraint("code", "version"), UniqueConstraint("code", "digest"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]]
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
