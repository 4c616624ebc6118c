"""SQLAlchemy models, one module per aggregate."""

from .accounts import Account, AccountSession, EmailToken, Identity
from .api import ApiClient, ApiToken, IdempotencyKey
from .audit import AuditChain, AuditRecord
from .base import Base
from .cases import Case, CaseEvent
from .catalog import ServiceDefinitionVersion
from .contact import ContactPreferences
from .documents import Document
from .drafts import Draft
from .notifications import DeliveryAttempt, Notification
from .staff import ResponseTemplate, SavedFilter, StaffIdentity, StaffMember, StaffRecoveryCode, StaffSession
from .visits import Visit
from .webhooks import WebhookSubscription

__all__ = [
    "Account", "AccountSession", "ApiClient", "ApiToken", "AuditChain", "AuditRecord", "Base", "Case", "CaseEvent", "ContactPreferences",
    "DeliveryAttempt", "Document", "Draft", "EmailToken", "IdempotencyKey", "Identity", "Notification", "ResponseTemplate", "SavedFilter",
    "ServiceDefinitionVersion", "StaffIdentity", "StaffMember", "StaffRecoveryCode", "StaffSession", "Visit",
    "WebhookSubscription",
]
