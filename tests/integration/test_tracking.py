"""Tracking: one generic answer for every wrong combination, rate limits, and access."""

from __future__ import annotations

from portal.cases.references import new_reference

from ..conftest import post_form
from ..helpers import reference_on, report_pothole, submit, tracking_link_on


def make_case(client, email="ana@example.com", phone=""):
    report_pothole(client, {"name": "", "email": email, "phone": phone, "channel": "email" if email else "text"})
    return client.get(submit(client).location).get_data(as_text=True)


def test_wrong_combinations_get_one_generic_answer(app):
    page = make_case(app.test_client())
    reference = reference_on(page)
    answers = []
    for data in [
        {"reference": reference, "contact": "someone.else@example.com"},  # real reference, wrong email
        {"reference": new_reference(), "contact": "ana@example.com"},  # no such reference
        {"reference": reference, "contact": "202 555 0143"},  # real reference, phone not given
    ]:
        response = post_form(app.test_client(), "/track", data)
        body = response.get_data(as_text=True)
        answers.append((response.status_code, body.split('<div role="alert">')[1].split("</div>")[0]))
    assert len(set(answers)) == 1
    assert answers[0][0] == 404


def test_tracking_by_phone(app):
    page = make_case(app.test_client(), email="", phone="(202) 555-0143")
    reference = reference_on(page)
    client = app.test_client()
    found = post_form(client, "/track", {"reference": reference, "contact": "+1 202 555 0143"})
    assert found.status_code == 302
    assert "Received" in client.get(found.location).get_data(as_text=True)


def test_malformed_reference_gets_a_format_message(client):
    response = post_form(client, "/track", {"reference": "hello", "contact": "a@example.com"})
    assert response.status_code == 400
    assert "exactly as it was given" in response.get_data(as_text=True)
    response = post_form(client, "/track", {"reference": "", "contact": ""})
    assert response.status_code == 400
    assert "Enter your reference" in response.get_data(as_text=True)


def test_one_resident_cannot_see_another_residents_case(app):
    ana = app.test_client()
    ana_page = make_case(ana)
    ana_ref = reference_on(ana_page)
    ben = app.test_client()
    ben_page = make_case(ben, email="ben@example.com")
    ben_ref = reference_on(ben_page)
    # Ben proved his case; Ana's stays closed to him, by URL or by guessing her link.
    assert post_form(ben, "/track", {"reference": ben_ref, "contact": "ben@example.com"}).status_code == 302
    assert ben.get(f"/track/case/{ben_ref}").status_code == 200
    response = ben.get(f"/track/case/{ana_ref}")
    assert response.status_code == 302 and response.location.endswith("/track")
    link = tracking_link_on(ana_page)
    assert ben.get(link[:-4] + "0000").status_code == 404
    assert ben.get("/track/t/" + "a" * 500).status_code == 404
    assert ana_ref not in ben.get(f"/track/case/{ben_ref}").get_data(as_text=True)


def test_tracking_attempts_are_rate_limited(app):
    client = app.test_client()
    statuses = [
        post_form(client, "/track", {"reference": new_reference(), "contact": "x@example.com"}).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [404] * 10
    assert statuses[-1] == 429
    body = post_form(client, "/track", {"reference": new_reference(), "contact": "x@example.com"}).get_data(as_text=True)
    assert "Too many attempts" in body
