"""Sign-in through an OpenID provider, against a real one.

tests/oidc/provider.mjs runs oidc-provider (npm) on 127.0.0.1 with its development login and
consent pages; the portal runs on a live werkzeug server; ``Browser`` goes from one to the other
over HTTP as a browser would, with one cookie jar, following redirects by hand. What the portal
must refuse is produced for real: a state or nonce from another flow, a cancelled login, and a
provider started with knobs that make it misbehave (an ID token for another audience or issuer,
an expired one, one signed with a key it does not publish, garbage answers, no answer at all).
"""

from __future__ import annotations

import html
import logging
import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import func
from sqlalchemy import select as sql_select
from werkzeug.serving import make_server

from portal import create_app
from portal.accounts import sessions
from portal.audit import verify_chain
from portal.config import ConfigError
from portal.models import Account, AccountSession, AuditRecord, Identity

from .. import factories
from ..conftest import ROOT
from ..factories import PASSWORD

pytestmark = pytest.mark.slow

PROVIDER_SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "civic-portal"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"
CALLBACK = "/account/provider/callback"
START_SECONDS = 30
# The headings of the refusal pages.
EXPIRED = "This sign-in has expired"
NOT_SIGNED_IN = "We could not sign you in with Login.gov"
CANCELLED = "You did not finish signing in with Login.gov"
UNCONFIRMED = "Login.gov has not confirmed your email address"
UNAVAILABLE = "Login.gov is not available right now"


# --------------------------------------------------------------------------------------------
# The provider, the portal, and a browser between them


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the OpenID provider tests need Node.js 20 or newer.")
    if not (ROOT / "node_modules" / "oidc-provider" / "package.json").is_file():
        pytest.fail("node_modules/oidc-provider is missing: run `npm ci` at the top of the "
                    "checkout (or `make assets`), then run the tests again.")
    return node


class ProviderProcess:
    """``node tests/oidc/provider.mjs`` on a free port; ``knobs``: extra environment variables."""

    def __init__(self, redirect_uri: str, **knobs: str):
        node = require_node()
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, "OIDC_TEST_CLIENT_ID": CLIENT_ID,
               "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET, "OIDC_TEST_REDIRECT_URIS": redirect_uri,
               **knobs}
        self.process = subprocess.Popen([node, str(PROVIDER_SCRIPT), "0"], cwd=ROOT, env=env,
                                        text=True, stdout=subprocess.PIPE, stderr=self._log)
        ready, _, _ = select.select([self.process.stdout], [], [], START_SECONDS)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("ready "):
            self.stop()
            raise RuntimeError(f"the test OpenID provider did not start: {line!r}\n{self.log()}")
        self.issuer = line.split()[1]

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process.stdout.close()
        self._log.close()


class LivePortal:
    """The portal on 127.0.0.1 in a thread. The port is taken first, so that the provider can be
    told the callback address before the app (which needs the provider's address) is made."""

    def __init__(self):
        self._server = make_server("127.0.0.1", 0, None, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="oidc-portal",
                                        daemon=True)
        self.app = None

    def start(self, settings: dict) -> None:
        self.app = create_app({**settings, "PUBLIC_BASE_URL": self.url})
        self._server.app = self.app
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        if self.app is not None:
            self.app.extensions["db_engine"].dispose()

    def __call__(self, path: str, **query: str) -> str:
        return self.url + path + (("?" + urlencode(query)) if query else "")


@dataclass
class Site:
    portal: LivePortal
    provider: ProviderProcess | None


def oidc_settings(issuer: str) -> dict:
    return {"OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_NAME": "Login.gov"}


@contextmanager
def running(settings: dict, **knobs: str):
    """A provider (started with ``knobs``) and a portal configured to use it."""
    portal = LivePortal()
    provider = None
    try:
        provider = ProviderProcess(portal.url + CALLBACK, **knobs)
        portal.start({**settings, **oidc_settings(provider.issuer)})
        yield Site(portal, provider)
    finally:
        portal.stop()
        if provider is not None:
            provider.stop()


