"""Two submissions of the same draft at the same moment (two tabs, a double click) make one case."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.models import AuditRecord, Case

from ..conftest import csrf_token
from ..helpers import report_pothole


def test_simultaneous_submissions_make_one_case(app, client, db_session):
    report_pothole(client)
    token = csrf_token(client, "/report/pothole/check")
    cookie = client.get_cookie("session")
    tabs = [app.test_client() for _ in range(4)]
    for tab in tabs:
        tab.set_cookie(cookie.key, cookie.value)
    barrier = threading.Barrier(len(tabs))
    results: list = []

    def send(tab):
        barrier.wait()
        results.append(tab.post("/report/pothole/check", data={"csrf_token": token}))

    threads = [threading.Thread(target=send, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in results] == [302] * len(tabs)
    assert {r.location for r in results} == {"/report/pothole/confirmation"}
    db_session.rollback()  # end the read snapshot: see what requests committed
    assert db_session.scalar(select(func.count()).select_from(Case)) == 1
    assert db_session.scalar(select(func.count()).select_from(AuditRecord)) == 1
    references = {tab.get("/report/pothole/confirmation").get_data(as_text=True).count("portal-reference__number") for tab in tabs}
    assert references == {1}
