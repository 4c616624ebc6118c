"""Every change to a case raises its revision. A form shown with one revision changes the case
only while it still has that revision: when another member of staff acted first, the change is
refused as ``Stale`` and nothing is written, so no one overwrites what they have not seen."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..models import Case, CaseEvent
from ..models.base import utcnow


class Stale(RuntimeError):
    """The case changed since the form was shown (its revision is no longer ``expected``):
    ``case`` as it is now, and, when read afresh (``stale``), ``events`` the latest of what
    happened to it (newest last)."""

    def __init__(self, case: Case, expected: int | None, events: list | tuple = ()):
        super().__init__(f"case {case.reference} is at revision {case.revision}, not {expected}")
        self.case, self.reference, self.revision = case, case.reference, case.revision
        self.expected = self.seen = expected
        self.events = list(events)


def parse(value) -> int | None:
    """The revision a form sent, or None when it sent none or nonsense (which is never current)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**31 else None


def check(case: Case, expected: int | None) -> None:
    """Raise ``Stale`` early when the case as loaded is already past ``expected``."""
    if expected is not None and (case.revision or 0) != expected:
        raise Stale(case, expected)


def change(session: Session, case: Case, expected: int | None, *where: Any, **values: Any) -> bool:
    """Update ``case`` with ``values`` and raise its revision, only where ``where`` still holds and
    (with ``expected``) its revision is still ``expected``. Returns False when ``where`` no longer
    holds; raises ``Stale`` when the revision moved on. Either way nothing is written."""
    now = utcnow()
    conditions = [Case.id == case.id, *where]
    if expected is not None:
        conditions.append(Case.revision == expected)
    moved = session.execute(
        update(Case).where(*conditions)
        .values(updated_at=now, revision=Case.revision + 1, **values)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        session.refresh(case)
        check(case, expected)
        return False
    for name, value in values.items():
        set_committed_value(case, name, value)
    set_committed_value(case, "updated_at", now)
    set_committed_value(case, "revision", (case.revision or 0) + 1)
    return True


def event(case: Case, actor_name: str, action: str, *, details: dict[str, Any] | None = None,
          **notes: Any) -> CaseEvent:
    """The event of a change that keeps the status (an assignment, a note), at the case's new
    revision."""
    return CaseEvent(case_id=case.id, occurred_at=case.updated_at, status_from=case.status,
                     status_to=case.status, actor=actor_name, action=action,
                     details={**(details or {}), "revision": case.revision}, **notes)


def since(case: Case, revision: int) -> list[CaseEvent]:
    """The events of changes made after ``revision`` (newest last)."""
    return [e for e in case.events if int((e.details or {}).get("revision") or 0) > revision]


def claim(session: Session, case: Case, seen: int | None, **values: Any) -> None:
    """Set ``values`` on ``case`` and raise its revision, only if it is still at ``seen`` (a form
    that sent no revision is never current); raise ``stale()`` (writing nothing) otherwise."""
    try:
        if seen is None:
            raise Stale(case, seen)
        change(session, case, seen, **values)
    except Stale:
        raise stale(session, case, seen) from None


def stale(session: Session, case: Case, seen: int | None, recent: int = 5) -> Stale:
    """The ``Stale`` error for ``case`` read afresh, with its last ``recent`` events."""
    session.refresh(case)
    session.expire(case, ["events"])
    return Stale(case, seen, list(case.events)[-recent:])
