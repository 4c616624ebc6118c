"""Administration of staff: a system administrator manages anyone, a department administrator
only members of their own departments with operational roles; role and department changes ask
the password or second factor again; every change is audited with before and after; nothing
turns a resident account into staff."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from portal import db
from portal.models import Account, AuditRecord, StaffMember, StaffSession
from portal.models.base import utcnow

from .. import factories
from ..conftest import post_form
from ..staff import next_code, sign_in_staff

PASSWORD_RE = re.compile(r"<dd class=\"portal-secret\"><code dir=\"ltr\">([A-Za-z0-9-]+)</code></dd>")


def _member(app, email, roles, departments=("public-works",)):
    return factories.staff_member(app, email, roles=roles, departments=departments, name=email.split("@")[0].title())


def _signed_in(app, member):
    client = app.test_client()
    assert sign_in_staff(client, member).status_code == 302
    return client


def _verified_long_ago(app, member) -> None:
    with db.session_scope(app) as s:
        s.execute(update(StaffSession).where(StaffSession.staff_id == member.id)
                  .values(verified_at=utcnow() - timedelta(minutes=30)))


def test_a_system_admin_adds_a_member_who_then_sets_up_their_second_factor(app, db_session):
    admin = _member(app, "root@riverton.example", ("system_admin",), ())
    factories.account(app, "new.worker@riverton.example")  # a resident with the same address
    client = _signed_in(app, admin)
    form = client.get("/staff/admin/staff/new").get_data(as_text=True)
    assert 'value="system_admin"' in form and 'value="sanitation"' in form
    created = post_form(client, "/staff/admin/staff/new", {
        "name": "New Worker", "email": "New.Worker@riverton.example", "roles": ["caseworker"],
        "departments": ["sanitation"]})
    assert created.status_code == 200
    password = PASSWORD_RE.search(created.get_data(as_text=True)).group(1)
    db_session.rollback()
    member = db_session.scalar(select(StaffMember).filter_by(email="new.worker@riverton.example"))
    assert (member.roles, member.departments, member.totp_secret) == (["caseworker"], ["sanitation"], None)
    assert db_session.scalar(select(Account).filter_by(email="new.worker@riverton.example")) is not None
    fresh = app.test_client()
    first = post_form(fresh, "/staff/sign-in", {"email": member.email, "password": password})
    assert first.headers["Location"].startswith("/staff/sign-in/set-up")
    again = post_form(client, "/staff/admin/staff/new", {
        "name": "Twice", "email": "new.worker@riverton.example", "roles": ["caseworker"], "departments": []})
    assert again.status_code == 400
    assert "A member of staff has this email address already" in again.get_data(as_text=True)


def test_a_department_admin_manages_only_their_department_and_operational_roles(app, db_session):
    head = _member(app, "head@riverton.example", ("department_admin",))
    ours = _member(app, "ours@riverton.example", ("caseworker",))
    theirs = _member(app, "theirs@riverton.example", ("caseworker",), ("sanitation",))
    auditor = _member(app, "audit@riverton.example", ("auditor",))
    client = _signed_in(app, head)
    listing = client.get("/staff/admin/staff/").get_data(as_text=True)
    assert "ours@riverton.example" in listing
    assert "theirs@riverton.example" not in listing and "audit@riverton.example" not in listing
    assert client.get(f"/staff/admin/staff/{theirs.id}").status_code == 404
    assert client.get(f"/staff/admin/staff/{auditor.id}").status_code == 404
    page = client.get(f"/staff/admin/staff/{ours.id}").get_data(as_text=True)
    assert 'value="system_admin"' not in page and 'value="sanitation"' not in page
    url = f"/staff/admin/staff/{ours.id}"
    for forged in ({"roles": ["system_admin"], "departments": ["public-works"]},
                   {"roles": ["caseworker"], "departments": ["sanitation"]},
                   {"roles": ["caseworker"], "departments": []}):
        assert post_form(client, url, forged).status_code == 400, forged
    changed = post_form(client, url, {"roles": ["supervisor"], "departments": ["public-works"]})
    assert changed.status_code == 302
    db_session.rollback()
    assert db_session.get(StaffMember, ours.id).roles == ["supervisor"]
    row = db_session.scalar(select(AuditRecord).filter_by(action="staff.change_access", target_id=str(ours.id)))
    assert row.details["roles"] == [["caseworker"], ["supervisor"]]
    assert row.actor == f"staff:{head.id}"
    # Nor may they disable someone outside their department.
    assert post_form(client, f"/staff/admin/staff/{theirs.id}/disable", {}, token_from=url).status_code == 404


def test_staff_without_an_admin_role_get_not_found(app):
    worker = _member(app, "cw@riverton.example", ("caseworker", "supervisor"))
    client = _signed_in(app, worker)
    assert "/staff/admin/staff" not in client.get("/staff/").get_data(as_text=True)
    for path in ("/staff/admin/staff/", "/staff/admin/staff/new", f"/staff/admin/staff/{worker.id}"):
        assert client.get(path).status_code == 404, path


def test_changing_access_asks_again_after_a_while(app, db_session):
    admin = _member(app, "root@riverton.example", ("system_admin",), ())
    other = _member(app, "cw@riverton.example", ("caseworker",))
    client = _signed_in(app, admin)
    _verified_long_ago(app, admin)
    url = f"/staff/admin/staff/{other.id}"
    sent = client.get(url)
    assert sent.status_code == 302 and sent.headers["Location"] == f"/staff/verify?next={url}"
    refused = post_form(client, "/staff/verify", {"password": "not my password at all", "next": url},
                        token_from=sent.headers["Location"])
    assert refused.status_code == 401
    # A post that did not prove itself again changes nothing.
    token = re.search(r'name="csrf_token" value="([^"]+)"', refused.get_data(as_text=True)).group(1)
    posted = client.post(url, data={"csrf_token": token, "roles": ["supervisor"], "departments": ["public-works"]})
    assert posted.status_code == 302 and posted.headers["Location"].startswith("/staff/verify")
    proved = post_form(client, "/staff/verify", {"password": factories.STAFF_PASSWORD, "next": url},
                       token_from=sent.headers["Location"])
    assert proved.status_code == 302 and proved.headers["Location"] == url
    assert client.get(url).status_code == 200
    db_session.rollback()
    assert db_session.get(StaffMember, other.id).roles == ["caseworker"]
    assert db_session.scalar(select(AuditRecord).filter_by(action="staff.reverify", outcome="success")).details == {"method": "password"}


def test_disabling_a_member_ends_their_sessions_and_no_one_changes_their_own_access(app, db_session):
    admin = _member(app, "root@riverton.example", ("system_admin",), ())
    other = _member(app, "cw@riverton.example", ("caseworker",))
    theirs = _signed_in(app, other)
    client = _signed_in(app, admin)
    own = post_form(client, f"/staff/admin/staff/{admin.id}", {"roles": ["auditor"], "departments": []})
    assert own.status_code == 400 and "You cannot change your own access" in own.get_data(as_text=True)
    done = post_form(client, f"/staff/admin/staff/{other.id}/disable", {}, token_from=f"/staff/admin/staff/{other.id}")
    assert done.status_code == 302
    assert theirs.get("/staff/").status_code == 302
    assert post_form(app.test_client(), "/staff/sign-in", {"email": other.email,
                                                          "password": factories.STAFF_PASSWORD}).status_code == 401
    db_session.rollback()
    row = db_session.scalar(select(AuditRecord).filter_by(action="staff.disable"))
    assert row.target_id == str(other.id) and row.details["sessions_ended"] == 1


def test_disabling_asks_again_and_comes_back_to_the_member_page(app, db_session):
    admin = _member(app, "root@riverton.example", ("system_admin",), ())
    other = _member(app, "cw@riverton.example", ("caseworker",))
    client = _signed_in(app, admin)
    page = f"/staff/admin/staff/{other.id}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).get_data(as_text=True)).group(1)
    _verified_long_ago(app, admin)
    sent = client.post(f"{page}/disable", data={"csrf_token": token}, headers={"Referer": app.config["PUBLIC_BASE_URL"] + page})
    assert sent.status_code == 302 and sent.headers["Location"] == f"/staff/verify?next={page}"
    proved = post_form(client, "/staff/verify", {"code": next_code(admin), "next": page},
                       token_from=sent.headers["Location"])
    assert proved.status_code == 302 and proved.headers["Location"] == page
    db_session.rollback()
    assert db_session.get(StaffMember, other.id).disabled_at is None
    assert post_form(client, f"{page}/disable", {}, token_from=page).status_code == 302
    db_session.rollback()
    assert db_session.get(StaffMember, other.id).disabled_at is not None