class Form(HTMLParser):
    """The first form of a page: its action and its named inputs."""

    def __init__(self, page: str):
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._inside = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self._inside = attrs.get("action"), True
        elif tag == "input" and self._inside and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


class Browser:
    """One browser: one cookie jar for the portal and the provider; every redirect by hand."""

    def __init__(self, portal: LivePortal):
        self.portal = portal
        self.http = requests.Session()

    def get(self, url: str) -> requests.Response:
        return self.http.get(url, allow_redirects=False, timeout=30)

    def post(self, url: str, data: dict) -> requests.Response:
        return self.http.post(url, data=data, allow_redirects=False, timeout=30)

    def start(self, **query: str) -> str:
        """Click "Sign in with Login.gov": the provider address the portal sends the browser to."""
        response = self.get(self.portal("/account/provider/start", **query))
        assert response.status_code == 302, response.text[:2000]
        return response.headers["Location"]

    def at_provider(self, url: str, login: str, *, cancel: bool = False) -> str:
        """Through the provider's login and consent pages: the callback address it sends back to."""
        for _ in range(12):
            if url.startswith(self.portal.url + "/"):
                return url
            response = self.get(url)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                continue
            assert response.status_code == 200, response.text[:2000]
            if cancel:
                link = re.search(r'href="([^"]+)">\[ Cancel \]', response.text).group(1)
                url = urljoin(url, html.unescape(link))
                continue
            form = Form(response.text)
            data = dict(form.fields)
            if "login" in data:
                data.update(login=login, password="any password will do")
            response = self.post(urljoin(url, form.action), data)
            assert response.is_redirect, response.text[:2000]
            url = urljoin(url, response.headers["Location"])
        raise AssertionError("the provider never sent the browser back to the portal")

    def sign_in(self, login: str, **query: str) -> requests.Response:
        """The whole journey; the portal's answer to the callback (not followed)."""
        return self.get(self.at_provider(self.start(**query), login))

    def signed_in(self) -> bool:
        status = self.get(self.portal("/account")).status_code
        assert status in {200, 302}
        return status == 200


def with_query(url: str, **changes: str | None) -> str:
    """``url`` with some query parameters replaced (or removed, for None)."""
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def audited(db_session, outcome: str | None = None) -> list[tuple[str, str, dict]]:
    db_session.rollback()  # end the read snapshot: see what requests committed
    rows = db_session.scalars(sql_select(AuditRecord).order_by(AuditRecord.id)).all()
    return [(r.action, r.outcome, r.details) for r in rows
            if outcome is None or r.outcome == outcome]


def count(db_session, model) -> int:
    db_session.rollback()
    return db_session.scalar(sql_select(func.count()).select_from(model))


def assert_refused(db_session, browser: Browser, response, status: int, heading: str, reason: str):
    """Refused with a page of its own, not signed in, nothing saved but one failure audit row."""
    page = response.text
    assert response.status_code == status, page[:2000]
    assert page.count("<h1") == 1 and heading in page, page[:2000]
    assert "Traceback" not in page
    assert not browser.signed_in()
    assert count(db_session, Account) == 0 and count(db_session, Identity) == 0
    assert count(db_session, AccountSession) == 0
    failures = audited(db_session, "failure")
    assert len(failures) == 1, failures
    action, _, details = failures[0]
    assert action == "account.sign_in" and reason in details["reason"], details
    assert verify_chain(db_session) is None


# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def live(_schema):
    with running(_schema) as site:
        yield site


@pytest.fixture
def site(live, app):
    """The shared provider and portal, on a clean database (``app`` cleans it)."""
    return live


@pytest.fixture
def browser(site):
    return Browser(site.portal)


# --------------------------------------------------------------------------------------------
# Signing in


