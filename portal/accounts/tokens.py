"""Single-use, time-limited links sent by email."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Account, EmailToken
from ..models.base import utcnow

LIFETIME = {"verify": timedelta(hours=24), "reset": timedelta(hours=1), "change_email": timedelta(hours=24)}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, account: Account, purpose: str, email: str | None = None) -> str:
    """A new link token; earlier unused tokens for the same purpose stop working."""
    now = utcnow()
    session.execute(
        update(EmailToken)
        .where(EmailToken.account_id == account.id, EmailToken.purpose == purpose, EmailToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(EmailToken(token_hash=_hash(token), account_id=account.id, purpose=purpose,
                           email=email or account.email, created_at=now, expires_at=now + LIFETIME[purpose]))
    session.flush()
    return token


def peek(session: Session, token: str, purpose: str) -> EmailToken | None:
    """The token's row if it is still usable, without using it."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(select(EmailToken).filter_by(token_hash=_hash(token), purpose=purpose))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def consume(session: Session, token: str, purpose: str) -> EmailToken | None:
    """Use the token once. None when unknown, used, expired or for another purpose."""
    row = peek(session, token, purpose)
    if row is None:
        return None
    # Conditional update: of two simultaneous uses, only one succeeds.
    done = session.execute(
        update(EmailToken).where(EmailToken.id == row.id, EmailToken.used_at.is_(None)).values(used_at=utcnow())
    )
    if done.rowcount != 1:
        return None
    session.refresh(row)
    return row
