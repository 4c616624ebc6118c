"""Merging a duplicate into its primary case.

Two residents report the same pothole: staff work one case (the primary) and merge the other (the
duplicate) into it. The duplicate is closed by the workflow's "merge" action, remembers its primary
(``Case.merged_into_id``) and its resident is told their request was joined to the primary's
reference (``case_merged``). From then on the news of the primary — its updates and decisions —
is queued for the duplicate's resident too, in their own language and by their own channel
(``portal.notify.outbox.queue_for_case``). The primary's resident is told nothing new: their case
goes on as before, and other residents' requests are none of their business.

Both cases must be in the scope of the member merging them (``CASE_MERGE`` on each), of the same
kind of service, and open; a case is merged once, never into itself or into a merged case.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit
from ..models import Case, CaseEvent
from ..models.base import utcnow
from . import policy, revisions, transitions, workflow
from .policy import Actor, Refused
from .transfer import FINISHED, NOTE_MAX, NotPossible, clean

ACTION = "merge"
CANDIDATES = 30

# Why a merge cannot be done (besides those of ``portal.cases.transfer``).
SELF = "self"
NO_PRIMARY = "no_primary"  # no case by that reference that the member may merge into
PRIMARY_MERGED = "primary_merged"
PRIMARY_FINISHED = "primary_finished"
ALREADY_MERGED = "already_merged"
OTHER_KIND = "other_kind"


def _open(case: Case) -> bool:
    return not workflow.of(case.kind).finished(case.status)


def _check(actor: Actor, duplicate: Case, primary: Case | None) -> Case:
    if primary is not None and primary.id == duplicate.id:
        raise NotPossible(SELF)
    if primary is None or not policy.allowed(actor, policy.CASE_MERGE, policy.case_record(actor, primary)):
        raise NotPossible(NO_PRIMARY)  # the same whether it does not exist or is out of scope
    if primary.merged_into_id is not None:
        raise NotPossible(PRIMARY_MERGED)
    if not _open(primary):
        raise NotPossible(PRIMARY_FINISHED)
    if primary.kind != duplicate.kind:
        raise NotPossible(OTHER_KIND)
    return primary


def merge(session: Session, actor: Actor, duplicate: Case, primary_reference: str, *, seen: int | None,
          note: str | None = None) -> CaseEvent:
    """Merge ``duplicate`` into the case ``primary_reference``, with ``note`` for staff only.

    Raises ``Refused`` (audited) when ``actor`` may not merge ``duplicate``, ``NotPossible`` when the
    merge cannot be done as asked, and ``revisions.Stale`` when the duplicate changed since the form
    showed revision ``seen`` (a second press of the button among them). Returns the duplicate's event.
    """
    try:
        policy.require(actor, policy.CASE_MERGE, policy.case_record(actor, duplicate))
    except Refused:
        audit.record(session, actor, "case.merge", outcome="failure", target_type="case",
                     target_id=duplicate.reference, details={"into": primary_reference})
        raise
    note = clean(note, NOTE_MAX)
    if duplicate.revision != seen:
        raise revisions.stale(session, duplicate, seen)
    if duplicate.merged_into_id is not None:
        raise NotPossible(ALREADY_MERGED)
    if not _open(duplicate):
        raise NotPossible(FINISHED)
    reference = (primary_reference or "").strip().upper()
    found = session.scalar(select(Case).filter_by(reference=reference)) if 0 < len(reference) <= 16 else None
    primary = _check(actor, duplicate, found)
    # The primary must still be open and unmerged as this transaction writes (two members merging
    # two cases into each other at once: one of them finds the other case merged).
    touched = session.execute(
        update(Case).where(Case.id == primary.id, Case.merged_into_id.is_(None), Case.status == primary.status)
        .values(revision=Case.revision + 1, updated_at=utcnow()).execution_options(synchronize_session=False))
    if touched.rowcount != 1:
        raise NotPossible(PRIMARY_MERGED)
    revisions.claim(session, duplicate, seen, merged_into_id=primary.id)
    # Cases merged into the duplicate earlier follow the primary now, so news never goes two hops.
    session.execute(update(Case).where(Case.merged_into_id == duplicate.id)
                    .values(merged_into_id=primary.id).execution_options(synchronize_session=False))
    event = transitions.act(session, duplicate, ACTION, actor, internal_note=note or None,
                            details={"primary": primary.reference},
                            message={"primary_reference": primary.reference})
    session.add(CaseEvent(case_id=primary.id, occurred_at=event.occurred_at, status_from=primary.status,
                          status_to=primary.status, internal_note=note or None, actor=actor.name,
                          action=ACTION, details={"duplicate": duplicate.reference}))
    audit.record(session, actor, "case.merge", target_type="case", target_id=duplicate.reference,
                 details={"into": primary.reference})
    audit.record(session, actor, "case.merged_in", target_type="case", target_id=primary.reference,
                 details={"duplicate": duplicate.reference})
    session.expire(primary)
    return event


@dataclass(frozen=True)
class Candidate:
    reference: str
    status: str
    submitted_at: object
    same_address: bool


def _addresses(case: Case) -> set[str]:
    """The addresses a case's answers give, in a form two spellings of one address share."""
    found = set()
    for value in (case.answers or {}).values():
        if isinstance(value, dict) and value.get("street"):
            street = " ".join(str(value["street"]).lower().replace(",", " ").split())
            found.add(f"{street}|{str(value.get('zip') or '').strip()}")
    return found


def candidates(session: Session, actor: Actor, duplicate: Case, limit: int = CANDIDATES) -> list[Candidate]:
    """Open, unmerged cases of the same service the member may merge ``duplicate`` into, newest
    first, those at the same address before the rest."""
    departments = policy.departments_for(actor, policy.CASE_MERGE)
    flow = workflow.of(duplicate.kind)
    open_statuses = [s for s in flow.statuses() if not flow.finished(s)]
    query = (select(Case).where(Case.service_code == duplicate.service_code, Case.id != duplicate.id,
                                Case.merged_into_id.is_(None), Case.status.in_(open_statuses))
             .order_by(Case.id.desc()).limit(limit))
    if departments is not None:
        query = query.where(Case.department.in_(sorted(departments)))
    here = _addresses(duplicate)
    found = [Candidate(c.reference, c.status, c.submitted_at, bool(here & _addresses(c)))
             for c in session.scalars(query)]
    return sorted(found, key=lambda c: not c.same_address)
