"""The change feed: every event of the cases of the client's departments, oldest first, paged by an
opaque cursor that always says where to go on from — so a back-office system that asks again
gets exactly what happened since, once; each page's read audited per case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import db
from portal.accounts import api_clients
from portal.cases import feed
from portal.models import AuditRecord, Case, CaseEvent

from .. import factories
from ..api import bearer, get_token, register, write_headers
from .test_api_cases import _problem
from .test_api_openapi import check, document  # noqa: F401  (document: a fixture)


@pytest.fixture(autouse=True)
def settled_at_once(app):
    """Events are served as soon as they are committed (on PostgreSQL the feed would otherwise wait
    API_FEED_SETTLE_SECONDS; the last test shows that wait)."""
    app.config["API_FEED_SETTLE_SECONDS"] = 0


@pytest.fixture
def world(app):
    potholes = [factories.case(app, "pothole", "in_review").case.reference for _ in range(3)]
    tree = factories.case(app, "tree-removal", "in_review").case.reference
    factories.move(app, potholes[0], "resolved")
    return {"potholes": potholes, "tree": tree}


@pytest.fixture
def token(app, client):
    return get_token(client, register(app, "Works orders", scopes=("cases:read", "cases:write")))


def _events_of(app, department: str) -> list[tuple[str, int]]:
    with db.session_scope(app, immediate=False) as s:
        rows = s.execute(select(Case.reference, CaseEvent.id).join(Case, Case.id == CaseEvent.case_id)
                         .where(Case.department == department).order_by(CaseEvent.id))
        return [(reference, event_id) for reference, event_id in rows]


def _read_all(client, token, cursor=None, limit=2):
    seen, pages = [], 0
    while True:
        url = f"/api/v1/events?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 200, response.get_data(as_text=True)
        page = response.get_json()
        seen += page["items"]
        cursor, pages = page["next_cursor"], pages + 1
        if not page["has_more"]:
            return seen, cursor, pages


def test_the_feed_pages_through_every_event_of_the_departments_once_in_order(app, client, world, token, document):
    expected = _events_of(app, "public-works")
    first = client.get("/api/v1/events?limit=2", headers=bearer(token))
    check(document, "/events", "get", first)
    seen, cursor, pages = _read_all(client, token)
    assert [item["case"] for item in seen] == [reference for reference, _ in expected]
    assert pages == -(-len(expected) // 2) and len(expected) > 4
    assert {item["department"] for item in seen} == {"public-works"}
    assert world["tree"] not in {item["case"] for item in seen}
    resolved = [item for item in seen if item["action"] == "resolve"]
    assert [item["case"] for item in resolved] == [world["potholes"][0]]
    assert resolved[0]["status_from"] == "in_review" and resolved[0]["status_to"] == "resolved"
    # Nothing new: the same cursor again, an empty page.
    again = client.get(f"/api/v1/events?cursor={cursor}", headers=bearer(token)).get_json()
    assert again == {"items": [], "next_cursor": cursor, "has_more": False}
    # A change made since, through the API itself: exactly that event, then nothing.
    reference = world["potholes"][1]
    client.post(f"/api/v1/cases/{reference}/notes", json={"visibility": "internal", "text": "Truck booked."},
                headers=write_headers(client, token, reference))
    factories.move(app, world["tree"], "approved")  # another department's: not in this feed
    news = client.get(f"/api/v1/events?cursor={cursor}", headers=bearer(token)).get_json()
    assert [(i["case"], i["action"], i["internal_note"]) for i in news["items"]] == [
        (reference, "note", "Truck booked.")]
    assert client.get(f"/api/v1/events?cursor={news['next_cursor']}", headers=bearer(token)).get_json()["items"] == []


def test_each_client_sees_its_own_departments_only(app, client, world):
    foresters = get_token(client, register(app, "Tree crews", departments=("urban-forestry",)))
    seen, _, _ = _read_all(client, foresters, limit=50)
    assert {item["case"] for item in seen} == {world["tree"]}
    both = get_token(client, register(app, "City hall", departments=("urban-forestry", "public-works")))
    seen, _, _ = _read_all(client, both, limit=50)
    assert {item["case"] for item in seen} == {world["tree"], *world["potholes"]}


def test_a_transferred_case_leaves_the_old_departments_feed(app, client, world, token):
    _, cursor, _ = _read_all(client, token, limit=50)
    reference = world["potholes"][2]
    moved = client.post(f"/api/v1/cases/{reference}/transfer", json={"department": "urban-forestry", "reason": "A tree"},
                        headers=write_headers(client, token, reference))
    assert moved.status_code == 200
    assert client.get(f"/api/v1/events?cursor={cursor}", headers=bearer(token)).get_json()["items"] == []
    foresters = get_token(client, register(app, "Tree crews", departments=("urban-forestry",)))
    seen, _, _ = _read_all(client, foresters, limit=50)
    assert [i["details"] for i in seen if i["action"] == "transfer"] == [{"from": "public-works",
                                                                        "to": "urban-forestry"}]


def test_each_page_is_an_audited_read_of_its_cases(app, client, world, token, db_session):
    page = client.get("/api/v1/events?limit=3", headers=bearer(token)).get_json()
    rows = db_session.scalars(select(AuditRecord).filter_by(action="case.read")).all()
    by_case = {row.target_id: row for row in rows if (row.details or {}).get("via") == "feed"}
    assert set(by_case) == {item["case"] for item in page["items"]}
    assert all(row.source == "api" and row.actor.startswith("api_client:") for row in by_case.values())
    assert sum(len(row.details["events"]) for row in by_case.values()) == 3


@pytest.mark.parametrize("query", ["cursor=garbage", "cursor=ZTp4", "cursor=e", "cursor=e-1", "cursor=", "limit=0", "limit=201", "limit=x",
                                   "since=2024-01-01"])
def test_a_bad_feed_parameter_is_a_400_problem(client, world, token, query):
    body = _problem(client.get(f"/api/v1/events?{query}", headers=bearer(token)), 400, "invalid-parameter")
    assert query.split("=")[0] in body["detail"]


def test_the_feed_needs_the_cases_read_scope(app, client, world):
    services_only = get_token(client, register(app, "Catalog", scopes=("services:read",)))
    _problem(client.get("/api/v1/events", headers=bearer(services_only)), 403, "insufficient-scope")
    _problem(client.get("/api/v1/events"), 401, "unauthorized")


def test_on_postgresql_events_still_settling_wait_for_the_next_page(app, world):
    """PostgreSQL hands out ids before commit, so the feed holds back events younger than the
    settling time; SQLite commits in id order and serves them at once."""
    with db.session_scope(app, immediate=False) as s:
        registered = register(app, "Settle")
        client_row = api_clients.find(s, registered.client_id)
        actor = api_clients.actor_for(client_row)
        page = feed.page(s, actor, 0, 50, settle=timedelta(hours=1))
        postgres = s.get_bind().dialect.name == "postgresql"
        served = [event.id for event, _ in page.events]
        s.rollback()
    assert (served == []) == postgres
    assert page.next_after == (0 if postgres else served[-1])
