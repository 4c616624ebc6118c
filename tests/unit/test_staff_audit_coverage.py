"""Every page of the staff workspace is in the accessibility audit's staff walk.

The audit's plan names the endpoint that serves each page state it audits (and the walk checks,
page by page, that the address it audits is that endpoint's). Here every route of the staff
blueprints that answers GET must be one of those endpoints, or on the list below of routes that
are not pages. A new staff page fails this test until the walk (accessibility/staff_walks.py)
reaches it.
"""

from __future__ import annotations

import pytest

from accessibility.staff_walks import staff_steps
from portal import config, create_app
from portal.catalog import load_catalog
from portal.web.staff import BLUEPRINTS

# GET routes of the staff blueprints that are not pages, with why.
NOT_PAGES = {
    "staff_case.document": "a document's download (the file itself)",
    "staff_actions.letter_stylesheet": "the letters' stylesheet, for a previewed letter's frame",
}


@pytest.fixture(scope="module")
def staff_routes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("routes")
    app = create_app({"PORTAL_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp / 'routes.db'}",
                      "INSTANCE_PATH": str(tmp), "SERVER_NAME": None})
    names = {bp.name for bp in BLUEPRINTS}
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0] in names and "GET" in rule.methods}


@pytest.fixture(scope="module")
def planned():
    settings = config.load({"PORTAL_ENV": "testing"})
    catalog = load_catalog(settings["CATALOG_DIR"], list(settings["SHIPPED_LOCALES"]))
    return staff_steps(catalog)


def test_every_staff_page_is_in_the_audit(staff_routes, planned):
    reached = {endpoint for _page, _state, endpoint in planned}
    missing = sorted(f"{endpoint} ({rule})" for endpoint, rule in staff_routes.items()
                     if endpoint not in reached and endpoint not in NOT_PAGES)
    assert missing == [], "staff pages the accessibility audit never reaches; add them to the walk"


def test_the_exceptions_are_still_routes_and_not_audited(staff_routes, planned):
    reached = {endpoint for _page, _state, endpoint in planned}
    assert set(NOT_PAGES) <= set(staff_routes)
    assert not set(NOT_PAGES) & reached


def test_each_planned_state_is_planned_once_with_a_staff_endpoint(staff_routes, planned):
    pairs = [(page, state) for page, state, _endpoint in planned]
    assert len(pairs) == len(set(pairs))
    # Pages served in answer to a form are POST routes: the staff blueprints' endpoints all the same.
    assert {endpoint.split(".")[0] for _p, _s, endpoint in planned} <= {bp.name for bp in BLUEPRINTS}
