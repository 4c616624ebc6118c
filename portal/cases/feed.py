"""Every event of the cases an actor may read, in the order they happened, from a position on: a
change feed that keeps another system in step without reading each case again.

The position is an event's id. Which cases: those of the departments the policy lets the actor
read now (a case transferred away leaves the old department's feed with the rest of its history,
as it leaves its reach; the new department reads its history by reading the case). Each page's
reads of personal data (the notes) are audited, one record per case.

On PostgreSQL ids are handed out when a row is written, not when its transaction commits, so an
event with a lower id can become visible after one with a higher id. A page therefore stops short
of events younger than ``settle`` (a few seconds, far longer than any request's transaction), so
the feed never steps past an event that is still being committed. SQLite commits one writer at a
time, in the order of its ids, and needs no wait.

The query needs no index of its own: it walks ``case_events``' primary key from the cursor and
finds each case by its primary key, or, for a client in step, starts from ``ix_cases_department``.
On PostgreSQL 15 with 500,000 events over 100,000 cases, a page of 50 took 5 ms for a department
with a ninth of the cases, 70 ms from the start for one with a hundredth, 1.5 ms in step; an index
on (case_id, id) went unused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..actors import Actor
from ..models import Case, CaseEvent
from ..models.base import utcnow
from . import policy


@dataclass(frozen=True)
class Page:
    events: list[tuple[CaseEvent, Case]]
    next_after: int  # the position to ask from next time (the same when nothing was new)
    more: bool  # another page is ready now


def page(session: Session, actor: Actor, after: int, size: int, *, settle: timedelta = timedelta()) -> Page:
    """Up to ``size`` events after the event ``after`` (0: from the start), oldest first."""
    departments = policy.departments_for(actor, policy.CASE_READ)
    query = (select(CaseEvent, Case).join(Case, Case.id == CaseEvent.case_id)
             .where(CaseEvent.id > after).order_by(CaseEvent.id).limit(size + 1))
    if departments is not None:
        query = query.where(Case.department.in_(sorted(departments)))
    if settle and session.get_bind().dialect.name == "postgresql":
        query = query.where(CaseEvent.occurred_at <= utcnow() - settle)
    rows = [(event, case) for event, case in session.execute(query)]
    found, more = rows[:size], len(rows) > size
    seen: dict[str, list[int]] = {}
    for event, case in found:
        seen.setdefault(case.reference, []).append(event.id)
    for reference, ids in seen.items():
        audit.record(session, actor, "case.read", target_type="case", target_id=reference,
                     details={"via": "feed", "events": ids})
    return Page(found, found[-1][0].id if found else after, more)
