"""Staff sessions on the server: they idle out after 15 minutes, end at the latest after a working
day, and remember when the member last proved who they are (for actions that ask again)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import StaffMember, StaffSession
from ..models.base import utcnow

IDLE = timedelta(minutes=15)
ABSOLUTE = timedelta(hours=10)
REVERIFY_AFTER = timedelta(minutes=5)  # exports, role changes and legal holds ask again after this
TOUCH_EVERY = timedelta(seconds=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Current:
    member: StaffMember
    session: StaffSession
    token: str

    @property
    def idle_expires_at(self):
        return min(self.session.last_seen_at + IDLE, self.session.expires_at)

    @property
    def recently_verified(self) -> bool:
        return utcnow() - self.session.verified_at < REVERIFY_AFTER


def start(session: Session, member: StaffMember, address: str | None, user_agent: str | None) -> str:
    """A new session for ``member`` (a new token every sign-in); returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(StaffSession(token_hash=_hash(token), staff_id=member.id, created_at=now, last_seen_at=now,
                             verified_at=now, expires_at=now + ABSOLUTE, address=address,
                             user_agent=(user_agent or "")[:300]))
    session.flush()
    return token


def load(session: Session, token: str | None, *, touch: bool = True) -> tuple[Current | None, str | None]:
    """The signed-in staff session for ``token`` and None, or None and why not ("timeout", "ended")."""
    if not token:
        return None, None
    row = session.scalar(select(StaffSession).filter_by(token_hash=_hash(token)))
    if row is None or row.revoked_at is not None:
        return None, "ended"
    member = session.get(StaffMember, row.staff_id)
    if member is None or member.disabled_at is not None:
        return None, "ended"
    now = utcnow()
    if now >= row.expires_at or now >= row.last_seen_at + IDLE:
        return None, "timeout"
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Current(member, row, token), None


def extend(current: Current) -> None:
    current.session.last_seen_at = utcnow()


def reverified(current: Current) -> None:
    """The member proved who they are again (password or second factor)."""
    current.session.verified_at = current.session.last_seen_at = utcnow()


def end(session: Session, token: str) -> None:
    session.execute(update(StaffSession).where(StaffSession.token_hash == _hash(token),
                                               StaffSession.revoked_at.is_(None)).values(revoked_at=utcnow()))


def end_all(session: Session, staff_id: int) -> int:
    return session.execute(update(StaffSession).where(StaffSession.staff_id == staff_id,
                                                      StaffSession.revoked_at.is_(None))
                           .values(revoked_at=utcnow())).rowcount
