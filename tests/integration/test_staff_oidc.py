"""Staff sign-in through the agency's OpenID provider, against the real one (tests/oidc/provider.mjs,
oidc-provider from npm) with a second client of its own beside the residents' client.

The provider's answer links only to an existing member of staff — by a sign-in linked before, or by
the work email address it verified — never makes staff and never touches resident accounts. It
counts as both factors only when the provider says it checked more than one (``amr`` "mfa");
otherwise the member's own second factor is asked after it.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from portal import db
from portal.models import Account, AuditRecord, StaffIdentity, StaffMember

from .. import factories
from ..staff import current_code
from .test_oidc import CALLBACK, Browser, LivePortal, ProviderProcess, oidc_settings, query_of

pytestmark = pytest.mark.slow

STAFF_CLIENT_ID = "civic-portal-staff"
STAFF_CLIENT_SECRET = "another-client-secret-for-the-tests-only"
STAFF_CALLBACK = "/staff/provider/callback"
NOT_STAFF = "We could not sign you in with Riverton staff login"


@contextmanager
def running(settings: dict, **knobs: str):
    """The provider with both clients, and a portal using it for residents and for staff."""
    portal = LivePortal()
    provider = None
    try:
        provider = ProviderProcess(portal.url + CALLBACK, OIDC_TEST_STAFF_CLIENT_ID=STAFF_CLIENT_ID,
                                   OIDC_TEST_STAFF_CLIENT_SECRET=STAFF_CLIENT_SECRET,
                                   OIDC_TEST_STAFF_REDIRECT_URIS=portal.url + STAFF_CALLBACK, **knobs)
        portal.start({**settings, **oidc_settings(provider.issuer), "STAFF_OIDC_ISSUER": provider.issuer,
                      "STAFF_OIDC_CLIENT_ID": STAFF_CLIENT_ID, "STAFF_OIDC_CLIENT_SECRET": STAFF_CLIENT_SECRET,
                      "STAFF_OIDC_NAME": "Riverton staff login"})
        yield portal, provider
    finally:
        portal.stop()
        if provider is not None:
            provider.stop()


@pytest.fixture(scope="module")
def live(_schema):
    accounts = {"casey": {"email": "cw@riverton.example"}, "kim": {"email": "kim@riverton.example"},
                "unverified-cw": {"email": "cw@riverton.example", "email_verified": False}}
    with running(_schema, OIDC_TEST_ACCOUNTS=json.dumps(accounts)) as site:
        yield site


@pytest.fixture
def site(live, app):
    return live


def _through_provider(portal, login: str, **query: str):
    browser = Browser(portal)
    start = browser.get(portal("/staff/provider/start", **query))
    assert start.status_code == 302, start.text[:500]
    to_provider = start.headers["Location"]
    asked = query_of(to_provider)
    assert asked["client_id"] == STAFF_CLIENT_ID and asked["redirect_uri"] == portal.url + STAFF_CALLBACK
    assert asked["code_challenge_method"] == "S256"
    return browser, browser.get(browser.at_provider(to_provider, login))


def _staff_signed_in(browser, portal) -> bool:
    return browser.get(portal("/staff/")).status_code == 200


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text).group(1)


def test_the_staff_sign_in_page_offers_the_agency_provider(site):
    portal, _provider = site
    page = Browser(portal).get(portal("/staff/sign-in")).text
    assert "Sign in with Riverton staff login" in page and 'href="/staff/provider/start' in page


def test_a_member_found_by_verified_email_then_gives_their_own_second_factor(app, site, db_session):
    portal, provider = site
    member = factories.staff_member(app)
    browser, answer = _through_provider(portal, "casey", next="/staff/?view=mine")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/staff/sign-in/code")
    assert not _staff_signed_in(browser, portal)
    page = browser.get(portal(answer.headers["Location"]))
    done = browser.post(portal(answer.headers["Location"]), {"csrf_token": _csrf(page.text),
                                                            "code": current_code(member)})
    assert done.status_code == 302 and done.headers["Location"] == "/staff/?view=mine"
    assert _staff_signed_in(browser, portal)
    identity = db_session.scalar(select(StaffIdentity))
    assert (identity.staff_id, identity.issuer, identity.subject) == (member.id, provider.issuer, "casey")
    row = db_session.scalar(select(AuditRecord).filter_by(action="staff.sign_in", outcome="success"))
    assert row.details == {"method": "provider", "second_factor": "totp"}
    assert db_session.scalar(select(func.count()).select_from(AuditRecord)
                             .filter_by(action="staff.link_identity")) == 1


def test_a_linked_sign_in_is_found_again_even_after_the_email_changes(app, site, db_session):
    portal, provider = site
    member = factories.staff_member(app, "old.address@riverton.example", totp=False)
    with db.session_scope(app) as s:
        s.add(StaffIdentity(staff_id=member.id, issuer=provider.issuer, subject="kim"))
    _browser, answer = _through_provider(portal, "kim")
    # No second factor yet: the member sets one up first.
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/staff/sign-in/set-up")
    assert db_session.scalar(select(func.count()).select_from(StaffIdentity)) == 1


@pytest.mark.parametrize("login, why", [
    ("stranger", "no staff member with that address"),
    ("unverified-cw", "the provider has not verified the address"),
])
def test_anyone_else_is_refused_and_nothing_is_made(app, site, db_session, login, why):
    portal, _provider = site
    factories.staff_member(app)
    factories.account(app, "stranger@example.com")  # a resident account is never made staff
    browser, answer = _through_provider(portal, login)
    assert answer.status_code == 403, why
    assert NOT_STAFF in answer.text and "not linked to a member of staff" in answer.text
    assert not _staff_signed_in(browser, portal)
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(StaffMember)) == 1
    assert db_session.scalar(select(func.count()).select_from(StaffIdentity)) == 0
    assert db_session.scalar(select(func.count()).select_from(Account)) == 1
    refused = db_session.scalar(select(AuditRecord).filter_by(action="staff.sign_in", outcome="failure"))
    assert refused.details["reason"] == "no member of staff for this sign-in"


def test_a_disabled_member_is_refused(app, site, db_session):
    portal, _provider = site
    member = factories.staff_member(app)
    assert app.test_cli_runner().invoke(args=["staff-disable", member.email]).exit_code == 0
    _browser, answer = _through_provider(portal, "casey")
    assert answer.status_code == 403


def test_a_provider_that_checked_several_factors_counts_as_both(app, _schema, db_session):
    member = factories.staff_member(app)
    accounts = json.dumps({"casey": {"email": member.email}})
    with running(_schema, OIDC_TEST_ACCOUNTS=accounts, OIDC_TEST_ID_TOKEN_CLAIMS='{"amr": ["pwd", "mfa"]}') as site:
        portal, _provider = site
        browser, answer = _through_provider(portal, "casey")
        assert answer.status_code == 302 and answer.headers["Location"] == "/staff/"
        assert _staff_signed_in(browser, portal)
    row = db_session.scalar(select(AuditRecord).filter_by(action="staff.sign_in", outcome="success"))
    assert row.details == {"method": "provider", "second_factor": "provider"}


def test_without_the_staff_settings_the_routes_are_not_found(client):
    assert client.get("/staff/provider/start").status_code == 404
    assert client.get("/staff/provider/callback?code=x&state=y").status_code == 404
    assert "/staff/provider/start" not in client.get("/staff/sign-in").get_data(as_text=True)
