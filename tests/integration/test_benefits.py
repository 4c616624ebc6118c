"""A benefit application: the eligibility screener, a household as a repeating group, and the
information and declaration pages."""

from __future__ import annotations

import re

from portal.forms.runner import given_earlier

from ..conftest import csrf_token, post_form
from ..helpers import answer

CODE = "rental-assistance"


def screener(client, size="3", income="40000"):
    for qcode, data in [("lives_in_riverton", {"value": "yes"}), ("rents_home", {"value": "yes"}),
                        ("household_size", {"value": size}), ("household_income", {"value": income})]:
        response = answer(client, CODE, qcode, data)
        assert response.status_code == 302, (qcode, response.get_data(as_text=True)[:500])
    return response


def member(name, relationship="child", income="0"):
    return {"member_name-value": name, "relationship-value": relationship, "date_of_birth-day": "4",
            "date_of_birth-month": "5", "date_of_birth-year": "2012", "monthly_income-value": income,
            "income_source-value": "none"}


def test_income_over_the_limit_for_the_household_size_ends_at_an_exit_page(client):
    response = screener(client, size="1", income="58400")  # the 1-person limit: must be below it
    assert response.location.endswith(f"/report/{CODE}/q/over_income_limit")
    page = client.get(response.location).get_data(as_text=True)
    assert "<h1>" in page
    # The same income is fine for a household of three.
    assert answer(client, CODE, "household_size", {"value": "3"}).location.endswith("/q/household_income")
    ok = answer(client, CODE, "household_income", {"value": "58400"})
    assert ok.location.endswith("/q/may_be_eligible")


def test_not_a_resident_stops_at_once(client):
    response = answer(client, CODE, "lives_in_riverton", {"value": "no"})
    assert response.location.endswith("/q/not_resident")
    assert client.get(f"/report/{CODE}/q/rents_home").location.endswith("/q/not_resident")


def up_to_the_household(client, size="3") -> str:
    """Answer every page before the household list; returns the list page's path."""
    screener(client, size=size)
    assert post_form(client, f"/report/{CODE}/q/may_be_eligible", {}).location.endswith("/q/applicant_name")
    for qcode, data in [("applicant_name", {"value": "Rosa Pérez"}), ("applicant_phone", {"value": "202 555 0143"}),
                        ("applicant_email", {"value": ""}),
                        ("applicant_address", {"street": "9 Elm Street", "city": "Riverton", "zip": "20500"})]:
        assert answer(client, CODE, qcode, data).status_code == 302, qcode
    return f"/report/{CODE}/q/household_members"


def test_household_members_can_be_added_changed_and_removed(app, client):
    group = up_to_the_household(client)
    # Continue with nobody added yet: at least one person is needed.
    empty = post_form(client, group, {})
    assert empty.status_code == 400 and 'href="#add-item"' in empty.get_data(as_text=True)
    # A member with a missing date of birth is refused with the error on its own field.
    bad = post_form(client, f"{group}/item/new", {**member("Ana"), "date_of_birth-day": ""})
    assert bad.status_code == 400 and 'href="#date_of_birth-day"' in bad.get_data(as_text=True)
    for name in ("Rosa Pérez", "Ana Pérez", "Luis Pérez"):
        added = post_form(client, f"{group}/item/new", member(name), token_from=f"{group}/item/new")
        assert added.status_code == 302 and added.location.endswith(group)
    page = client.get(group).get_data(as_text=True)
    assert all(name in page for name in ("Rosa Pérez", "Ana Pérez", "Luis Pérez"))
    ids = re.findall(r"/item/([0-9a-f]{16})/remove", page)
    assert len(ids) == 3
    # Change the second; remove the third.
    changed = post_form(client, f"{group}/item/{ids[1]}", member("Ana María Pérez", income="250"))
    assert changed.status_code == 302
    token = csrf_token(client, group)
    assert client.post(f"{group}/item/{ids[2]}/remove", data={"csrf_token": token}).status_code == 302
    page = client.get(group).get_data(as_text=True)
    assert "Ana María Pérez" in page and "Luis Pérez" not in page
    # A second tab still showing the removed person cannot change anyone else.
    stale = post_form(client, f"{group}/item/{ids[2]}", member("Luis Pérez"), token_from=group)
    assert stale.status_code == 409
    assert "Luis Pérez" not in client.get(group).get_data(as_text=True)
    # The list must agree with the household size given in the eligibility check.
    mismatch = post_form(client, group, {})
    assert mismatch.status_code == 400 and "You said 3, but the list has 2" in mismatch.get_data(as_text=True)
    post_form(client, f"{group}/item/new", member("Luis Pérez"))
    assert post_form(client, group, {}).location.endswith(f"/report/{CODE}/q/monthly_rent")


def test_the_contact_page_offers_what_the_application_already_asked(client):
    screener(client)
    post_form(client, f"/report/{CODE}/q/may_be_eligible", {})
    answer(client, CODE, "applicant_name", {"value": "Rosa Pérez"})
    answer(client, CODE, "applicant_phone", {"value": "202 555 0143"})
    answer(client, CODE, "applicant_email", {"value": "rosa@example.com"})
    definition = client.application.extensions["catalog"].service(CODE)
    found = given_earlier(definition, {"applicant_name": "Rosa Pérez", "applicant_phone": "202 555 0143",
                                        "applicant_email": "rosa@example.com"})
    assert found == {"name": "Rosa Pérez", "phone": "+12025550143", "email": "rosa@example.com"}


def test_answers_held_on_the_account_are_offered(app, client, db_session):
    from .test_accounts import sign_in, sign_up

    sign_up(client, db_session)
    sign_in(client)
    post_form(client, "/account/preferences", {"channel": "email", "email": "ana@example.com", "phone": "202 555 0143",
                                               "locale": "en", "line1": "9 Elm Street", "city": "Riverton",
                                               "state": "VA", "zip": "20500"})
    screener(client)
    post_form(client, f"/report/{CODE}/q/may_be_eligible", {})
    phone_page = None
    answer(client, CODE, "applicant_name", {"value": "Ana"})
    phone_page = client.get(f"/report/{CODE}/q/applicant_phone").get_data(as_text=True)
    assert 'value="(202) 555-0143"' in phone_page
    answer(client, CODE, "applicant_phone", {"value": "202 555 0143"})
    answer(client, CODE, "applicant_email", {"value": "ana@example.com"})
    address_page = client.get(f"/report/{CODE}/q/applicant_address").get_data(as_text=True)
    assert 'value="9 Elm Street"' in address_page and 'value="20500"' in address_page
