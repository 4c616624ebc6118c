"""What a browser has proved, held on the server: the cases it tracked and the drafts it holds.

The browser's cookie carries only a random token for its visit; the grants live in the ``visits``
row. Signing out ends the visit, "sign out everywhere" ends every visit of the account, and a
replayed copy of an old cookie finds an ended visit and proves nothing.

A guest's visit is made only when there is something to remember (a case proved, a draft begun),
so browsing the site writes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..models import Visit
from ..models.base import utcnow

IDLE = timedelta(hours=24)
ABSOLUTE = timedelta(days=7)
TOUCH_EVERY = timedelta(seconds=60)
MAX_CASES = 20  # cases one visit remembers, newest first


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Grants:
    """What one visit has proved. Case ids, newest first; a draft token per service code."""

    cases: list[int]
    drafts: dict[str, str]

    @classmethod
    def of(cls, visit: Visit | None) -> Grants:
        raw = (visit.grants if visit is not None else None) or {}
        cases = [c for c in raw.get("cases", []) if isinstance(c, int)]
        drafts = {k: v for k, v in (raw.get("drafts") or {}).items() if isinstance(v, str)}
        return cls(cases, drafts)

    def as_json(self) -> dict:
        return {"cases": self.cases[:MAX_CASES], "drafts": self.drafts}


def load(session: Session, token: str | None) -> Visit | None:
    """The live visit for ``token``, or None (unknown, ended, or past its time)."""
    if not token or len(token) > 128:
        return None
    visit = session.scalar(select(Visit).filter_by(token_hash=_hash(token)))
    now = utcnow()
    if visit is None or visit.ended_at is not None or now >= visit.expires_at or now >= visit.last_seen_at + IDLE:
        return None
    if now - visit.last_seen_at >= TOUCH_EVERY:
        visit.last_seen_at = now
    return visit


def start(session: Session, grants: Grants | None = None, *, account_id: int | None = None) -> tuple[Visit, str]:
    """A new visit holding ``grants``; returns it and the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    visit = Visit(token_hash=_hash(token), account_id=account_id, created_at=now, last_seen_at=now,
                  expires_at=now + ABSOLUTE, grants=(grants or Grants([], {})).as_json())
    session.add(visit)
    session.flush()
    return visit, token


def save(visit: Visit, grants: Grants) -> None:
    visit.grants = grants.as_json()


def remember_case(grants: Grants, case_id: int) -> None:
    grants.cases = [case_id] + [c for c in grants.cases if c != case_id]


def end(session: Session, visit: Visit | None) -> None:
    """End the visit (a statement, not a flush: the row may already be gone with its account)."""
    if visit is not None:
        session.execute(update(Visit).where(Visit.id == visit.id, Visit.ended_at.is_(None))
                        .values(ended_at=utcnow(), grants={}).execution_options(synchronize_session=False))
        session.expire(visit)


def end_all(session: Session, account_id: int, *, except_visit: int | None = None) -> int:
    """End every visit signed in to the account (sign out everywhere, password changed)."""
    query = update(Visit).where(Visit.account_id == account_id, Visit.ended_at.is_(None))
    if except_visit is not None:
        query = query.where(Visit.id != except_visit)
    return session.execute(query.values(ended_at=utcnow(), grants={})).rowcount


def purge(session: Session) -> int:
    """Delete visits past their time (run with the daily jobs)."""
    now = utcnow()
    return session.execute(delete(Visit).where((Visit.expires_at < now) | Visit.ended_at.is_not(None)
                                               | (Visit.last_seen_at < now - IDLE))).rowcount
