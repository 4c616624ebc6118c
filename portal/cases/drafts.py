"""Drafts: the answers a resident has given so far, kept until they submit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog import ServiceDefinition
from ..models import Case, Draft
from ..models.base import utcnow
from .definitions import definition_of, stored_version

DRAFT_LIFETIME = timedelta(days=7)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def find(session: Session, token: str | None, code: str) -> Draft | None:
    """The unexpired draft for this token and service, if any."""
    if not token:
        return None
    draft = session.scalar(select(Draft).filter_by(token_hash=token_hash(token)))
    if draft is None or draft.expires_at < utcnow():
        return None
    if definition_of_draft(session, draft).code != code:
        return None
    return draft


def definition_of_draft(session: Session, draft: Draft) -> ServiceDefinition:
    from ..models import ServiceDefinitionVersion

    return definition_of(session.get(ServiceDefinitionVersion, draft.definition_id))


def start(session: Session, definition: ServiceDefinition, locale: str,
          account_id: int | None = None) -> tuple[Draft, str]:
    """A new draft under the current definition, and the token that opens it."""
    token = new_token()
    version = stored_version(session, definition)
    now = utcnow()
    draft = Draft(
        token_hash=token_hash(token),
        definition_id=version.id,
        account_id=account_id,
        answers={},
        contact={},
        locale=locale,
        created_at=now,
        updated_at=now,
        expires_at=now + DRAFT_LIFETIME,
    )
    session.add(draft)
    session.flush()
    return draft, token


def save_answer(session: Session, draft: Draft, code: str, value: Any) -> None:
    answers = dict(draft.answers)
    answers[code] = value
    draft.answers = answers
    draft.expires_at = utcnow() + DRAFT_LIFETIME


def save_contact(session: Session, draft: Draft, contact: dict[str, Any]) -> None:
    draft.contact = dict(contact)
    draft.expires_at = utcnow() + DRAFT_LIFETIME


def submitted_case(session: Session, draft: Draft) -> Case | None:
    return session.scalar(select(Case).filter_by(draft_id=draft.id))
