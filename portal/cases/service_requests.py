"""Service requests as anyone may see them (Open311's ``GET requests``): complaints only — permits
and benefits are nobody's business but their applicant's — and of each only what is public: the
service, the status (open or closed), the public notes, the dates and where the problem is. Never
the resident's contact details, their description or their other answers; nothing read here is
personal data, so nothing here is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import Case, CaseEvent
from . import workflow

PUBLIC_KINDS = ("complaint",)
OPEN, CLOSED = "open", "closed"


def is_closed(case: Case) -> bool:
    flow = workflow.of(case.kind)
    return case.status in flow.final or case.status in flow.decided


def open_or_closed(case: Case) -> str:
    return CLOSED if is_closed(case) else OPEN


def _public_event():
    """An event the public may see: the case was made, its status moved, or it has a public note
    (an internal note, or a resident's message, is never one)."""
    return or_(CaseEvent.status_from.is_(None), CaseEvent.status_from != CaseEvent.status_to,
               CaseEvent.public_note.is_not(None))


def _closed_statuses() -> set[str]:
    return {s for kind in PUBLIC_KINDS for s in (*workflow.of(kind).final, *workflow.of(kind).decided)}


@dataclass(frozen=True)
class Search:
    references: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()  # open | closed
    offset: int = 0
    limit: int = 50


def find(session: Session, search: Search) -> list[Case]:
    """The public service requests that match, newest first (a page of them)."""
    query = select(Case).where(Case.kind.in_(PUBLIC_KINDS), Case.merged_into_id.is_(None))
    if search.references:
        query = query.where(Case.reference.in_(search.references))
    if search.service_codes:
        query = query.where(Case.service_code.in_(search.service_codes))
    if search.start is not None:
        query = query.where(Case.submitted_at >= search.start)
    if search.end is not None:
        query = query.where(Case.submitted_at <= search.end)
    wanted = set(search.statuses)
    if wanted == {OPEN}:
        query = query.where(Case.status.not_in(_closed_statuses()))
    elif wanted == {CLOSED}:
        query = query.where(Case.status.in_(_closed_statuses()))
    query = query.order_by(Case.submitted_at.desc(), Case.id.desc()).offset(search.offset).limit(search.limit)
    return list(session.scalars(query))


def get(session: Session, reference: str) -> Case | None:
    found = find(session, Search(references=(reference,), limit=1))
    return found[0] if found else None


@dataclass(frozen=True)
class Update:
    """A change of a request anyone may read: when, the status it left it in, the public note."""

    id: int
    reference: str
    occurred_at: datetime
    status: str
    note: str | None


def updates(session: Session, cases: list[Case]) -> dict[int, list[Update]]:
    """Each case's public history, oldest first (internal notes are never in it)."""
    found: dict[int, list[Update]] = {case.id: [] for case in cases}
    if not cases:
        return found
    by_id = {case.id: case for case in cases}
    rows = session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(list(by_id)), _public_event())
                           .order_by(CaseEvent.occurred_at, CaseEvent.id))
    for event in rows:
        case = by_id[event.case_id]
        found[case.id].append(Update(event.id, case.reference, event.occurred_at,
                                     CLOSED if event.status_to in _closed_statuses() else OPEN, event.public_note))
    return found


def updates_since(session: Session, start: datetime, end: datetime | None, limit: int) -> list[Update]:
    """Public updates of every public request at or after ``start`` (FixMyStreet's
    ``servicerequestupdates``), oldest first."""
    query = (select(CaseEvent, Case).join(Case, Case.id == CaseEvent.case_id)
             .where(Case.kind.in_(PUBLIC_KINDS), CaseEvent.occurred_at >= start, CaseEvent.status_from.is_not(None),
                    _public_event()))
    if end is not None:
        query = query.where(CaseEvent.occurred_at <= end)
    rows = session.execute(query.order_by(CaseEvent.occurred_at, CaseEvent.id).limit(limit))
    closed = _closed_statuses()
    return [Update(event.id, case.reference, event.occurred_at, CLOSED if event.status_to in closed else OPEN,
                   event.public_note) for event, case in rows]


def latest_note(history: list[Update]) -> str | None:
    return next((u.note for u in reversed(history) if u.note), None)


def location(case: Case, address_code: str | None) -> dict[str, Any]:
    """Where the problem is, from the case's address answer: street, ZIP, latitude and longitude."""
    answer = (case.answers or {}).get(address_code) if address_code else None
    return answer if isinstance(answer, dict) else {}
