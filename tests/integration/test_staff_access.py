"""Every staff route, tried by a stranger, a signed-in resident and members of staff of each kind,
answers what its declaration and the policy say: the staff sign-in for anyone not signed in as
staff, a 404 for a member whose roles or departments do not reach the case, the page otherwise."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from portal.accounts import staff
from portal.cases import policy, tracking
from portal.web import access

from .. import factories
from ..conftest import CSRF_RE
from ..staff import sign_in_staff
from .test_accounts import sign_in

# Members of staff, by the roles and departments that make them different to the policy.
MEMBERS = {
    "caseworker here": (("caseworker",), ("public-works",)),
    "caseworker elsewhere": (("caseworker",), ("sanitation",)),
    "supervisor here": (("supervisor",), ("public-works",)),
    "contact centre": (("contact_centre",), ("public-works",)),
    "auditor": (("auditor",), ("public-works",)),
    "system admin": (("system_admin",), ()),
}
FILL = {"action": "review", "code": "pothole", "qcode": "location", "item_id": "x", "token": "t" * 43,
        "template_id": 1, "staff_id": 1, "filter_id": 1, "public_id": "x" * 22,
        "version": "published", "webhook_id": "wh_x"}
SKIP = {"staff_auth.sign_out", "staff_auth.second_factor", "staff_auth.extend_session"}


def staff_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if access.RULES[r.endpoint].staff),
                  key=lambda r: r.endpoint)


def _url(app, rule, values):
    with app.test_request_context():
        return url_for(rule.endpoint, **{arg: values.get(arg, FILL.get(arg)) for arg in rule.arguments})


def _sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and bool(
        re.search(r"/staff/(sign-in|timed-out)", response.headers.get("Location", "")))


def test_staff_routes_are_declared_for_staff(app):
    rules = staff_rules(app)
    assert rules, "no staff routes"
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0].startswith("staff") and rule.endpoint.split(".")[0] != "staff_auth":
            assert access.RULES[rule.endpoint].staff, f"{rule.endpoint} is a staff page without staff=True"


def test_strangers_and_residents_are_sent_to_the_staff_sign_in(app):
    made = factories.case(app, "pothole")
    resident = factories.account(app, "ana@example.com")
    stranger, signed_in = app.test_client(), app.test_client()
    assert sign_in(signed_in, resident.email).status_code == 302
    for rule in staff_rules(app):
        if rule.endpoint in SKIP:
            continue
        url = _url(app, rule, {"reference": made.case.reference})
        for who, client in (("stranger", stranger), ("resident", signed_in)):
            method = "GET" if "GET" in rule.methods else "POST"
            token = CSRF_RE.search(client.get("/track").get_data(as_text=True)).group(1)
            response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert _sent_to_sign_in(response), f"{method} {url} as {who}: {response.status_code}"


@pytest.fixture
def members(app):
    found = {}
    for number, (name, (roles, departments)) in enumerate(MEMBERS.items()):
        member = factories.staff_member(app, f"m{number}@riverton.example", roles=roles, departments=departments,
                                        name=name.title())
        client = app.test_client()
        assert sign_in_staff(client, member).status_code == 302
        found[name] = (member, client)
    return found


def test_every_case_route_answers_each_member_as_the_policy_says(app, db_session, members):
    made = factories.case(app, "pothole")
    tried = 0
    for rule in staff_rules(app):
        declared = access.RULES[rule.endpoint]
        if declared.record != "reference" or declared.permission is None or rule.endpoint in SKIP:
            continue
        url = _url(app, rule, {"reference": made.case.reference})
        for name, (member, client) in members.items():
            db_session.rollback()
            case = tracking.get(db_session, made.case.reference)
            actor = staff.actor_for(member)
            expected = policy.allowed(actor, declared.permission, policy.case_record(actor, case))
            response = client.get(url) if "GET" in rule.methods else None
            if response is None:
                continue
            tried += 1
            where = f"GET {url} as {name}"
            assert response.status_code < 500, where
            assert response.status_code != 403, where
            if not expected:
                assert response.status_code == 404, f"{where}: expected 404, got {response.status_code}"
            else:
                assert response.status_code in (200, 302), f"{where}: expected the page, got {response.status_code}"
    assert tried > 0
