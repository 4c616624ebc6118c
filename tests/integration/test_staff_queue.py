"""The staff queue in the domain, on a real database: scope, every filter and sort, keyset pages,
counts per status, and the priority a case gets from its service's rules when it is sent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from portal.accounts.staff import actor_for
from portal.cases import assignment, queue
from portal.cases.queue import BadQuery, Query
from portal.models import Case, StaffMember

from .. import factories

TODAY = date(2026, 3, 2)


def parse(**params) -> Query:
    return Query.parse({k: v if isinstance(v, list) else [v] for k, v in params.items()},
                       services={"pothole", "streetlight-out", "damaged-sidewalk"},
                       departments={"public-works", "transportation"}, languages={"en", "es", "ar"})


def references(db_session, actor, query: Query, today: date = TODAY, size: int = 50) -> list[str]:
    db_session.rollback()
    return [row.reference for row in queue.page(db_session, actor, query, today, size).rows]


def change(db_session, reference: str, **values) -> None:
    """Set what the workspace's other doors (entry by phone, time passing) would have set."""
    db_session.execute(update(Case).where(Case.reference == reference).values(**values))
    db_session.commit()


@pytest.fixture
def worker(app):
    return actor_for(factories.staff_member(app, "cw@riverton.example"))


def test_another_departments_case_is_never_listed(app, db_session, worker):
    mine = factories.case(app, "pothole").case.reference
    factories.case(app, "streetlight-out")  # transportation
    assert references(db_session, worker, parse(view="all")) == [mine]
    assert references(db_session, worker, parse(view="unassigned")) == [mine]
    assert references(db_session, worker, parse(view="all", department="transportation")) == []
    assert queue.counts(db_session, worker, parse(view="all", department="transportation"), TODAY) == {}


def test_mine_and_unassigned(app, db_session, worker):
    supervisor = actor_for(factories.staff_member(app, "sup@riverton.example", roles=("supervisor",)))
    first, second = (factories.case(app, "pothole").case.reference for _ in range(2))
    db_session.rollback()
    case = db_session.query(Case).filter_by(reference=first).one()
    member = db_session.get(StaffMember, int(worker.id))
    assignment.assign(db_session, case, supervisor, member.id)
    db_session.commit()
    assert references(db_session, worker, parse()) == [first]
    assert references(db_session, worker, parse(view="unassigned")) == [second]
    assert references(db_session, supervisor, parse()) == []
    assert sorted(references(db_session, worker, parse(view="all"))) == sorted([first, second])


def test_filters_by_status_service_priority_channel_and_language(app, db_session, worker):
    hazard = factories.case(app, "pothole", answers=factories.answers(app, "pothole", size="large",
                                                                       position="crosswalk")).case
    assert (hazard.priority, hazard.priority_reasons) == (3, ["hazard"])
    reviewed = factories.case(app, "pothole", "in_review", locale="es").case.reference
    sidewalk = factories.case(app, "damaged-sidewalk").case  # blocks access: priority 2
    assert (sidewalk.priority, sidewalk.priority_reasons) == (2, ["access_blocked"])
    change(db_session, reviewed, channel="phone")
    every = parse(view="all")
    assert references(db_session, worker, parse(view="all", status="in_review")) == [reviewed]
    assert set(references(db_session, worker, parse(view="all", status=["in_review", "received"]))) == {
        hazard.reference, reviewed, sidewalk.reference}
    assert references(db_session, worker, parse(view="all", service="damaged-sidewalk")) == [sidewalk.reference]
    assert references(db_session, worker, parse(view="all", priority="2")) == [hazard.reference, sidewalk.reference]
    assert references(db_session, worker, parse(view="all", priority="3")) == [hazard.reference]
    assert references(db_session, worker, parse(view="all", channel="phone")) == [reviewed]
    assert references(db_session, worker, parse(view="all", language="es")) == [reviewed]
    assert len(references(db_session, worker, every)) == 3


@pytest.mark.parametrize("need, preference", [
    ("large_print", {"large_print": True}), ("braille", {"braille": True}),
    ("interpreter", {"interpreter_language": "Somali"}), ("tty", {"tty_relay": True}),
])
def test_filter_by_accessibility_need(app, db_session, worker, need, preference):
    wanted = factories.case(app, "pothole", contact={"preferred_channel": "post", **preference}).case.reference
    factories.case(app, "pothole", contact={"preferred_channel": "email"})
    factories.case(app, "pothole")
    assert references(db_session, worker, parse(view="all", need=need)) == [wanted]
    row = queue.page(db_session, worker, parse(view="all", need=need), TODAY).rows[0]
    assert row.needs == (need,)


