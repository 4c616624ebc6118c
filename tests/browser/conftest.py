"""Fixtures for browser tests: a live portal on 127.0.0.1 and headless Chromium drivers.

The live server is its own ``create_app()`` on the same database settings as the ``_schema``
fixture (so the schema is migrated once), and the ``app`` fixture's clean-up between tests
applies to it too. Tests that need a clean database or fresh rate limits request ``app`` as well.

Sign-in with an OpenID provider is on, with an issuer on 127.0.0.1 where nothing listens: the
sign-in pages offer the provider, and starting a sign-in ends on the "not available" page.
"""

from __future__ import annotations

import socket

import pytest

from .support import DESKTOP, PHONE, LiveServer, make_driver, quit_driver, reset

# The audit and the journeys post to /track many times a minute from one address; the limit that
# matters in production is tested elsewhere, so the live server allows far more.
LIVE_SERVER_LIMITS = {"TRACK_RATE_LIMIT": "1000 per minute;10000 per hour"}


@pytest.fixture(scope="session")
def silent_issuer():
    """An address on 127.0.0.1 that refuses connections: a port held but not listened on."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{held.getsockname()[1]}"
    held.close()


@pytest.fixture(scope="session")
def live_server(_schema, silent_issuer):
    provider = {
        "OIDC_ISSUER": silent_issuer,
        "OIDC_CLIENT_ID": "civic-portal-tests",
        "OIDC_CLIENT_SECRET": "not-a-real-secret",
    }
    server = LiveServer({**_schema, **LIVE_SERVER_LIMITS, **provider}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Chromium with JavaScript on, at desktop size. Shared by the whole session."""
    driver = make_driver(javascript=True, size=DESKTOP)
    yield driver
    quit_driver(driver)


@pytest.fixture(scope="session")
def browser_nojs():
    """Chromium with JavaScript off, at phone size. Shared by the whole session."""
    driver = make_driver(javascript=False, size=PHONE)
    yield driver
    quit_driver(driver)


@pytest.fixture
def js_browser(browser, live_server):
    """The JavaScript browser with no cookies left from an earlier test, at desktop size."""
    reset(browser, DESKTOP)
    return browser


@pytest.fixture
def nojs_browser(browser_nojs, live_server):
    """The no-JavaScript browser with no cookies left from an earlier test, at phone size."""
    reset(browser_nojs, PHONE)
    return browser_nojs
