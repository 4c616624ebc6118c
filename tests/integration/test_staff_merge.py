"""A duplicate merged into its primary case: closed through the workflow, both cases remember it,
both residents are kept informed in their own language, and a merge that cannot be done — into
itself, a merged or finished case, another kind of service, out of scope, twice — changes nothing."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from portal import db
from portal.actors import system
from portal.cases import transitions, workflow
from portal.cases.workflow import IllegalTransition
from portal.models import Case, Notification
from portal.notify.render import render

from .. import factories
from .test_staff_transfer import audit_rows, open_form, saved, staff_client

LUIS = {"name": "Luis Pérez", "email": "luis@example.com"}


def merge_url(reference: str) -> str:
    return f"/staff/cases/{reference}/merge"


@pytest.fixture
def pair(app):
    """A primary pothole reported in English and its duplicate, at the same address, in Spanish."""
    where = factories.answers(app, "pothole")["location"]
    primary = factories.case(app, "pothole", "in_review", answers=factories.answers(app, "pothole", location=where))
    duplicate = factories.case(app, "pothole", locale="es", contact=LUIS,
                               answers=factories.answers(app, "pothole", location=dict(where, street=where["street"].upper())))
    return primary, duplicate


def merge(client, duplicate: str, **fields):
    return client.post(merge_url(duplicate), data={**open_form(client, merge_url(duplicate)), **fields})


def test_the_merge_page_offers_open_cases_of_the_service_same_address_first(app, pair):
    primary, duplicate = pair
    elsewhere = factories.case(app, "pothole", answers=factories.answers(
        app, "pothole", location={"street": "1 Far Away Road", "city": "Riverton", "zip": "20500"}))
    factories.case(app, "pothole", "in_review", "closed")  # finished: not offered
    factories.case(app, "graffiti")  # another service and department: not offered
    page = staff_client(app, "cw@riverton.example").get(merge_url(duplicate.case.reference)).get_data(as_text=True)
    assert page.index(f"{primary.case.reference}: Being reviewed, at the same address") < page.index(
        f"{elsewhere.case.reference}: Received")
    assert page.count('name="primary"') == 2 and f'value="{duplicate.case.reference}"' not in page


def test_merging_closes_the_duplicate_and_keeps_both_residents_informed(app, pair):
    primary, duplicate = pair
    works = staff_client(app, "cw@riverton.example")
    sent = merge(works, duplicate.case.reference, primary=primary.case.reference, note="Same hole, two callers")
    assert sent.status_code == 302
    assert primary.case.reference in works.get(sent.headers["Location"]).get_data(as_text=True)
    dup, main = saved(app, duplicate.case.reference), saved(app, primary.case.reference)
    assert dup["status"] == "closed"
    *last, details = dup["events"][-1]
    assert tuple(last) == ("merge", "received", "closed", None, "Same hole, two callers")
    assert details["primary"] == primary.case.reference
    assert main["status"] == "in_review"
    assert main["events"][-1] == ("merge", "in_review", "in_review", None, "Same hole, two callers",
                                  {"duplicate": duplicate.case.reference})
    with db.session_scope(app) as s:
        assert s.get(Case, duplicate.case.id).merged_into_id == primary.case.id
    assert [r[0] for r in audit_rows(app, "case.merge", duplicate.case.reference)] == ["success"]
    assert [r[2] for r in audit_rows(app, "case.merged_in", primary.case.reference)] == [
        {"duplicate": duplicate.case.reference}]
    template, locale, context = dup["notes"][-1]
    assert (template, locale, context["primary_reference"]) == ("case_merged", "es", primary.case.reference)
    # The primary's news now reaches both residents, each in their language; a question for the
    # primary's resident does not.
    with db.session_scope(app) as s:
        queued = s.scalar(select(func.max(Notification.id)))
    factories.move(app, primary.case.reference, factories.Staff("scheduled", public="Crew on Friday"))
    factories.move(app, primary.case.reference, "resolved")
    with db.session_scope(app) as s:
        notes = list(s.scalars(select(Notification).where(Notification.id > queued).order_by(Notification.id)))
        sent_to = [(n.template, n.locale, n.recipient["email"], n.case_id) for n in notes]
        joined = render(app, next(n for n in notes if n.case_id == duplicate.case.id))
    assert sorted(sent_to) == sorted([
        ("case_updated", "en", "ana@example.com", primary.case.id), ("case_updated", "es", "luis@example.com", duplicate.case.id),
        ("case_decided", "en", "ana@example.com", primary.case.id), ("case_decided", "es", "luis@example.com", duplicate.case.id)])
    assert joined.locale == "es" and "Crew on Friday" in joined.text
    with app.test_request_context(), force_locale("es"):
        said = gettext("Your request %(joined)s was joined to this request, so we send you its news.",
                       joined=duplicate.case.reference)
    assert not said.startswith("Your request") and said in joined.text  # in Spanish
    page = app.test_client().get(f"/track/t/{duplicate.tracking_token}").get_data(as_text=True)
    assert f"joined your request to request {primary.case.reference}" in page
    assert "Same hole" not in page
    theirs = app.test_client().get(f"/track/t/{primary.tracking_token}").get_data(as_text=True)
    assert duplicate.case.reference not in theirs and "Same hole" not in theirs


def test_a_request_for_information_goes_only_to_the_primary_resident(app, pair):
    primary, duplicate = pair
    assert merge(staff_client(app, "cw@riverton.example"), duplicate.case.reference,
                 reference=primary.case.reference.lower()).status_code == 302
    factories.move(app, primary.case.reference, factories.Staff("more_info_needed", public="Which lane?"))
    with db.session_scope(app) as s:
        asked = [n.case_id for n in s.scalars(select(Notification).filter_by(template="info_requested"))]
    assert asked == [primary.case.id]


def _refused_with(app, client, duplicate: str, message: str, **fields):
    before = saved(app, duplicate)
    answer = merge(client, duplicate, **fields)
    assert answer.status_code == 400, answer.status_code
    assert message in answer.get_data(as_text=True)
    assert saved(app, duplicate) == before


def test_a_case_cannot_be_merged_into_itself_nothing_an_unknown_case_or_with_a_long_note(app, pair):
    primary, duplicate = pair
    works = staff_client(app, "cw@riverton.example")
    ref = duplicate.case.reference
    _refused_with(app, works, ref, "A case cannot be merged into itself", reference=ref)
    _refused_with(app, works, ref, "Choose the case to merge this one into, or type its reference")
    _refused_with(app, works, ref, "no open case with that reference", reference="AAA-AAA-AAA")
    _refused_with(app, works, ref, "Your text must be 2000 characters or fewer",
                  reference=primary.case.reference, note="x" * 2001)
    assert audit_rows(app, "case.merge", ref) == []


def test_merging_twice_or_into_a_merged_or_finished_case_is_refused(app, pair):
    primary, duplicate = pair
    works = staff_client(app, "cw@riverton.example")
    assert merge(works, duplicate.case.reference, primary=primary.case.reference).status_code == 302
    third = factories.case(app, "pothole")
    _refused_with(app, works, duplicate.case.reference, "This case was merged into another case already",
                  reference=third.case.reference)
    _refused_with(app, works, third.case.reference, "That case was merged into another case",
                  reference=duplicate.case.reference)
    closed = factories.case(app, "pothole", "in_review", "resolved")
    _refused_with(app, works, third.case.reference, "That case is finished", reference=closed.case.reference)


def test_a_form_sent_twice_merges_once(app, pair):
    primary, duplicate = pair
    works = staff_client(app, "cw@riverton.example")
    form = {**open_form(works, merge_url(duplicate.case.reference)), "primary": primary.case.reference}
    assert works.post(merge_url(duplicate.case.reference), data=form).status_code == 302
    again = works.post(merge_url(duplicate.case.reference), data=form)
    assert again.status_code == 409 and "Merged into case" in again.get_data(as_text=True)
    assert [e[0] for e in saved(app, primary.case.reference)["events"]].count("merge") == 1


def test_both_cases_must_be_in_scope_and_of_one_kind(app, pair):
    _primary, duplicate = pair
    works = staff_client(app, "cw@riverton.example", ("public-works", "urban-forestry"))
    streetlight = factories.case(app, "streetlight-out")
    tree = factories.case(app, "tree-removal")
    _refused_with(app, works, duplicate.case.reference, "no open case with that reference",
                  reference=streetlight.case.reference)
    _refused_with(app, works, duplicate.case.reference, "a different kind of service", reference=tree.case.reference)
    assert works.get(merge_url(streetlight.case.reference)).status_code == 404
    agent = staff_client(app, "cc@riverton.example", roles=("contact_centre",))
    assert agent.get(merge_url(duplicate.case.reference)).status_code == 404


def test_only_a_merge_takes_the_merge_action(app):
    permit = factories.case(app, "tree-removal", "in_review")
    with db.session_scope(app) as s:
        case = s.get(Case, permit.case.id)
        with pytest.raises(IllegalTransition):  # closing a permit under review is not a status move
            transitions.transition(s, case, workflow.CLOSED, system("tests"))
        with pytest.raises(IllegalTransition):  # and the action itself needs the primary named first
            transitions.act(s, case, "merge", system("tests"))
