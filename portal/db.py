"""Database engine and the one session (and one transaction) per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

# Ids are INTEGER columns: 32 bits on PostgreSQL, so no row has a larger id than this.
MAX_ID = 2**31 - 1

# SQLite: a request that may write takes the write lock when its transaction begins, so two
# concurrent writers wait for each other instead of failing on a stale snapshot.
_sqlite_immediate: ContextVar[bool] = ContextVar("sqlite_immediate", default=False)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # Let SQLAlchemy, not the driver, begin transactions (needed for SAVEPOINT to work).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _sqlite_immediate.get() else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.teardown_request
    def _close(exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            # Reached only when the response was not committed (an exception, or a 4xx/5xx).
            session.rollback()
            session.close()

    @app.after_request
    def _commit(response):
        session: Session | None = g.get("db_session")
        if session is not None:
            if response.status_code < 400 or g.pop("db_keep_changes", False):
                session.commit()
            else:
                session.rollback()
            g.pop("db_session").close()
        return response


def session() -> Session:
    """The request's session; committed once after a successful response, rolled back otherwise."""
    if "db_session" not in g:
        # On SQLite every request takes the write lock up front: a GET may write too (a signed-in
        # session's last-seen time, an emailed link being used), and a read transaction that later
        # writes fails at once when another connection wrote in between. PostgreSQL needs none of it.
        g.db_session = _open(current_app, True)
    return g.db_session


def apart() -> AbstractContextManager[Session]:
    """A transaction of its own beside the request's, for what must be kept although the request
    fails (the audit record of a refusal). The request's own changes are rolled back first."""
    session().rollback()
    return session_scope(current_app)


def keep_changes() -> None:
    """Commit this request's changes although the response is an error.

    For a request that did part of what it was asked and refuses the rest: three photos sent at
    once, one of them refused. The two added stay added; the page says what was refused.
    """
    g.db_keep_changes = True


@contextmanager
def session_scope(app: Flask, *, immediate: bool = True) -> Iterator[Session]:
    """A session outside a request (CLI, worker, tests): committed on success.

    ``immediate`` (SQLite only) takes the write lock when the transaction begins; pass False for
    a session that mostly reads and must not hold other writers back.
    """
    s = _open(app, immediate)
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        s.close()


def _open(app: Flask, immediate: bool) -> Session:
    """A new session; on SQLite with ``immediate``, its transaction begins now, holding the write lock."""
    s: Session = app.extensions["db_sessionmaker"]()
    if immediate and app.extensions["db_engine"].dialect.name == "sqlite":
        mode = _sqlite_immediate.set(True)
        try:
            s.connection()
        finally:
            _sqlite_immediate.reset(mode)
    return s
