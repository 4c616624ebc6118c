"""The migrations build exactly the schema the models declare, and carry the data across."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import String, column, create_engine, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal import audit, create_app
from portal.actors import Actor
from portal.cli import alembic_config
from portal.models import AuditRecord, Base
from portal.models.base import JSONType, UTCDateTime


def test_migrations_match_models(app):
    engine = app.extensions["db_engine"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], diff


@pytest.fixture
def scratch(tmp_path):
    """An app on an empty database of its own (a new database on the PostgreSQL server in use)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield create_app({"PORTAL_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.db'}",
                          "INSTANCE_PATH": str(tmp_path), "SERVER_NAME": None})
        return
    name = f"portal_scratch_{uuid.uuid4().hex[:8]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    app = create_app({"PORTAL_ENV": "testing", "DATABASE_URL": make_url(url).set(database=name).render_as_string(False),
                      "INSTANCE_PATH": str(tmp_path), "SERVER_NAME": None})
    yield app
    app.extensions["db_engine"].dispose()
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))  # a failed migration leaves its pool
    server.dispose()


def _old_digest(prev: str, fields: dict) -> str:
    """The hash of a record as revision 0003 wrote it: one chain, the address itself covered."""
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev}|{body}".encode()).hexdigest()


OLD_RECORDS = table(
    "audit_records", column("occurred_at", UTCDateTime()), column("details", JSONType),
    *(column(name, String()) for name in ("action", "outcome", "actor", "source", "address", "target_type",
                                          "target_id", "prev_hash", "hash")))


def _write_old_trail(connection, count: int) -> None:
    prev = audit.GENESIS
    for n in range(count):
        at = datetime(2026, 11, 1, 9, n, tzinfo=UTC)
        fields = {"occurred_at": at.isoformat(), "action": "case.submit", "outcome": "success", "actor": "guest",
                  "source": "web", "address": f"192.0.2.{n}" if n % 2 else None, "target_type": "case",
                  "target_id": f"RIV-{n}", "details": {"n": n}}
        digest = _old_digest(prev, fields)
        connection.execute(OLD_RECORDS.insert().values(**{**fields, "occurred_at": at}, prev_hash=prev, hash=digest))
        prev = digest


def test_the_upgrade_reseals_an_existing_trail_and_the_downgrade_restores_it(scratch):
    config, engine = alembic_config(scratch), scratch.extensions["db_engine"]
    command.upgrade(config, "0003")
    with engine.begin() as connection:
        _write_old_trail(connection, 5)
    command.upgrade(config, "0004")
    with Session(engine) as session:
        rows = session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        assert [(r.chain, r.seq) for r in rows] == [(0, n) for n in range(1, 6)]
        assert rows[1].address == "192.0.2.1" and rows[1].address_commitment
        assert audit.verify_chain(session) is None
        # New records join the re-sealed trail, and erasing an old row's address keeps it valid.
        audit.record(session, Actor("guest", source="web", address="192.0.2.99"), "case.submit", target_type="case",
                     target_id="RIV-9")
        audit.erase_addresses(session, AuditRecord.id == rows[1].id)
        session.commit()
        assert audit.verify_chain(session) is None
    command.downgrade(config, "0003")
    with engine.connect() as connection:
        old = connection.execute(text("SELECT occurred_at, action, outcome, actor, source, address, target_type, "
                                      "target_id, details, prev_hash, hash FROM audit_records ORDER BY id")).all()
    assert len(old) == 6 and old[1].address is None
    prev = audit.GENESIS
    for row in old:  # one valid chain in the old format again
        assert row.prev_hash == prev
        prev = row.hash


def test_the_upgrade_refuses_a_broken_trail(scratch):
    config, engine = alembic_config(scratch), scratch.extensions["db_engine"]
    command.upgrade(config, "0003")
    with engine.begin() as connection:
        _write_old_trail(connection, 3)
        connection.execute(text("UPDATE audit_records SET outcome = 'failure' WHERE target_id = 'RIV-1'"))
    with pytest.raises(RuntimeError, match="broken at record"):
        command.upgrade(config, "0004")
