"""SQLAlchemy models, one module per aggregate."""

from .audit import AuditRecord
from .base import Base
from .cases import Case, CaseEvent
from .catalog import ServiceDefinitionVersion
from .drafts import Draft

__all__ = ["AuditRecord", "Base", "Case", "CaseEvent", "Draft", "ServiceDefinitionVersion"]