def test_an_accounts_needs_come_from_its_preferences(app, db_session, worker):
    owner = factories.account(app, contact={"preferred_channel": "email", "braille": True})
    wanted = factories.case(app, "pothole", account=owner).case.reference
    factories.case(app, "pothole")
    assert references(db_session, worker, parse(view="all", need="braille")) == [wanted]


def test_overdue_is_a_late_response_or_a_late_resolution(app, db_session, worker):
    unanswered = factories.case(app, "pothole").case.reference
    reviewing = factories.case(app, "pothole", "in_review").case.reference
    resolved = factories.case(app, "pothole", "in_review", "resolved").case.reference
    change(db_session, unanswered, respond_by=TODAY - timedelta(days=1), resolve_by=TODAY + timedelta(days=5))
    change(db_session, reviewing, respond_by=TODAY - timedelta(days=3), resolve_by=TODAY + timedelta(days=5))
    change(db_session, resolved, respond_by=TODAY - timedelta(days=9), resolve_by=TODAY - timedelta(days=1))
    assert references(db_session, worker, parse(view="all", overdue="1")) == [unanswered]
    change(db_session, reviewing, resolve_by=TODAY - timedelta(days=1))
    assert set(references(db_session, worker, parse(view="all", overdue="1"))) == {unanswered, reviewing}
    rows = {r.reference: r for r in queue.page(db_session, worker, parse(view="all"), TODAY).rows}
    assert (rows[unanswered].respond_overdue, rows[unanswered].resolve_overdue) == (True, False)
    assert (rows[reviewing].respond_overdue, rows[reviewing].resolve_overdue) == (False, True)
    assert not rows[resolved].overdue


def _dated(app, db_session, count: int) -> list[str]:
    made = [factories.case(app, "pothole").case.reference for _ in range(count)]
    for i, reference in enumerate(made):
        # Respond-by runs one way, resolve-by the other, submission times a third.
        change(db_session, reference, respond_by=TODAY + timedelta(days=i), resolve_by=TODAY + timedelta(days=20 - i),
               priority=i % 3)
    return made


def test_sorts(app, db_session, worker):
    made = _dated(app, db_session, 6)
    by_priority = references(db_session, worker, parse(view="all"))
    assert by_priority == [made[2], made[5], made[1], made[4], made[0], made[3]]
    assert references(db_session, worker, parse(view="all", sort="respond_by")) == made
    assert references(db_session, worker, parse(view="all", sort="resolve_by")) == made[::-1]
    assert references(db_session, worker, parse(view="all", sort="age")) == made


@pytest.mark.parametrize("sort", ["priority", "age", "respond_by", "resolve_by"])
def test_keyset_pages_forward_and_back(app, db_session, worker, sort):
    _dated(app, db_session, 7)
    whole = references(db_session, worker, parse(view="all", sort=sort))
    pages, cursor = [], None
    while True:
        db_session.rollback()
        found = queue.page(db_session, worker, parse(view="all", sort=sort, **({"after": cursor} if cursor else {})),
                           TODAY, size=3)
        pages.append([r.reference for r in found.rows])
        if found.next_after is None:
            break
        cursor = found.next_after
        if len(pages) == 2:
            back = queue.page(db_session, worker, parse(view="all", sort=sort, before=found.previous_before),
                              TODAY, size=3)
            assert [r.reference for r in back.rows] == pages[0]
            assert back.previous_before is None and back.next_after is not None
    assert pages == [whole[0:3], whole[3:6], whole[6:7]]


def test_counts_per_status_keep_the_scope_and_filters_but_not_the_status(app, db_session, worker):
    factories.case(app, "pothole")
    factories.case(app, "pothole", "in_review")
    factories.case(app, "pothole", "in_review", locale="es")
    factories.case(app, "streetlight-out", "in_review")  # another department's
    assert queue.counts(db_session, worker, parse(view="all"), TODAY) == {"received": 1, "in_review": 2}
    assert queue.counts(db_session, worker, parse(view="all", status="received"), TODAY) == {
        "received": 1, "in_review": 2}
    assert queue.counts(db_session, worker, parse(view="all", language="es"), TODAY) == {"in_review": 1}


@pytest.mark.parametrize("params", [
    {"view": "everyone"}, {"status": "lost"}, {"service": "moon-landing"}, {"department": "nowhere"},
    {"priority": "11"}, {"priority": "high"}, {"overdue": "yes"}, {"channel": "pigeon"}, {"language": "fr"},
    {"need": "telepathy"}, {"sort": "random"}, {"after": "3_2026-13-01_4"}, {"after": "1_2"},
    {"sort": "age", "before": "yesterday_3"}, {"view": ["mine", "all"]}, {"after": "1_2026-03-02_1",
                                                                           "before": "1_2026-03-02_2"},
])
def test_bad_parameters_are_refused_by_name(params):
    with pytest.raises(BadQuery) as caught:
        parse(**params)
    assert caught.value.parameter in params
