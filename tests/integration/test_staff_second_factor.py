"""The staff second factor: set up at the first sign-in, recovery codes shown once and used once,
no code used twice, guessing throttled without letting a stranger lock a member out, and new
recovery codes only for a member who gives the second factor again."""

from __future__ import annotations

import html
import re

import pyotp
from sqlalchemy import select

from portal import db
from portal.models import AuditRecord, StaffMember

from .. import factories
from ..conftest import post_form
from ..staff import current_code, next_code, sign_in_staff
from .test_accounts import OWNER, STRANGER, at

SECRET_RE = re.compile(r'id="totp-secret" dir="ltr"><code>([A-Z2-7 ]+)</code>')
CODES_RE = re.compile(r"<li><code dir=\"ltr\">([0-9a-f]{5}-[0-9a-f]{5})</code></li>")


def _set_up(client, member) -> tuple[str, list[str]]:
    first = post_form(client, "/staff/sign-in", {"email": member.email, "password": factories.STAFF_PASSWORD})
    assert first.status_code == 302 and first.headers["Location"].startswith("/staff/sign-in/set-up")
    page = client.get("/staff/sign-in/set-up").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    assert html.escape(f"otpauth://totp/Civic%20Portal%20staff:{member.email.replace('@', '%40')}") in page
    assert f"secret={secret}" in html.unescape(page)
    wrong = post_form(client, "/staff/sign-in/set-up", {"code": "000000"})
    assert wrong.status_code == 401
    assert client.get("/staff/").status_code == 302
    done = post_form(client, "/staff/sign-in/set-up", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = CODES_RE.findall(done.get_data(as_text=True))
    assert "I have stored them, continue" in done.get_data(as_text=True)
    return secret, codes


def test_the_first_sign_in_sets_up_the_app_and_shows_ten_recovery_codes_once(app, client, db_session):
    member = factories.staff_member(app, totp=False)
    secret, codes = _set_up(client, member)
    assert len(codes) == len(set(codes)) == 10
    assert client.get("/staff/").status_code == 200
    # Never shown again: the set-up page now leads to the code step, then to the queue.
    assert client.get("/staff/sign-in/set-up").status_code == 302
    stored = db_session.scalar(select(StaffMember).filter_by(email=member.email))
    assert stored.totp_secret == secret
    assert not any(code in str(row.code_hash) for row in stored.recovery_codes for code in codes)
    actions = db_session.scalars(select(AuditRecord.action).where(AuditRecord.target_id == str(member.id))).all()
    assert "staff.enrol_second_factor" in actions and "staff.sign_in" in actions


def test_the_secret_offered_is_not_taken_until_a_code_confirms_it(app, client, db_session):
    member = factories.staff_member(app, totp=False)
    post_form(client, "/staff/sign-in", {"email": member.email, "password": factories.STAFF_PASSWORD})
    client.get("/staff/sign-in/set-up")
    assert post_form(client, "/staff/sign-in/set-up", {"code": "12345"}).status_code == 400
    assert post_form(client, "/staff/sign-in/set-up", {"code": "123456"}).status_code == 401
    assert db_session.scalar(select(StaffMember.totp_secret).filter_by(email=member.email)) is None


def test_a_recovery_code_signs_in_once(app, client):
    member = factories.staff_member(app, totp=False)
    _secret, codes = _set_up(client, member)
    post_form(client, "/staff/sign-out", {}, token_from="/staff/")
    assert sign_in_staff(app.test_client(), member, code=codes[3].upper()).status_code == 302
    again = sign_in_staff(app.test_client(), member, code=codes[3])
    assert again.status_code == 401
    assert "That code is not right, or it was used already" in again.get_data(as_text=True)


def test_a_code_used_once_is_refused_the_second_time(app):
    member = factories.staff_member(app)
    code = current_code(member)
    assert sign_in_staff(app.test_client(), member, code=code).status_code == 302
    assert sign_in_staff(app.test_client(), member, code=code).status_code == 401


def test_guessing_codes_is_throttled_per_member_at_an_address(app):
    member = factories.staff_member(app)
    guesser = at(app, STRANGER)
    post_form(guesser, "/staff/sign-in", {"email": member.email, "password": factories.STAFF_PASSWORD})
    statuses = [post_form(guesser, "/staff/sign-in/code", {"code": f"{n:06d}"}).status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    refused = post_form(guesser, "/staff/sign-in/code", {"code": current_code(member)})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    # The member, from their own address, signs in as usual: a stranger cannot lock them out.
    assert sign_in_staff(at(app, OWNER), member).status_code == 302


def test_guessing_across_members_is_throttled_per_address(app):
    members = [factories.staff_member(app, f"cw{n}@riverton.example") for n in range(5)]
    guesser = at(app, STRANGER)
    statuses = []
    for member in members:
        post_form(guesser, "/staff/sign-in", {"email": member.email, "password": factories.STAFF_PASSWORD})
        statuses += [post_form(guesser, "/staff/sign-in/code", {"code": f"{n:06d}"}).status_code for n in range(4)]
    statuses.append(post_form(guesser, "/staff/sign-in", {"email": members[0].email,
                                                          "password": factories.STAFF_PASSWORD}).status_code)
    assert statuses == [401] * 20 + [429]


def test_new_recovery_codes_need_the_second_factor_again(app, client, db_session):
    member = factories.staff_member(app)
    sign_in_staff(client, member)
    page = client.get("/staff/account/recovery-codes")
    assert page.status_code == 200 and "You have 0 unused recovery codes." in page.get_data(as_text=True)
    assert post_form(client, "/staff/account/recovery-codes", {"code": "000000"}).status_code == 401
    made = post_form(client, "/staff/account/recovery-codes", {"code": next_code(member)})
    assert made.status_code == 200
    codes = CODES_RE.findall(made.get_data(as_text=True))
    assert len(codes) == 10
    remade = post_form(client, "/staff/account/recovery-codes", {"code": codes[0]})
    assert len(CODES_RE.findall(remade.get_data(as_text=True))) == 10
    # The codes of the first batch stopped working when the second was made.
    assert sign_in_staff(app.test_client(), member, code=codes[1]).status_code == 401
    with db.session_scope(app) as s:
        assert s.query(AuditRecord).filter_by(action="staff.recovery_codes").count() == 2
