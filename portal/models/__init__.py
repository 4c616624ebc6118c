"""SQLAlchemy models, one module per aggregate."""

from .accounts import Account, AccountSession, EmailToken, Identity
from .audit import AuditChain, AuditRecord
from .base import Base
from .cases import Case, CaseEvent
from .catalog import ServiceDefinitionVersion
from .contact import ContactPreferences
from .documents import Document
from .drafts import Draft
from .notifications import DeliveryAttempt, Notification
from .visits import Visit

__all__ = [
    "Account", "AccountSession", "AuditChain", "AuditRecord", "Base", "Case", "CaseEvent", "ContactPreferences",
    "DeliveryAttempt", "Document", "Draft", "EmailToken", "Identity", "Notification", "ServiceDefinitionVersion",
    "Visit",
]
