"""The queue page at /staff: what it lists and shows, bad addresses, keyset links, "Take the next
case", saved views, and bulk changes with their cap and confirmation page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select, update

from portal.models import AuditRecord, Case, CaseEvent, Notification, SavedFilter

from .. import factories
from ..conftest import csrf_token
from ..staff import sign_in_staff


def signed_in(app, client, email="cw@riverton.example", roles=("caseworker",), departments=("public-works",),
              name="Casey Worker"):
    member = factories.staff_member(app, email, roles=roles, departments=departments, name=name)
    assert sign_in_staff(client, member).status_code == 302
    return member


def text(response) -> str:
    return response.get_data(as_text=True)


def listed(response) -> list[str]:
    return re.findall(r'<th scope="row"[^>]*><a class="usa-link" href="[^"]*">([A-Z0-9-]+)</a>', text(response))


def test_the_queue_lists_my_departments_cases_with_their_details(app, client):
    signed_in(app, client)
    hazard = factories.case(app, "pothole", answers=factories.answers(app, "pothole", size="large",
                                                                       position="crosswalk"),
                            contact={"preferred_channel": "email", "large_print": True}, locale="es").case
    other = factories.case(app, "streetlight-out").case
    page = client.get("/staff/?view=all")
    assert page.status_code == 200
    body = text(page)
    assert listed(page) == [hazard.reference]
    assert other.reference not in body
    assert f'href="/staff/cases/{hazard.reference}"' in body
    assert "A large pothole where people drive, ride or walk: a danger to life" in body
    assert "Large print" in body and "Español" in body and "Online" in body
    assert '<caption id="queue-caption">' in body and '<th scope="col">' in body
    assert 'tabindex="0" role="region" aria-labelledby="queue-caption"' in body
    assert "Received: <strong>1</strong>" in body


def test_priority_reasons_are_shown_in_the_members_language(app, client):
    signed_in(app, client)
    factories.case(app, "pothole", answers=factories.answers(app, "pothole", size="large", position="crosswalk"))
    body = text(client.get("/staff/?view=all&lang=es"))
    assert "Un bache grande donde la gente maneja" in body


def test_overdue_is_marked_in_words_not_colour_alone(app, client, db_session):
    signed_in(app, client)
    late = factories.case(app, "pothole").case.reference
    # What time passing would do: the date a response was due is gone.
    db_session.execute(update(Case).where(Case.reference == late).values(respond_by=date(2020, 1, 1)))
    db_session.commit()
    page = client.get("/staff/?view=all&overdue=1")
    assert listed(page) == [late]
    assert "⚠ Overdue" in text(page)


def test_my_cases_are_empty_until_i_take_one(app, client):
    signed_in(app, client)
    urgent = factories.case(app, "pothole", answers=factories.answers(app, "pothole", size="large")).case
    factories.case(app, "pothole")
    empty = client.get("/staff/")
    assert listed(empty) == []
    assert "No case is assigned to you." in text(empty) and "Take the next case" in text(empty)
    taken = client.post("/staff/take-next", data={"csrf_token": csrf_token(client, "/staff/")})
    assert taken.status_code == 302 and taken.location == f"/staff/cases/{urgent.reference}"
    assert listed(client.get("/staff/")) == [urgent.reference]


def test_take_next_needs_the_csrf_token_and_says_when_nothing_waits(app, client):
    signed_in(app, client)
    assert client.post("/staff/take-next", data={}).status_code == 400
    none = client.post("/staff/take-next", data={"csrf_token": csrf_token(client, "/staff/")}, follow_redirects=True)
    assert "There is no unassigned case waiting in your departments." in text(none)


def test_a_contact_centre_agent_has_no_take_button_and_cannot_take(app, client):
    signed_in(app, client, "agent@riverton.example", roles=("contact_centre",))
    factories.case(app, "pothole")
    assert "Take the next case" not in text(client.get("/staff/"))
    assert client.post("/staff/take-next", data={"csrf_token": csrf_token(client, "/staff/")}).status_code == 404


@pytest.mark.parametrize("query", ["view=everyone", "status=lost", "sort=random", "priority=high",
                                   "after=nonsense", "service=moon", "need=x", "view=mine&view=all"])
def test_bad_parameters_are_a_clear_400(app, client, query):
    signed_in(app, client)
    page = client.get(f"/staff/?{query}")
    assert page.status_code == 400
    assert "which the queue does not know" in text(page)


def test_next_and_previous_pages_by_keyset(app, client, monkeypatch):
    from portal.cases import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    monkeypatch.setattr(queue.page, "__defaults__", (2,))
    signed_in(app, client)
    made = [factories.case(app, "pothole").case.reference for _ in range(5)]
    first = client.get("/staff/?view=all")
    assert listed(first) == made[:2] and "Previous page" not in text(first)
    following = re.search(r'rel="next" href="([^"]+)"', text(first)).group(1).replace("&amp;", "&")
    assert "offset" not in following and "after=" in following and "view=all" in following
    second = client.get(following)
    assert listed(second) == made[2:4]
    back = re.search(r'rel="prev" href="([^"]+)"', text(second)).group(1).replace("&amp;", "&")
    assert listed(client.get(back)) == made[:2]


def test_saved_views_are_each_members_own(app, client):
    signed_in(app, client)
    saved = client.post("/staff/views?view=all&status=received&sort=age",
                        data={"csrf_token": csrf_token(client, "/staff/"), "name": "Oldest new"})
    assert saved.status_code == 302
    page = text(client.get("/staff/"))
    assert "Oldest new" in page and "view=all&amp;status=received&amp;sort=age" in page
    twice = client.post("/staff/views?view=all", data={"csrf_token": csrf_token(client, "/staff/"),
                                                       "name": "oldest NEW"})
    assert twice.status_code == 400 and "You already have a view with this name" in text(twice)
    unnamed = client.post("/staff/views?view=all", data={"csrf_token": csrf_token(client, "/staff/"), "name": " "})
    assert unnamed.status_code == 400 and "Enter a name for this view" in text(unnamed)

    other = app.test_client()
    signed_in(app, other, "other@riverton.example")
    assert "Oldest new" not in text(other.get("/staff/"))
    filter_id = re.search(r'/staff/views/(\d+)/delete', page).group(1)
    assert other.post(f"/staff/views/{filter_id}/delete",
                      data={"csrf_token": csrf_token(other, "/staff/")}).status_code == 404
    assert client.post(f"/staff/views/{filter_id}/delete",
                       data={"csrf_token": csrf_token(client, "/staff/")}).status_code == 302
    assert "Oldest new" not in text(client.get("/staff/"))


def _supervisor(app, client):
    return signed_in(app, client, "sup@riverton.example", roles=("supervisor",), name="Sam Supervisor")


def _chosen(db_session, references):
    db_session.rollback()
    return [f"{r}:{db_session.scalar(select(Case.revision).where(Case.reference == r))}" for r in references]


def test_bulk_assign_is_confirmed_then_applied(app, client, db_session):
    _supervisor(app, client)
    worker = factories.staff_member(app, "cw@riverton.example", name="Casey Worker")
    factories.staff_member(app, "far@riverton.example", departments=("transportation",), name="Far Away")
    made = [factories.case(app, "pothole").case.reference for _ in range(5)]
    page = text(client.get("/staff/?view=all"))
    assert 'name="case"' in page and "Casey Worker" in page and "Far Away" not in page
    token = csrf_token(client, "/staff/")
    form = {"csrf_token": token, "action": f"assign:{worker.id}", "case": _chosen(db_session, made)}
    confirm = client.post("/staff/bulk/", data=form)
    assert confirm.status_code == 200
    body = text(confirm)
    assert "5 cases will be assigned to Casey Worker." in body and all(r in body for r in made)
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Case).where(Case.assignee_id.is_not(None))) == 0
    done = client.post("/staff/bulk/apply", data={**form, "csrf_token": csrf_token(client, "/staff/")})
    assert done.status_code == 302
    db_session.rollback()
    assert set(db_session.scalars(select(Case.assignee_id))) == {worker.id}
    assert db_session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "assign")) == 5
    assert db_session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "case.assign")) == 5


def test_bulk_assign_to_someone_outside_the_department_changes_nothing(app, client, db_session):
    _supervisor(app, client)
    far = factories.staff_member(app, "far@riverton.example", departments=("transportation",), name="Far Away")
    made = [factories.case(app, "pothole").case.reference for _ in range(2)]
    form = {"csrf_token": csrf_token(client, "/staff/"), "action": f"assign:{far.id}",
            "case": _chosen(db_session, made)}
    confirm = client.post("/staff/bulk/", data=form)
    assert confirm.status_code == 409
    assert "does not work in this case’s department" in text(confirm) and "/staff/bulk/apply" not in text(confirm)
    assert client.post("/staff/bulk/apply", data=form).status_code == 409
    db_session.rollback()
    assert set(db_session.scalars(select(Case.assignee_id))) == {None}


def test_bulk_status_change_is_all_or_nothing(app, client, db_session):
    _supervisor(app, client)
    received = [factories.case(app, "pothole").case.reference for _ in range(2)]
    closed = factories.case(app, "pothole", "closed").case.reference
    form = {"csrf_token": csrf_token(client, "/staff/"), "action": "status:in_review",
            "case": _chosen(db_session, [*received, closed])}
    confirm = client.post("/staff/bulk/", data=form)
    assert confirm.status_code == 409 and "Its status does not allow this change." in text(confirm)
    assert client.post("/staff/bulk/apply", data=form).status_code == 409
    db_session.rollback()
    assert set(db_session.scalars(select(Case.status).where(Case.reference.in_(received)))) == {"received"}

    form["case"] = _chosen(db_session, received)
    assert client.post("/staff/bulk/", data=form).status_code == 200
    notes = {"note": "We are looking at your report."}
    assert client.post("/staff/bulk/apply", data={**form, **notes,
                                                  "csrf_token": csrf_token(client, "/staff/")}).status_code == 302
    db_session.rollback()
    assert set(db_session.scalars(select(Case.status).where(Case.reference.in_(received)))) == {"in_review"}
    events = db_session.scalars(select(CaseEvent).where(CaseEvent.action == "review")).all()
    assert len(events) == 2 and {e.public_note for e in events} == {"We are looking at your report."}
    assert db_session.scalar(select(func.count()).select_from(Notification)) >= 2 + 3  # received + updates


def test_a_case_changed_after_it_was_chosen_stops_the_bulk_change(app, client, db_session):
    _supervisor(app, client)
    made = [factories.case(app, "pothole").case.reference for _ in range(2)]
    form = {"csrf_token": csrf_token(client, "/staff/"), "action": "status:in_review",
            "case": _chosen(db_session, made)}
    factories.move(app, made[0], "in_review")
    stale = client.post("/staff/bulk/apply", data=form)
    assert stale.status_code == 409 and "It changed after you chose it." in text(stale)
    db_session.rollback()
    assert db_session.scalar(select(Case.status).where(Case.reference == made[1])) == "received"


def test_bulk_over_the_cap_is_a_clear_400_and_changes_nothing(app, client, db_session):
    from portal.cases import bulk

    _supervisor(app, client)
    made = [factories.case(app, "pothole").case.reference for _ in range(3)]
    chosen = _chosen(db_session, made) + [f"X{i:04d}:0" for i in range(bulk.MAX_CASES - 2)]
    form = {"csrf_token": csrf_token(client, "/staff/"), "action": "status:in_review", "case": chosen}
    for url in ("/staff/bulk/", "/staff/bulk/apply"):
        refused = client.post(url, data=form)
        assert refused.status_code == 400
        assert "You chose 201 cases. Choose 200 or fewer at once." in text(refused)
    db_session.rollback()
    assert set(db_session.scalars(select(Case.status))) == {"received"}


def test_bulk_is_for_supervisors_and_their_departments_only(app, client, db_session):
    signed_in(app, client)
    mine = factories.case(app, "pothole").case.reference
    assert 'name="case"' not in text(client.get("/staff/?view=all"))
    form = {"csrf_token": csrf_token(client, "/staff/"), "action": "status:in_review",
            "case": _chosen(db_session, [mine])}
    assert client.post("/staff/bulk/", data=form).status_code == 404

    boss = app.test_client()
    _supervisor(app, boss)
    theirs = factories.case(app, "streetlight-out").case.reference
    form = {"csrf_token": csrf_token(boss, "/staff/"), "action": "status:in_review",
            "case": _chosen(db_session, [mine, theirs])}
    assert boss.post("/staff/bulk/", data=form).status_code == 404
    assert boss.post("/staff/bulk/apply", data=form).status_code == 404
    db_session.rollback()
    assert set(db_session.scalars(select(Case.status))) == {"received"}


def test_saved_filters_table_holds_the_query_string(app, client, db_session):
    member = signed_in(app, client)
    client.post("/staff/views?view=unassigned&need=braille", data={"csrf_token": csrf_token(client, "/staff/"),
                                                                   "name": "Braille"})
    db_session.rollback()
    saved = db_session.scalars(select(SavedFilter).where(SavedFilter.staff_id == member.id)).one()
    assert saved.query == "view=unassigned&need=braille"