def test_first_sign_in_makes_an_account_with_the_verified_email(site, browser, db_session):
    to_provider = browser.start()
    request = query_of(to_provider)
    assert to_provider.startswith(site.provider.issuer + "/")
    assert request["response_type"] == "code" and request["client_id"] == CLIENT_ID
    assert set(request["scope"].split()) == {"openid", "email", "profile"}
    assert request["code_challenge_method"] == "S256" and len(request["code_challenge"]) >= 43
    assert request["redirect_uri"] == site.portal.url + CALLBACK
    assert len(request["state"]) >= 20 and len(request["nonce"]) >= 20
    assert request["ui_locales"] == "en"

    response = browser.get(browser.at_provider(to_provider, "ana"))
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert browser.signed_in()
    export = browser.get(site.portal("/account/export.json"))
    assert export.status_code == 200 and "ana@example.com" in export.text

    account = db_session.scalar(sql_select(Account))
    assert account.email == "ana@example.com" and account.email_verified_at is not None
    assert account.password_hash is None and account.name == "ana"
    identity = db_session.scalar(sql_select(Identity))
    assert identity.account_id == account.id
    assert (identity.issuer, identity.subject) == (site.provider.issuer, "ana")
    actions = [(a, o) for a, o, _ in audited(db_session)]
    assert ("account.create_from_provider", "success") in actions


def test_signing_in_again_finds_the_same_account(site, db_session):
    assert Browser(site.portal).sign_in("ben").status_code == 302
    first = db_session.scalar(sql_select(Account.id))
    again = Browser(site.portal)  # another browser: the provider asks for the login again
    assert again.sign_in("ben").status_code == 302 and again.signed_in()
    assert db_session.scalars(sql_select(Account.id)).all() == [first]
    assert count(db_session, Identity) == 1
    assert [a for a, o, _ in audited(db_session, "success")][-1] == "account.sign_in"


def test_the_page_asked_for_comes_after_sign_in_but_only_on_this_site(site):
    response = Browser(site.portal).sign_in("cleo", next="/account/preferences")
    assert response.status_code == 302 and response.headers["Location"] == "/account/preferences"
    response = Browser(site.portal).sign_in("cleo", next="https://elsewhere.example/account")
    assert response.status_code == 302 and response.headers["Location"] == "/account"


def test_sign_in_and_sign_up_pages_offer_the_provider(site, browser):
    for path in ("/account/sign-in", "/account/create"):
        page = browser.get(site.portal(path)).text
        assert "Sign in with Login.gov" in page and 'href="/account/provider/start' in page


def test_a_password_account_with_the_same_verified_email_is_linked(app, site, browser, db_session):
    account_id = factories.account(app, "carla@example.com", verified=True, session=db_session).id
    db_session.commit()
    db_session.expunge_all()  # read what the portal writes, not this object
    assert browser.sign_in("carla").status_code == 302 and browser.signed_in()
    db_session.rollback()
    account = db_session.scalar(sql_select(Account))
    assert account.id == account_id and account.password_hash  # the password still works too
    assert db_session.scalar(sql_select(Identity.account_id)) == account_id
    assert ("account.link_provider", "success") in [(a, o) for a, o, _ in audited(db_session)]


def test_an_unverified_account_with_the_same_email_loses_password_and_sessions(app, site, browser,
                                                                                db_session):
    # Someone signed up with dana's address without owning it, and is signed in somewhere.
    squatter = factories.account(app, "dana@example.com", verified=False, session=db_session)
    squatter_token = sessions.start(db_session, squatter, "127.0.0.1", "squatter")
    account_id = squatter.id
    db_session.commit()
    db_session.expunge_all()  # read what the portal writes, not these objects

    assert browser.sign_in("dana").status_code == 302 and browser.signed_in()
    db_session.rollback()
    account = db_session.scalar(sql_select(Account))
    assert account.id == account_id and account.password_hash is None
    assert account.email_verified_at is not None
    assert sessions.load(db_session, squatter_token)[0] is None

    squatter_browser = Browser(site.portal)
    token = _csrf(squatter_browser, site.portal("/account/sign-in"))
    tried = squatter_browser.post(site.portal("/account/sign-in"), {
        "csrf_token": token, "email": "dana@example.com", "password": PASSWORD})
    assert tried.status_code == 401 and not squatter_browser.signed_in()


