"""Every route declares who may use it, the app refuses to start when one does not, and every
route, tried as every kind of actor, answers exactly what its declaration says."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.actors import GUEST, RESIDENT, Actor
from portal.cases import drafts, policy, tracking
from portal.models import Case, Document, Draft
from portal.web import access

from .. import factories
from ..conftest import CSRF_RE
from .test_accounts import sign_in

PAGES_FOR_ANYONE_SKIP = {"static"}
SIGNING_OUT = {"auth.sign_out_everywhere", "auth.sign_out"}  # tried last: they end the browsers' sign-ins
# The status a case must have for the route's own permission to be possible at all.
STATUS_FOR = {
    policy.act("withdraw"): "received",
    policy.act("answer_information"): "more_info_needed",
    policy.act("reopen"): "resolved",
    policy.CASE_RATE: "resolved",
}
STEPS_TO = {"received": (), "more_info_needed": ("in_review", "more_info_needed"), "resolved": ("in_review", "resolved")}


def test_every_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints <= set(access.RULES)
    assert set(access.RULES) <= endpoints, "a rule for a route that no longer exists"


def test_an_undeclared_route_stops_start_up(app):
    app.add_url_rule("/undeclared", "undeclared", lambda: "x")
    with pytest.raises(access.UndeclaredAccess, match="undeclared"):
        access.check_declared(app)


def test_a_rule_naming_a_permission_the_policy_does_not_know_stops_start_up(app, monkeypatch):
    monkeypatch.setitem(access.RULES, "public.home", access.Rule("nobody", "case.teleport", "reference"))
    with pytest.raises(access.UndeclaredAccess, match="case.teleport"):
        access.check_declared(app)


class Browser:
    """A browser, and the actor the policy should see behind it."""

    def __init__(self, app, name: str, account=None):
        self.name, self.client, self.account = name, app.test_client(), account
        self.cases: set[int] = set()
        self.draft_tokens: dict[str, str] = {}
        if account is not None:
            assert sign_in(self.client, account.email).status_code == 302

    def actor(self) -> Actor:
        if self.account is not None:
            return Actor(RESIDENT, str(self.account.id), cases=frozenset(self.cases),
                         drafts=tuple(self.draft_tokens.items()))
        return Actor(GUEST, cases=frozenset(self.cases), drafts=tuple(self.draft_tokens.items()))

    def csrf(self) -> str:
        return CSRF_RE.search(self.client.get("/track").get_data(as_text=True)).group(1)


@pytest.fixture
def world(app, db_session):
    ana = factories.account(app, "ana@example.com")
    ben = factories.account(app, "ben@example.com")
    browsers = {"stranger": Browser(app, "stranger"), "prover": Browser(app, "prover"),
                "owner": Browser(app, "owner", ana), "other resident": Browser(app, "other resident", ben)}
    cases = {}
    for status, steps in STEPS_TO.items():
        cases[("ana", status)] = factories.case(app, "pothole", *steps, account=ana).case.reference
        guest = factories.case(app, "pothole", *steps)
        cases[("guest", status)] = guest.case.reference
        assert browsers["prover"].client.get(f"/track/t/{guest.tracking_token}").status_code == 200
        browsers["prover"].cases.add(guest.case.id)
    tree = factories.case(app, "tree-removal")
    assert browsers["prover"].client.get(f"/track/t/{tree.tracking_token}").status_code == 200
    browsers["prover"].cases.add(tree.case.id)
    ana_tree = factories.case(app, "tree-removal", account=ana)
    documents = {"guest": db_session.scalar(select(Document.public_id).filter_by(case_id=tree.case.id)),
                 "ana": db_session.scalar(select(Document.public_id).filter_by(case_id=ana_tree.case.id))}
    saved, _token = factories.draft(app, "graffiti", answers={}, account=ana)
    # The prover's browser starts a pothole report of its own: the draft it holds.
    owner_answer = {"street": "77 Quiet Lane", "city": "Riverton", "zip": "20500"}
    held = browsers["prover"].client
    csrf = CSRF_RE.search(held.get("/report/pothole/q/location").get_data(as_text=True)).group(1)
    assert held.post("/report/pothole/q/location", data={"csrf_token": csrf, **owner_answer}).status_code == 302
    db_session.rollback()
    return {"browsers": browsers, "cases": cases, "documents": documents, "saved_draft": saved.id,
            "held_marker": "77 Quiet Lane"}


def _held_token(app, db_session, browser: Browser) -> None:
    """Learn which draft tokens the browser's visit holds (to build the actor the policy should see)."""
    from portal.models import Visit

    db_session.rollback()
    for visit in db_session.scalars(select(Visit).where(Visit.ended_at.is_(None))):
        for code, token in (visit.grants or {}).get("drafts", {}).items():
            draft = drafts.find(db_session, token, code)
            if draft is not None and browser.name == "prover" and draft.account_id is None:
                browser.draft_tokens[code] = token


