"""Conditions, exit pages and "Change" links on check answers."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import Case

from ..conftest import post_form
from ..helpers import answer, reference_on, report_pothole

CONTACT = {"name": "", "email": "", "phone": "", "channel": "none", "locale": "en"}


def test_danger_leads_to_the_911_exit_page_and_cannot_be_submitted(client):
    response = answer(client, "noise", "danger", {"value": "yes"})
    assert response.location.endswith("/report/noise/q/call_911")
    page = client.get(response.location)
    assert page.status_code == 200 and "911" in page.get_data(as_text=True)
    # Nothing past the exit page can be reached.
    for url in ["/report/noise/q/location", "/report/noise/contact", "/report/noise/check"]:
        assert client.get(url).location.endswith("/report/noise/q/call_911"), url
    # Changing the answer opens the rest of the journey.
    assert answer(client, "noise", "danger", {"value": "no"}).location.endswith("/report/noise/q/location")


def test_change_link_returns_to_check_answers(client):
    check = report_pothole(client).get_data(as_text=True)
    assert 'href="/report/pothole/q/size?change=1"' in check
    page = client.get("/report/pothole/q/size?change=1").get_data(as_text=True)
    assert 'value="medium" checked' in page  # the earlier answer is shown
    response = post_form(client, "/report/pothole/q/size?change=1", {"value": "large"})
    assert response.location.endswith("/report/pothole/check")


def test_a_change_asks_only_what_it_affects_and_drops_answers_no_longer_asked(client, db_session):
    steps = [
        ("location", {"street": "5 Oak Avenue"}),
        ("vehicle_description", {"value": "Blue van"}),
        ("plate_visible", {"value": "no"}),
        ("first_seen", {"day": "1", "month": "11", "year": "2026"}),
        ("condition", {"value": ["flat_tires", "leaking"]}),
    ]
    for qcode, data in steps:
        assert answer(client, "abandoned-vehicle", qcode, data).status_code == 302, qcode
    assert post_form(client, "/report/abandoned-vehicle/contact", CONTACT).status_code == 302
    # Saying the plate is visible asks for the plate number, then goes back to check answers.
    response = answer(client, "abandoned-vehicle", "plate_visible?change=1", {"value": "yes"})
    assert response.location.endswith("/report/abandoned-vehicle/q/plate_number?change=1")
    response = answer(client, "abandoned-vehicle", "plate_number?change=1", {"value": "ABC 1234"})
    assert response.location.endswith("/report/abandoned-vehicle/check")
    # And back again: the plate number is no longer asked, nor kept.
    assert answer(client, "abandoned-vehicle", "plate_visible?change=1", {"value": "no"}).location.endswith("/check")
    sent = post_form(client, "/report/abandoned-vehicle/check", {})
    reference = reference_on(client.get(sent.location).get_data(as_text=True))
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    assert "plate_number" not in case.answers
    assert case.answers["condition"] == ["flat_tires", "leaking"]
    assert case.answers["vehicle_description"] == "Blue van"


def test_old_cases_render_under_the_definition_they_were_given_under(app, client, db_session):
    from portal.cases.definitions import stored_version

    report_pothole(client)
    sent = post_form(client, "/report/pothole/check", {})
    page = client.get(sent.location).get_data(as_text=True)
    reference = reference_on(page)
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    # The agency rewords a question; the stored case keeps the words the resident saw.
    definition = app.extensions["catalog"].service("pothole")
    original_label = definition.question("size").label("en")
    changed = dict(definition.raw)
    changed["questions"] = [dict(q) for q in definition.raw["questions"]]
    size = next(q for q in changed["questions"] if q["code"] == "size")
    size["text"] = {**size["text"], "en": {**size["text"]["en"], "label": "How large?"}}
    from portal.catalog import ServiceDefinition

    new_version = stored_version(db_session, ServiceDefinition(changed))
    assert new_version.id != case.definition_id and new_version.version == 2
    db_session.commit()
    from ..helpers import tracking_link_on

    tracked = app.test_client().get(tracking_link_on(page)).get_data(as_text=True)
    assert original_label in tracked and "How large?" not in tracked
