"""Take the next case: the most urgent unassigned open case of the member's departments, theirs in
the same transaction; two members pressing at once get two different cases."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, update

from portal import db
from portal.accounts.staff import actor_for
from portal.cases import assignment
from portal.cases.policy import Refused
from portal.models import AuditRecord, Case, CaseEvent

from .. import factories

TODAY = date(2026, 3, 2)


def test_the_most_urgent_case_of_my_departments_is_mine(app, db_session):
    worker = actor_for(factories.staff_member(app))
    factories.case(app, "streetlight-out", answers=factories.answers(app, "streetlight-out", problem="damaged"))
    plain = factories.case(app, "pothole").case
    urgent = factories.case(app, "pothole", answers=factories.answers(app, "pothole", size="large")).case
    factories.case(app, "pothole", "in_review", "resolved")  # decided: nothing to take
    db_session.rollback()
    taken = assignment.take_next(db_session, worker, TODAY)
    assert taken.reference == urgent.reference
    assert taken.assignee_id == int(worker.id) and taken.revision == urgent.revision + 1
    assert taken.status == "received"
    event = db_session.scalars(select(CaseEvent).where(CaseEvent.case_id == taken.id)
                               .order_by(CaseEvent.id.desc())).first()
    assert (event.action, event.status_from, event.status_to) == ("assign", "received", "received")
    assert event.details["to"] == int(worker.id)
    assert db_session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "case.assign", AuditRecord.target_id == urgent.reference)) == 1
    assert assignment.take_next(db_session, worker, TODAY).reference == plain.reference
    assert assignment.take_next(db_session, worker, TODAY) is None


def test_taking_needs_the_permission(app, db_session):
    agent = actor_for(factories.staff_member(app, "agent@riverton.example", roles=("contact_centre",)))
    factories.case(app, "pothole")
    db_session.rollback()
    with pytest.raises(Refused):
        assignment.take_next(db_session, agent, TODAY)


@pytest.mark.parametrize("members", [2, 4])
def test_members_pressing_at_once_get_different_cases(app, db_session, members):
    workers = [actor_for(factories.staff_member(app, f"cw{i}@riverton.example")) for i in range(members)]
    made = [factories.case(app, "pothole").case.reference for _ in range(members + 1)]
    barrier = threading.Barrier(members)
    taken: list = []
    errors: list = []

    def press(worker):
        try:
            barrier.wait()
            # As a request opens it: on SQLite the write lock is taken first, on PostgreSQL the
            # transactions truly overlap.
            with db.session_scope(app) as session:
                case = assignment.take_next(session, worker, TODAY)
                taken.append((worker.id, case.reference if case else None))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=press, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    references = [reference for _, reference in taken]
    assert len(references) == members and None not in references
    assert len(set(references)) == members, "two members got the same case"
    db_session.rollback()
    assigned = dict(db_session.execute(select(Case.reference, Case.assignee_id).where(Case.reference.in_(made))).all())
    assert sorted(str(assigned[r]) for r in references) == sorted(w.id for w in workers)
    assert db_session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "assign")) == members


def test_a_lost_race_looks_again(app, db_session):
    """The conditional update: a case someone else took between the look and the update is passed over."""
    worker = actor_for(factories.staff_member(app))
    other = factories.staff_member(app, "other@riverton.example")
    first = factories.case(app, "pothole", answers=factories.answers(app, "pothole", size="large")).case.reference
    second = factories.case(app, "pothole").case.reference
    db_session.rollback()
    real_execute = db_session.execute
    raced = []

    def execute(statement, *args, **kwargs):
        if not raced and getattr(statement, "is_update", False):
            # Between our look and our update, the first case is taken (written here in our own
            # transaction: SQLite lets one writer at a time, so another transaction could not).
            raced.append(True)
            real_execute(update(Case).where(Case.reference == first).values(assignee_id=other.id))
        return real_execute(statement, *args, **kwargs)

    db_session.execute = execute
    try:
        taken = assignment.take_next(db_session, worker, TODAY)
    finally:
        del db_session.execute
    assert raced and taken.reference == second
