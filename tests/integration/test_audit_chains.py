"""Audited writers on different chains do not wait for each other; writers on one chain still
make one valid chain."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from portal import audit, db
from portal.models import AuditRecord

from ..unit.test_audit import ACTOR, target_on


def postgres_only(app):
    if app.extensions["db_engine"].dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; this is about PostgreSQL")


def open_transaction(app, timeout: str = "2s"):
    session = app.extensions["db_sessionmaker"]()
    session.execute(text(f"SET LOCAL lock_timeout = '{timeout}'"))
    return session


def test_transactions_on_different_chains_do_not_wait_for_each_other(app):
    postgres_only(app)
    first, second = open_transaction(app), open_transaction(app)
    try:
        held = audit.record(first, ACTOR, "case.submit", target_type="case", target_id=target_on(2))
        # While the first transaction is still open, the second writes to another chain at once…
        other = audit.record(second, ACTOR, "case.submit", target_type="case", target_id=target_on(7))
        assert (held.chain, other.chain) == (2, 7)
        second.commit()
        # …and only a write to the first one's chain waits (here: gives up after the lock timeout).
        third = open_transaction(app, "300ms")
        try:
            with pytest.raises(OperationalError, match="lock timeout"):
                audit.record(third, ACTOR, "case.submit", target_type="case", target_id=target_on(2, "other"))
        finally:
            third.rollback()
            third.close()
        first.commit()
    finally:
        first.close()
        second.close()
    with db.session_scope(app, immediate=False) as session:
        assert audit.verify_chain(session) is None


def test_simultaneous_writers_on_one_chain_make_one_valid_chain(app):
    target = target_on(4)
    writers, each = 6, 5
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write():
        try:
            barrier.wait()
            for i in range(each):
                with db.session_scope(app) as session:
                    audit.record(session, ACTOR, "case.transition", target_type="case", target_id=target,
                                 details={"step": i})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with db.session_scope(app, immediate=False) as session:
        rows = session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        assert [(r.chain, r.seq) for r in rows] == [(4, n) for n in range(1, writers * each + 1)]
        assert audit.verify_chain(session) is None
