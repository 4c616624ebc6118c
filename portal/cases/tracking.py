"""Finding a case for the person who made it, and what they may see of it."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Case
from . import states
from .contact import normalise_email, normalise_phone
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
    """A case by reference, for a caller that has already checked access to it."""
    return session.scalar(select(Case).filter_by(reference=reference))


def definition_for(session: Session, case: Case):
    from ..models import ServiceDefinitionVersion
    from .definitions import definition_of

    return definition_of(session.get(ServiceDefinitionVersion, case.definition_id))


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


def public_view(case: Case) -> PublicView:
    updates = [
        PublicUpdate(e.occurred_at, e.status_to, e.public_note, e.resident_note, e.id)
        for e in case.events
        if e.status_from != e.status_to or e.public_note or e.resident_note
    ]
    return PublicView(
        reference=case.reference,
        service_code=case.service_code,
        kind=case.kind,
        status=case.status,
        submitted_at=case.submitted_at,
        respond_by=case.respond_by,
        resolve_by=case.resolve_by,
        finished=case.status in states.FINAL or case.status in {states.RESOLVED, states.APPROVED, states.DENIED},
        updates=list(reversed(updates)),
    )


def cases_for_account(session: Session, account_id: int, *, before: int | None = None,
                      limit: int = 20) -> list[Case]:
    """The account's cases, newest first, one page at a time (keyset: ids below ``before``)."""
    query = select(Case).filter_by(account_id=account_id)
    if before is not None:
        query = query.where(Case.id < before)
    return list(session.scalars(query.order_by(Case.id.desc()).limit(limit)))
