"""The staff session idles out after 15 minutes: the page's warning dialog is wired to the staff
extend address and the staff timed-out page, extending works (JSON for the script, a redirect
without it), and a session left idle sends the member to the timed-out page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import update

from portal import db
from portal.models import StaffSession
from portal.models.base import utcnow

from .. import factories
from ..conftest import CSRF_RE
from ..staff import sign_in_staff


def _idle_for(app, member, minutes: float) -> None:
    with db.session_scope(app) as s:
        s.execute(update(StaffSession).where(StaffSession.staff_id == member.id)
                  .values(last_seen_at=utcnow() - timedelta(minutes=minutes)))


def _dialog(page: str) -> dict[str, str]:
    dialog = re.search(r'<dialog class="portal-timeout"(.*?)</dialog>', page, re.DOTALL).group(0)
    return {"expires": re.search(r'data-expires="([^"]+)"', dialog).group(1),
            "timed_out": re.search(r'data-timed-out-url="([^"]+)"', dialog).group(1),
            "action": re.search(r'<form method="post" action="([^"]+)"', dialog).group(1),
            "csrf": CSRF_RE.search(dialog).group(1)}


def test_the_warning_extends_the_staff_session_by_fifteen_minutes(app, client):
    member = factories.staff_member(app)
    sign_in_staff(client, member)
    dialog = _dialog(client.get("/staff/?view=mine").get_data(as_text=True))
    assert dialog["action"] == "/staff/session"
    assert dialog["timed_out"] == "/staff/timed-out?next=/staff/?view%3Dmine"
    left = datetime.fromisoformat(dialog["expires"]) - utcnow()
    assert timedelta(minutes=14) < left <= timedelta(minutes=15)
    _idle_for(app, member, 14)
    extended = client.post("/staff/session", data={"csrf_token": dialog["csrf"]},
                           headers={"Accept": "application/json"})
    assert extended.status_code == 200
    left = datetime.fromisoformat(extended.get_json()["idle_expires_at"]) - utcnow()
    assert timedelta(minutes=14) < left <= timedelta(minutes=15)
    # Without the script, the same button comes back to the page.
    _idle_for(app, member, 14)
    back = client.post("/staff/session", data={"csrf_token": dialog["csrf"], "next": "/staff/?view=mine"})
    assert back.status_code == 302 and back.headers["Location"] == "/staff/?view=mine"
    assert client.get("/staff/").status_code == 200


def test_fifteen_idle_minutes_end_the_session_on_the_timed_out_page(app, client, db_session):
    member = factories.staff_member(app)
    sign_in_staff(client, member)
    dialog = _dialog(client.get("/staff/").get_data(as_text=True))
    _idle_for(app, member, 15.1)
    late = client.post("/staff/session", data={"csrf_token": dialog["csrf"]}, headers={"Accept": "application/json"})
    assert late.status_code == 302 and late.headers["Location"].startswith("/staff/timed-out")
    _idle_for(app, member, 0)  # the browser's sign-in is gone, not just idle
    gone = client.get("/staff/")
    assert gone.status_code == 302 and gone.headers["Location"] == "/staff/sign-in?next=/staff/"
    page = client.get(dialog["timed_out"])
    assert page.status_code == 200 and "You were signed out" in page.get_data(as_text=True)
    assert 'href="/staff/sign-in?next=/staff/"' in page.get_data(as_text=True)
