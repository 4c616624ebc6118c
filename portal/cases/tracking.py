"""Finding a case for the person who made it, and what they may see of it."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..actors import STAFF
from ..models import AuditRecord, Case, ServiceDefinitionVersion
from . import policy, workflow
from .contact import normalise_email, normalise_phone
from .definitions import definition_of
from .policy import Actor, Refused
from .submit import hash_token


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a.encode(), b.encode())


def find_by_reference(session: Session, reference: str, contact: str) -> Case | None:
    """The case with this reference, if ``contact`` is the email or phone given with it."""
    case = session.scalar(select(Case).filter_by(reference=reference))
    email = normalise_email(contact) if "@" in contact else None
    phone = None if email else normalise_phone(contact)
    if case is None:
        return None
    if _same(email, case.contact_email) or _same(phone, case.contact_phone):
        return case
    return None


def get(session: Session, reference: str) -> Case | None:
    """A case by reference, for a caller that checks access itself (``open_case`` does)."""
    return session.scalar(select(Case).filter_by(reference=reference))


def open_case(session: Session, actor: Actor, reference: str, permission: str = policy.CASE_READ) -> Case:
    """The case with this reference, if ``actor`` may use ``permission`` on it; ``Refused`` otherwise,
    the same for a case that does not exist (no one learns which references are taken).

    A read by anyone but the resident it belongs to is audited.
    """
    case = get(session, reference) if reference and len(reference) <= 16 else None
    if case is None:
        raise Refused(permission)
    record = policy.case_record(actor, case)
    try:
        policy.require(actor, permission, record)
    except Refused as refused:
        if refused.reason == "status" or policy.allowed(actor, policy.CASE_READ, record):
            raise  # they may see it, only not do this now
        raise Refused(permission) from None
    if permission == policy.CASE_READ and not policy.is_owner_read(actor, record):
        # Staff read a case through its department: the resident is told which one (``staff_views``).
        details = {"department": case.department} if case.department in actor.departments else None
        audit.record(session, actor, "case.read", target_type="case", target_id=case.reference, details=details)
    return case


def definition_for(session: Session, case: Case):
    return definition_of(session.get(ServiceDefinitionVersion, case.definition_id))


@dataclass(frozen=True)
class StaffView:
    """A time staff opened the case, and the department they opened it through (never who)."""

    occurred_at: datetime
    department: str | None


def staff_views(session: Session, case: Case, limit: int = 200) -> list[StaffView]:
    """When staff opened the case, newest first, from the audit trail."""
    query = (select(AuditRecord.occurred_at, AuditRecord.details)
             .where(AuditRecord.target_type == "case", AuditRecord.target_id == case.reference,
                    AuditRecord.action == "case.read", AuditRecord.outcome == "success",
                    AuditRecord.kind == STAFF)
             .order_by(AuditRecord.occurred_at.desc(), AuditRecord.id.desc()).limit(limit))
    return [StaffView(at, (details or {}).get("department")) for at, details in session.execute(query)]


def find_by_token(session: Session, token: str) -> Case | None:
    if not token or len(token) > 128:
        return None
    return session.scalar(select(Case).filter_by(tracking_token_hash=hash_token(token)))


@dataclass(frozen=True)
class PublicUpdate:
    occurred_at: datetime
    status: str
    note: str | None
    resident_note: str | None = None  # the resident's own words with this update
    event_id: int | None = None
    passed_to: str | None = None  # the department the case was passed to (a transfer)
    joined_to: str | None = None  # the reference of the case it was joined to (a merge)


@dataclass(frozen=True)
class PublicView:
    """What a resident sees of a case: never internal notes or staff names."""

    reference: str
    service_code: str
    kind: str
    status: str
    submitted_at: datetime
    respond_by: date
    resolve_by: date
    finished: bool
    updates: list[PublicUpdate]


def _told(event, action: str, key: str) -> str | None:
    """What the resident is told of a staff step from its details: the department a transfer
    passed the case to, the case a merge joined it to (not the duplicates joined to theirs)."""
    return (event.details or {}).get(key) if event.action == action else None


def public_view(case: Case) -> PublicView:
    updates = [
        PublicUpdate(e.occurred_at, e.status_to, e.public_note, e.resident_note, e.id,
                     passed_to=_told(e, "transfer", "to"), joined_to=_told(e, "merge", "primary"))
        for e in case.events
        if e.status_from != e.status_to or e.public_note or e.resident_note or _told(e, "transfer", "to")
    ]
    return PublicView(
        reference=case.reference,
        service_code=case.service_code,
        kind=case.kind,
        status=case.status,
        submitted_at=case.submitted_at,
        respond_by=case.respond_by,
        resolve_by=case.resolve_by,
        finished=workflow.of(case.kind).finished(case.status),
        updates=list(reversed(updates)),
    )


def cases_for_account(session: Session, account_id: int, *, before: int | None = None,
                      limit: int = 20) -> list[Case]:
    """The account's cases, newest first, one page at a time (keyset: ids below ``before``)."""
    query = select(Case).filter_by(account_id=account_id)
    if before is not None:
        query = query.where(Case.id < before)
    return list(session.scalars(query.order_by(Case.id.desc()).limit(limit)))
