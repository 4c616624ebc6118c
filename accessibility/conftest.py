"""The audit re-uses the test suite's fixtures: a migrated database, a live server, Chromium."""

from tests.browser.conftest import browser, browser_nojs, live_server, silent_issuer  # noqa: F401
from tests.conftest import _schema, app, app_settings, client  # noqa: F401
