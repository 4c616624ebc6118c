"""Shared fixtures: an app on a clean database (SQLite, or PostgreSQL when TEST_DATABASE_URL is
set), a test client that fetches real CSRF tokens, and page invariants checked on every page."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from portal import create_app
from portal.cli import migrate
from portal.extensions import limiter
from portal.models import Base

from .page_checks import PageCheckingClient

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'<input(?=[^>]*name="csrf_token")[^>]*value="([^"]+)"')


def database_url(tmp: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp / 'test.db'}"


@pytest.fixture(autouse=True)
def page_invariants(monkeypatch):
    """Every response any test gets from a Flask test client is checked as tests/page_checks.py
    says: one h1, a title, lang and dir, and no-store on personal data."""
    monkeypatch.setattr(Flask, "test_client_class", PageCheckingClient)


@pytest.fixture(scope="session")
def app_settings(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("instance")
    return {"PORTAL_ENV": "testing", "DATABASE_URL": database_url(tmp), "INSTANCE_PATH": str(tmp),
            "SERVER_NAME": None}


@pytest.fixture(scope="session")
def _schema(app_settings):
    app = create_app(app_settings)
    engine = app.extensions["db_engine"]
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrate(app)
    return app_settings


def _clean(app) -> None:
    engine = app.extensions["db_engine"]
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app(_schema):
    app = create_app(_schema)
    _clean(app)
    limiter.reset()
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict, *, follow=False, token_from: str | None = None):
    """POST like a browser: with the CSRF token from the page the form is on."""
    token = csrf_token(client, token_from or url)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)


@pytest.fixture
def db_session(app):
    from portal import db

    with db.session_scope(app, immediate=False) as session:
        yield session


def tmpdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="portal-test-"))
