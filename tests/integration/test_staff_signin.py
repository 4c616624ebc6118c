"""Staff sign in with a password and a second factor, on pages of their own, and act as staff
only there."""

from __future__ import annotations

from portal import db
from portal.models import AuditRecord, StaffMember

from .. import factories
from ..conftest import post_form
from ..staff import current_code, sign_in_staff


def test_staff_pages_send_a_stranger_to_the_staff_sign_in(client):
    answer = client.get("/staff/")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/staff/sign-in?next=/staff/")


def test_password_then_code_signs_in_and_the_code_cannot_be_used_twice(app, client):
    member = factories.staff_member(app)
    code = current_code(member)
    answer = sign_in_staff(client, member, code=code)
    assert answer.status_code == 302 and answer.headers["Location"] == "/staff/"
    assert "Casey Worker" in client.get("/staff/").get_data(as_text=True)
    post_form(client, "/staff/sign-out", {}, token_from="/staff/")
    other = app.test_client()
    again = sign_in_staff(other, member, code=code)
    assert again.status_code == 401
    assert "That code is not right, or it was used already" in again.get_data(as_text=True)
    assert other.get("/staff/").status_code == 302


def test_a_wrong_password_tells_nothing_and_is_audited(app, client):
    factories.staff_member(app)
    for email in ("cw@riverton.example", "nobody@riverton.example"):
        answer = post_form(client, "/staff/sign-in", {"email": email, "password": "wrong wrong wrong"})
        assert answer.status_code == 401
        assert "The email address or password is not right" in answer.get_data(as_text=True)
    with db.session_scope(app) as s:
        refused = s.query(AuditRecord).filter_by(action="staff.sign_in", outcome="failure").count()
    assert refused == 2


def test_a_resident_account_is_not_a_staff_member(app, client):
    factories.account(app, "cw@riverton.example", password=factories.STAFF_PASSWORD)
    answer = post_form(client, "/staff/sign-in", {"email": "cw@riverton.example", "password": factories.STAFF_PASSWORD})
    assert answer.status_code == 401
    with db.session_scope(app) as s:
        assert s.query(StaffMember).count() == 0
