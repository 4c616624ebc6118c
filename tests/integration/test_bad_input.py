"""Bad input gets a clear message and a 4xx, never a 500, and nothing is half-saved."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from portal.models import Case, Draft

from ..conftest import csrf_token, post_form
from ..helpers import answer, report_pothole


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1)


def count(db_session, model) -> int:
    db_session.rollback()  # end the read snapshot: see what requests committed
    return db_session.scalar(select(func.count()).select_from(model))


def test_unknown_service_and_question_are_404(client):
    assert client.get("/report/no-such-service").status_code == 404
    assert client.get("/report/no-such-service/q/location").status_code == 404
    assert client.get("/report/pothole/q/no_such_question").status_code == 404
    page = client.get("/report/no-such-service?lang=es")
    assert page.status_code == 404
    assert "Page not found" not in page.get_data(as_text=True)  # the Spanish catalog has it


def test_missing_answer_shows_error_summary_and_saves_nothing(client, db_session):
    response = answer(client, "pothole", "location", {"street": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert title(response).startswith("Error: ")
    assert 'data-module="error-summary"' in page and 'href="#street"' in page
    assert 'aria-describedby="street-error"' in page
    assert count(db_session, Draft) == 0


@pytest.mark.parametrize(
    ("qcode", "data", "message"),
    [
        ("location", {"street": "1 Main St", "zip": "ABCDE"}, "ZIP code"),
        ("location", {"street": "1 Main St", "latitude": "91", "longitude": "10"}, "latitude"),
        ("location", {"street": "1 Main St", "latitude": "40"}, "longitude"),
        ("location", {"street": "x" * 201}, "200 characters"),
        ("position", {"value": "not-a-choice"}, "Select one of the answers"),
        ("position", {}, "Select"),
    ],
)
def test_malformed_answers_are_refused(client, qcode, data, message):
    if qcode != "location":
        answer(client, "pothole", "location", {"street": "1 Main St"})
    response = answer(client, "pothole", qcode, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_dates_are_checked(client):
    for qcode, data in [("location", {"street": "1 Main St"}), ("position", {"value": "traffic_lane"}),
                        ("size", {"value": "small"})]:
        assert answer(client, "pothole", qcode, data).status_code == 302
    for data, message in [
        ({"day": "31", "month": "2", "year": "2025"}, "real date"),
        ({"day": "1", "month": "", "year": "2025"}, "month"),
        ({"day": "aa", "month": "1", "year": "2025"}, "real date"),
        ({"day": "1", "month": "1", "year": "1850"}, "1900"),
    ]:
        response = answer(client, "pothole", "first_seen", data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert answer(client, "pothole", "first_seen", {"day": "3", "month": "11", "year": "2026"}).status_code == 302


def test_page_posted_out_of_order_is_sent_back(client, db_session):
    token = csrf_token(client, "/report/pothole/q/location")
    response = client.post("/report/pothole/q/size", data={"csrf_token": token, "value": "small"})
    assert response.status_code == 302 and response.location.endswith("/report/pothole/q/location")
    assert count(db_session, Draft) == 0
    assert client.get("/report/pothole/check").status_code == 302
    assert client.get("/report/pothole/confirmation").status_code == 302


def test_missing_or_forged_csrf_token_is_refused(client, db_session):
    client.get("/report/pothole/q/location")
    for data in ({"street": "1 Main St"}, {"street": "1 Main St", "csrf_token": "forged"}):
        response = client.post("/report/pothole/q/location", data=data)
        assert response.status_code == 400
        assert "Your form expired" in response.get_data(as_text=True)
    assert count(db_session, Draft) == 0


def test_oversized_body_is_413(client):
    token = csrf_token(client, "/report/pothole/q/location")
    response = client.post("/report/pothole/q/location",
                           data={"csrf_token": token, "street": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_method_not_allowed_is_a_page(client):
    response = client.post("/services")
    assert response.status_code == 405


def test_contact_must_match_the_chosen_channel(client, db_session):
    report_pothole(client)
    for data, message in [
        ({"channel": "email", "email": ""}, "Enter your email address"),
        ({"channel": "text", "phone": ""}, "Enter your phone number"),
        ({"channel": "email", "email": "not-an-email"}, "correct format"),
        ({"channel": "phone", "phone": "12"}, "Enter a phone number"),
        ({"channel": "carrier-pigeon"}, "Select one of the answers"),
        ({"channel": "none", "name": "Ana\r\nBcc: x@example.com"}, "one line"),
    ]:
        response = post_form(client, "/report/pothole/contact", {"locale": "en", **data})
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert count(db_session, Case) == 0


def test_search_query_too_long(client):
    response = client.get("/services?q=" + "a" * 500)
    assert response.status_code == 400
    assert title(response).startswith("Error: ")


def test_invalid_language_is_ignored(client):
    response = client.get("/?lang=xx")
    assert response.status_code == 200 and '<html lang="en"' in response.get_data(as_text=True)


@pytest.mark.parametrize("data", [
    {"day": "1" * 30, "month": "1", "year": "2025"},
    {"day": "1", "month": "9" * 30, "year": "2025"},
    {"day": "0", "month": "1", "year": "2025"},
    {"day": "1", "month": "1", "year": "99999"},
])
def test_an_impossible_day_or_month_is_not_a_real_date(client, data):
    for qcode, answered in [("location", {"street": "1 Main St"}), ("position", {"value": "traffic_lane"}),
                            ("size", {"value": "small"})]:
        assert answer(client, "pothole", qcode, answered).status_code == 302
    response = answer(client, "pothole", "first_seen", data)
    assert response.status_code == 400
    assert "The date must be a real date" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["1e999999999", "-1e999999999", "1e-999999999", "sNaN", "Infinity"])
@pytest.mark.parametrize("field", ["latitude", "longitude"])
def test_an_enormous_coordinate_is_refused(client, db_session, field, value):
    other = "longitude" if field == "latitude" else "latitude"
    response = answer(client, "pothole", "location", {"street": "1 Main St", field: value, other: "10"})
    assert response.status_code == 400
    assert f"Enter a {field} between" in response.get_data(as_text=True)
    assert count(db_session, Draft) == 0


@pytest.mark.parametrize("value", ["1e999999999", "-1e999999999", "9" * 5000, "1e-999999999"])
def test_an_enormous_number_is_refused(app, value):
    from werkzeug.datastructures import MultiDict

    from portal.forms.pages import build

    for code, qcode in [("residential-alteration", "valuation"), ("rental-assistance", "household_size")]:
        question = app.extensions["catalog"].service(code).question(qcode)
        unbounded = replace(question, raw={k: v for k, v in question.raw.items() if k not in ("min", "max")})
        for bounded in (question, unbounded):
            with app.test_request_context(method="POST"):
                # With a prefix, as inside a group: the form has no CSRF token of its own.
                form = build(bounded, "en", formdata=MultiDict({"n-value": value}), prefix="n")
                assert not form.validate(), (qcode, value)
                assert list(form.errors) == ["value"], (qcode, value)


def test_a_huge_page_cursor_on_the_account_page_is_400(app, client, db_session):
    from .test_accounts import sign_in, sign_up

    sign_up(client, db_session)
    sign_in(client)
    assert client.get("/account?before=12").status_code == 200
    for before in ["9223372036854775808", "-1", "2147483648", "1e3", "٣"]:
        response = client.get(f"/account?before={before}")
        assert response.status_code == 400, before
        assert "Something was wrong with what was sent" in response.get_data(as_text=True)


def test_a_draft_id_that_cannot_exist_is_404(app, client, db_session):
    from .test_accounts import sign_in, sign_up

    sign_up(client, db_session)
    sign_in(client)
    token = csrf_token(client, "/account")
    for draft_id in ["9223372036854775808", "2147483648", "0", "1" * 40]:
        assert client.post(f"/report/pothole/continue/{draft_id}", data={"csrf_token": token}).status_code == 404
        assert client.get(f"/report/pothole/delete/{draft_id}").status_code == 404
        assert client.post(f"/report/pothole/delete/{draft_id}", data={"csrf_token": token}).status_code == 404


def test_a_nul_character_anywhere_is_a_400_not_a_500(client):
    # PostgreSQL cannot store NUL: it is refused before any page or domain function sees it.
    assert client.get("/track/case/ABC%00DEF").status_code == 400
    assert client.get("/services?q=pot%00hole").status_code == 400
    response = post_form(client, "/track", {"reference": "K7M-X3Q-HDT", "contact": "a\x00@example.com"})
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)
