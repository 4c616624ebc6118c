"""The audit re-uses the test suite's fixtures: a migrated database, Chromium, and a live server
like the browser tests' with, as well, staff sign-in through the agency's provider switched on (at
the same silent issuer), so its pages can be reached."""

import pytest

from tests.browser.conftest import LIVE_SERVER_LIMITS, browser, browser_nojs, silent_issuer  # noqa: F401
from tests.browser.support import LiveServer
from tests.conftest import _schema, app, app_settings, client  # noqa: F401


@pytest.fixture(scope="session")
def live_server(_schema, silent_issuer):  # noqa: F811
    provider = {
        "OIDC_ISSUER": silent_issuer,
        "OIDC_CLIENT_ID": "civic-portal-tests",
        "OIDC_CLIENT_SECRET": "not-a-real-secret",
        "STAFF_OIDC_ISSUER": silent_issuer,
        "STAFF_OIDC_CLIENT_ID": "civic-portal-staff-tests",
        "STAFF_OIDC_CLIENT_SECRET": "not-a-real-secret",
    }
    server = LiveServer({**_schema, **LIVE_SERVER_LIMITS, **provider}).start()
    yield server
    server.stop()
