"""Every page × locale × state through axe-core in Chromium, plus the checks axe cannot make.

One test per page, state and locale. The walk itself happens once, in the ``audit`` fixture, which
also writes accessibility/reports/axe-report.json and axe-report.md.

Two settings in the environment limit a run while a part is being worked on (the full run is the
default): ``AUDIT_ONLY``, comma-separated name prefixes of the journeys to walk and the pages to
test (``staff``, ``report/pothole``, ``account,auth``), and ``AUDIT_LOCALES`` (``en,ar``). A limited run
writes its reports to a temporary folder, never over the full run's.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from portal import config
from portal.catalog import load_catalog
from tests.browser.support import error_title_parts

from .audit import (
    AXE_SCRIPT,
    REPORTS,
    Auditor,
    in_run,
    plan,
    title_uniqueness,
    uncovered_questions,
    write_reports,
)


def _listed(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


SETTINGS = config.load({"PORTAL_ENV": "testing"})
ONLY = _listed("AUDIT_ONLY")
LOCALES = [loc for loc in SETTINGS["SHIPPED_LOCALES"] if loc in (_listed("AUDIT_LOCALES") or [loc])]
CATALOG = load_catalog(SETTINGS["CATALOG_DIR"], list(SETTINGS["SHIPPED_LOCALES"]))
PLAN = plan(CATALOG)
TARGETS = [t for t in PLAN if in_run(t.page, ONLY)]
LIMITED = bool(ONLY) or LOCALES != list(SETTINGS["SHIPPED_LOCALES"])

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
        auditor.crawl(locale, ONLY)
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
    folder = tmp_path_factory.mktemp("axe-reports") if LIMITED else REPORTS
    write_reports(auditor.results, TARGETS, LOCALES, meta, auditor.crawl_errors, folder)
    return auditor


def test_the_plan_reaches_every_question_page():
    assert uncovered_questions(CATALOG) == [], (
        "no answers lead to these pages; extend the audit plan"
    )


def test_every_journey_ran_to_the_end(audit):
    planned = {(loc, t.id) for t in PLAN for loc in LOCALES}
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
