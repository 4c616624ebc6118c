"""Every page × locale × state through axe-core in Chromium, plus the checks axe cannot make.

One test per page, state and locale. The walk itself happens once, in the ``audit`` fixture, which
also writes accessibility/reports/axe-report.json and axe-report.md.
"""

from __future__ import annotations

import shutil
import time

import pytest

from portal import config
from portal.catalog import load_catalog
from tests.browser.support import error_title_parts

from .audit import AXE_SCRIPT, Auditor, plan, title_uniqueness, uncovered_questions, write_reports

SETTINGS = config.load({"PORTAL_ENV": "testing"})
LOCALES = list(SETTINGS["SHIPPED_LOCALES"])
CATALOG = load_catalog(SETTINGS["CATALOG_DIR"], LOCALES)
TARGETS = plan(CATALOG)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def audit(live_server, browser, tmp_path_factory):
    assert AXE_SCRIPT.is_file(), f"{AXE_SCRIPT} is missing: run npm ci"
    # A copy, read on every page: a reinstall of node_modules during the run cannot break it.
    axe_script = tmp_path_factory.mktemp("axe") / AXE_SCRIPT.name
    shutil.copyfile(AXE_SCRIPT, axe_script)
    app = live_server.app
    errors = {loc: error_title_parts(app, loc) for loc in LOCALES}
    auditor = Auditor(browser, live_server, app.extensions["catalog"], errors, axe_script)
    started = time.monotonic()
    for locale in LOCALES:
        auditor.crawl(locale)
    auditor.forget_axe()
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    title_uniqueness(auditor.results)
    caps = browser.capabilities
    meta = {
        "axe_version": auditor.axe_version,
        "browser": f"{caps.get('browserName', 'chrome')} {caps.get('browserVersion', '')}".strip(),
        "locales": LOCALES,
        "seconds": round(time.monotonic() - started, 1),
    }
    write_reports(auditor.results, TARGETS, LOCALES, meta, auditor.crawl_errors)
    return auditor


def test_the_plan_reaches_every_question_page():
    assert uncovered_questions(CATALOG) == [], (
        "no answers lead to these pages; extend the audit plan"
    )


def test_every_journey_ran_to_the_end(audit):
    planned = {(loc, t.id) for t in TARGETS for loc in LOCALES}
    unplanned = sorted(set(audit.results) - planned)
    assert audit.crawl_errors == [] and unplanned == [], "\n".join(
        audit.crawl_errors
        + [f"audited but not in the plan: {loc} {page}" for loc, page in unplanned]
    )


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("target", TARGETS, ids=[f"{t.page}:{t.state}" for t in TARGETS])
def test_page(audit, target, locale):
    result = audit.results.get((locale, target.id))
    assert result is not None, (
        f"{locale} {target.id} was not reached (see the journeys that stopped)"
    )
    assert result.ok, result.describe()