def _csrf(browser: Browser, url: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get(url).text)
    assert match, url
    return match.group(1)


# --------------------------------------------------------------------------------------------
# What the portal refuses


def test_a_tampered_or_missing_state_is_refused(site, browser, db_session):
    callback = browser.at_provider(browser.start(), "erin")
    state = query_of(callback)["state"]
    # Change the first character (to one it is not already), so the state really differs.
    tampered = with_query(callback, state=("y" if state[0] == "x" else "x") + state[1:])
    assert_refused(db_session, browser, browser.get(tampered), 400, EXPIRED, "state")
    missing = browser.get(with_query(callback, state=None))
    assert missing.status_code == 400 and not browser.signed_in()


def test_a_state_from_one_browser_does_not_work_in_another(site, db_session):
    victim, attacker = Browser(site.portal), Browser(site.portal)
    attacker.start()  # the attacker's session holds a flow of its own, with another state
    callback = victim.at_provider(victim.start(), "fran")
    assert_refused(db_session, attacker, attacker.get(callback), 400, EXPIRED, "state")
    # The browser that started the flow can still finish it, once.
    assert victim.get(callback).status_code == 302 and victim.signed_in()
    replay = victim.get(callback)
    assert replay.status_code == 400 and EXPIRED in replay.text


def test_a_browser_keeps_only_a_few_unfinished_sign_ins(site, browser):
    callbacks = [browser.at_provider(browser.start(), "olga") for _ in range(5)]
    app = site.portal.app
    held = app.session_interface.get_signing_serializer(app).loads(browser.http.cookies["session"])
    assert len([key for key in held if key.startswith("_state_")]) == 3
    oldest = browser.get(callbacks[0])
    assert oldest.status_code == 400 and EXPIRED in oldest.text
    assert browser.get(callbacks[-1]).status_code == 302 and browser.signed_in()


def test_an_id_token_with_another_nonce_is_refused(site, browser, db_session):
    # The browser's session holds this flow's state, PKCE verifier and nonce. The request that
    # reaches the provider carries the same state and code challenge but another nonce, so the
    # code exchange succeeds and the ID token comes back with a nonce the session never issued.
    to_provider = browser.start()
    swapped = with_query(to_provider, nonce="n" * 32)
    callback = browser.at_provider(swapped, "gus")
    assert query_of(callback)["state"] == query_of(to_provider)["state"]
    assert_refused(db_session, browser, browser.get(callback), 400, NOT_SIGNED_IN, "nonce")


def test_an_authorization_response_naming_another_issuer_is_refused(site, browser, db_session):
    callback = browser.at_provider(browser.start(), "hana")
    assert query_of(callback)["iss"] == site.provider.issuer
    elsewhere = with_query(callback, iss="http://127.0.0.1:9")
    assert_refused(db_session, browser, browser.get(elsewhere), 400, NOT_SIGNED_IN,
                   "another issuer")


def test_cancelling_at_the_provider_shows_a_friendly_page(site, browser, db_session):
    callback = browser.at_provider(browser.start(), "ivan", cancel=True)
    assert query_of(callback)["error"] == "access_denied"
    response = browser.get(callback)
    assert_refused(db_session, browser, response, 400, CANCELLED, "cancelled")
    assert 'href="/account/sign-in' in response.text


def test_an_email_the_provider_has_not_verified_is_refused(site, browser, db_session):
    response = browser.sign_in("unverified-jo")
    assert_refused(db_session, browser, response, 403, UNCONFIRMED, "email not verified")
    assert "we have not made an account" in response.text


def test_an_unverified_email_does_not_take_over_an_existing_account(app, site, browser, db_session):
    factories.account(app, "unverified-kim@example.com", verified=True, session=db_session)
    db_session.commit()
    db_session.expunge_all()
    assert browser.sign_in("unverified-kim").status_code == 403 and not browser.signed_in()
    db_session.rollback()
    account = db_session.scalar(sql_select(Account))
    assert account.password_hash and count(db_session, Identity) == 0


