"""The complaint journey end to end through the test client, with real CSRF tokens."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import Case, CaseEvent

from ..conftest import csrf_token, post_form
from ..helpers import reference_on, report_pothole, submit, tracking_link_on


def test_report_a_pothole_and_track_it(client, app, db_session):
    check = report_pothole(client)
    page = check.get_data(as_text=True)
    assert check.status_code == 200
    assert "12 Main Street" in page and "ana@example.com" in page
    sent = submit(client)
    assert sent.status_code == 302 and sent.location.endswith("/report/pothole/confirmation")
    confirmation = client.get(sent.location).get_data(as_text=True)
    reference = reference_on(confirmation)
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    assert case.status == "received"
    assert case.answers["location"]["street"] == "12 Main Street"
    assert case.respond_by > case.submitted_at.date()
    assert [e.status_to for e in case.events] == ["received"]

    # Track with the private link, from another browser.
    link = tracking_link_on(confirmation)
    other = app.test_client()
    tracked = other.get(link)
    assert tracked.status_code == 200 and reference in tracked.get_data(as_text=True)
    assert tracked.headers["Cache-Control"] == "no-store"

    # Track with reference and email, typed loosely.
    other = app.test_client()
    found = post_form(other, "/track", {"reference": reference.lower().replace("-", " "),
                                        "contact": " ANA@example.com "})
    assert found.status_code == 302
    assert other.get(found.location).status_code == 200


def test_submitting_twice_makes_one_case(client, db_session):
    report_pothole(client)
    token = csrf_token(client, "/report/pothole/check")
    first = client.post("/report/pothole/check", data={"csrf_token": token})
    again = client.post("/report/pothole/check", data={"csrf_token": token})  # a double click, or back and resubmit
    assert first.location == again.location
    assert db_session.scalar(select(func.count()).select_from(Case)) == 1
    assert db_session.scalar(select(func.count()).select_from(CaseEvent)) == 1
