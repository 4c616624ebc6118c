"""Server-side sessions: ended from the server, with idle and absolute time limits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit
from ..models import Account, AccountSession
from ..models.base import utcnow
from . import visits

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
TOUCH_EVERY = timedelta(seconds=60)  # write last_seen_at at most once a minute


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Current:
    account: Account
    session: AccountSession
    token: str

    @property
    def idle_expires_at(self):
        return min(self.session.last_seen_at + IDLE, self.session.expires_at)


def start(session: Session, account: Account, address: str | None, user_agent: str | None) -> str:
    """A new session for ``account``; returns the token for the cookie (a new one every sign-in)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(AccountSession(token_hash=_hash(token), account_id=account.id, created_at=now,
                               last_seen_at=now, expires_at=now + ABSOLUTE, address=address,
                               user_agent=(user_agent or "")[:300]))
    session.flush()
    return token


def load(session: Session, token: str | None, *, touch: bool = True) -> tuple[Current | None, str | None]:
    """The signed-in session for ``token`` and None, or None and why not ("timeout", "ended")."""
    if not token:
        return None, None
    row = session.scalar(select(AccountSession).filter_by(token_hash=_hash(token)))
    if row is None or row.revoked_at is not None:
        return None, "ended"
    now = utcnow()
    if now >= row.expires_at or now >= row.last_seen_at + IDLE:
        return None, "timeout"
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Current(session.get(Account, row.account_id), row, token), None


def extend(session: Session, current: Current) -> None:
    current.session.last_seen_at = utcnow()


def end(session: Session, token: str) -> None:
    session.execute(update(AccountSession).where(AccountSession.token_hash == _hash(token),
                                                 AccountSession.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def end_all(session: Session, account_id: int, *, except_token: str | None = None) -> int:
    query = update(AccountSession).where(AccountSession.account_id == account_id,
                                         AccountSession.revoked_at.is_(None))
    if except_token:
        query = query.where(AccountSession.token_hash != _hash(except_token))
    return session.execute(query.values(revoked_at=utcnow())).rowcount


def end_everywhere(session: Session, account: Account, actor) -> int:
    """Sign the account out of every browser, this one included; audited."""
    ended = end_all(session, account.id)
    visits.end_all(session, account.id)
    audit.record(session, actor, "account.sign_out_everywhere", target_type="account",
                 target_id=str(account.id), details={"sessions": ended})
    return ended