def _record(db_session, rule: access.Rule, actor: Actor, values: dict):
    if rule.record == "reference":
        case = tracking.get(db_session, values["reference"])
        return policy.case_record(actor, case)
    if rule.record == "public_id":
        document = db_session.scalar(select(Document).filter_by(public_id=values["public_id"]))
        return policy.case_record(actor, db_session.get(Case, document.case_id))
    if rule.record == "draft_id":
        draft = db_session.get(Draft, values["draft_id"])
        return policy.Record(owner_account=draft.account_id)
    return None


def _refused(response) -> bool:
    """What a refusal looks like at the web front door: a 404, or a redirect to where the visitor
    can prove who they are (the tracking page, sign in, the staff sign-in)."""
    if response.status_code == 404:
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and bool(re.search(r"/track$|/track\?|/account/sign-in|/staff/sign-in", location))


def _targets(world, rule: access.Rule) -> list[dict]:
    if rule.record == "reference":
        status = STATUS_FOR.get(rule.permission, "received")
        return [{"reference": world["cases"][(who, status)]} for who in ("ana", "guest")]
    if rule.record == "public_id":
        return [{"public_id": world["documents"][who]} for who in ("ana", "guest")]
    if rule.record == "draft_id":
        return [{"draft_id": world["saved_draft"], "code": "graffiti"}]
    return [{}]


FILL = {"version": "published", "code": "pothole", "qcode": "location", "item_id": "x", "token": "t" * 43,
        "action": "resolve", "template_id": 1, "reference": "AAA-AAA-AAA", "staff_id": 1,
        "filter_id": 1, "fmt": "json", "service_code": "pothole", "service_request_id": "AAA-AAA-AAA",
        "webhook_id": "wh_x", "document_id": "x"}


def test_every_route_as_every_actor_gets_what_its_rule_says(app, db_session, world):
    browsers = world["browsers"]
    _held_token(app, db_session, browsers["prover"])
    tried = 0
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in SIGNING_OUT, r.endpoint == "auth.sign_out", r.endpoint)):
        if url_rule.endpoint in PAGES_FOR_ANYONE_SKIP:
            continue
        rule = access.RULES[url_rule.endpoint]
        for target in _targets(world, rule):
            values = {arg: target.get(arg, FILL.get(arg)) for arg in url_rule.arguments}
            with app.test_request_context():
                from flask import url_for

                url = url_for(url_rule.endpoint, **values)
            # Those the rule lets in go last: an allowed action may change what comes after.
            for name in ("stranger", "other resident", "prover", "owner"):
                browser = browsers[name]
                db_session.rollback()
                actor = browser.actor()
                expected = None
                if rule.token or rule.api_key:
                    expected = None  # the case API and Open311: no browser holds a client's key (below)
                elif rule.staff:
                    expected = False  # none of these browsers is signed in as staff
                elif rule.permission is not None and rule.record != "draft":
                    expected = policy.allowed(actor, rule.permission, _record(db_session, rule, actor, values))
                method = "GET" if "GET" in url_rule.methods else (
                    "POST" if "POST" in url_rule.methods else sorted(url_rule.methods - {"HEAD", "OPTIONS"})[0])
                data = {"csrf_token": browser.csrf()} if method == "POST" else None
                response = browser.client.open(url, method=method, data=data)
                tried += 1
                where = f"{method} {url} as {name}"
                assert response.status_code < 500, where
                if rule.api_key:  # Open311 answers a missing api_key with its own 403 and error array
                    assert response.status_code == 403 and response.get_json()[0]["code"] == 403, where
                    continue
                assert response.status_code != 403, where
                if rule.token:
                    assert response.status_code == 401 and response.mimetype == "application/problem+json", where
                elif rule.record == "draft":
                    # The draft held by the prover's browser shows to that browser alone.
                    if url_rule.endpoint == "report.question":
                        shown = world["held_marker"] in response.get_data(as_text=True)
                        assert shown == (name == "prover"), where
                elif expected is not None:
                    assert _refused(response) == (not expected), f"{where}: expected allowed={expected}"
    assert tried > 150
