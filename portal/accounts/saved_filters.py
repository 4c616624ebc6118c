"""Queue views a member of staff saved: a name and the queue page's query string, theirs alone."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import SavedFilter

MAX_FILTERS = 50
NAME_LENGTH = 80
QUERY_LENGTH = 1000


class FilterError(ValueError):
    """``code``: "name" (empty or too long), "query" (too long), "taken" (the name is used),
    "too_many" (the member has MAX_FILTERS already)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def for_member(session: Session, staff_id: int) -> list[SavedFilter]:
    return list(session.scalars(select(SavedFilter).where(SavedFilter.staff_id == staff_id)
                                .order_by(SavedFilter.name, SavedFilter.id)))


def save(session: Session, staff_id: int, name: str, query: str) -> SavedFilter:
    """Save ``query`` under ``name`` for the member; a name they used already is refused."""
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_LENGTH:
        raise FilterError("name")
    if len(query) > QUERY_LENGTH:
        raise FilterError("query")
    mine = for_member(session, staff_id)
    if any(f.name.casefold() == name.casefold() for f in mine):
        raise FilterError("taken")
    if len(mine) >= MAX_FILTERS:
        raise FilterError("too_many")
    saved = SavedFilter(staff_id=staff_id, name=name, query=query)
    session.add(saved)
    session.flush()
    return saved


def remove(session: Session, staff_id: int, filter_id: int) -> bool:
    """Delete one of the member's saved filters; False when they have none with that id."""
    done = session.execute(delete(SavedFilter).where(SavedFilter.id == filter_id,
                                                     SavedFilter.staff_id == staff_id))
    return done.rowcount == 1