@pytest.mark.parametrize("knobs, reason", [
    pytest.param({"OIDC_TEST_ID_TOKEN_CLAIMS": '{"aud": "another-app"}'}, "claim aud",
                 id="audience"),
    # Authlib on its own would take this one: its default checks look at azp, not at aud.
    pytest.param({"OIDC_TEST_ID_TOKEN_CLAIMS": f'{{"aud": ["another-app"], "azp": "{CLIENT_ID}"}}'},
                 "claim aud", id="audience-with-our-azp"),
    pytest.param({"OIDC_TEST_ID_TOKEN_CLAIMS": '{"iss": "http://127.0.0.1:9"}'}, "claim iss",
                 id="issuer"),
    pytest.param({"OIDC_TEST_ID_TOKEN_SHIFT": "-7200"}, "expired", id="expired"),
    pytest.param({"OIDC_TEST_ID_TOKEN_KEY": "foreign"}, "not accepted", id="unknown-signing-key"),
])
def test_an_id_token_that_does_not_check_out_is_refused(_schema, app, db_session, knobs, reason):
    with running(_schema, **knobs) as site:
        browser = Browser(site.portal)
        response = browser.sign_in("lena")
        assert_refused(db_session, browser, response, 400, NOT_SIGNED_IN, reason)


@pytest.mark.parametrize("knobs, reason", [
    pytest.param({"OIDC_TEST_TOKEN_RESPONSE": "garbage"}, "unusable answer", id="token-garbage"),
    pytest.param({"OIDC_TEST_TOKEN_RESPONSE": "error"}, "HTTP 500", id="token-server-error"),
])
def test_a_token_endpoint_answering_garbage_is_refused(_schema, app, db_session, knobs, reason):
    with running(_schema, **knobs) as site:
        browser = Browser(site.portal)
        response = browser.sign_in("mona")
        assert_refused(db_session, browser, response, 503, UNAVAILABLE, reason)


def test_a_discovery_document_that_is_garbage_is_refused(_schema, app, db_session):
    with running(_schema, OIDC_TEST_DISCOVERY="garbage") as site:
        browser = Browser(site.portal)
        response = browser.get(site.portal("/account/provider/start"))
        assert_refused(db_session, browser, response, 503, UNAVAILABLE, "authorization request")


def test_a_provider_that_cannot_be_reached(_schema, app, db_session):
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    portal = LivePortal()
    try:
        portal.start({**_schema, **oidc_settings(closed)})
        browser = Browser(portal)
        response = browser.get(portal("/account/provider/start"))
        assert_refused(db_session, browser, response, 503, UNAVAILABLE, "not reached")
        assert 'href="/account/sign-in' in response.text
    finally:
        portal.stop()


def test_a_provider_that_goes_away_during_sign_in(_schema, app, db_session):
    with running(_schema) as site:
        browser = Browser(site.portal)
        callback = browser.at_provider(browser.start(), "nina")
        site.provider.stop()
        response = browser.get(callback)
        assert_refused(db_session, browser, response, 503, UNAVAILABLE, "not reached")


# --------------------------------------------------------------------------------------------
# Not configured


def test_without_a_provider_the_routes_are_not_found_and_no_button_shows(app, client):
    assert client.get("/account/provider/start").status_code == 404
    assert client.get("/account/provider/callback?code=x&state=y").status_code == 404
    for path in ("/account/sign-in", "/account/create"):
        page = client.get(path)
        assert page.status_code == 200
        assert "/account/provider/start" not in page.get_data(as_text=True)


def test_a_provider_half_configured_stops_start_up(app_settings):
    with pytest.raises(ConfigError, match="OIDC_CLIENT_SECRET"):
        create_app({**app_settings, "OIDC_ISSUER": "https://idp.example",
                    "OIDC_CLIENT_ID": "portal"})
    with pytest.raises(ConfigError, match="https"):
        create_app({**app_settings, **oidc_settings("http://idp.example"),
                    "PORTAL_ENV": "production", "SECRET_KEY": "s" * 40})
