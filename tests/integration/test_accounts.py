"""Accounts: sign up, verify, sign in and out, sessions, reset, change email, delete, export."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.models import Account, AccountSession, AuditRecord, Case, EmailToken, Notification
from portal.models.base import utcnow

from ..conftest import post_form
from ..helpers import report_pothole, submit

PASSWORD = "violet kettle marches north"


def last_link(db_session, template: str, email: str | None = None) -> str:
    db_session.rollback()  # end the read snapshot: see what requests committed
    query = select(Notification).filter_by(template=template).order_by(Notification.id.desc())
    notes = db_session.scalars(query).all()
    if email:
        notes = [n for n in notes if n.recipient.get("email") == email]
    assert notes, f"no {template} message queued"
    return re.sub(r"^https?://[^/]+", "", notes[0].context["link"])


def sign_up(client, db_session, email="ana@example.com", password=PASSWORD, verify=True):
    response = post_form(client, "/account/create", {"email": email, "password": password})
    assert response.status_code == 302 and "/account/check-email" in response.location
    if verify:
        assert client.get(last_link(db_session, "verify_email", email)).status_code == 200


def sign_in(client, email="ana@example.com", password=PASSWORD):
    return post_form(client, "/account/sign-in", {"email": email, "password": password})


def test_sign_up_verify_sign_in_and_out(app, client, db_session):
    sign_up(client, db_session)
    db_session.rollback()
    account = db_session.scalar(select(Account).filter_by(email="ana@example.com"))
    assert account.email_verified_at is not None and account.password_hash.startswith("$argon2id$")
    response = sign_in(client)
    assert response.status_code == 302 and response.location.endswith("/account")
    page = client.get("/account")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    post_form(client, "/account/sign-out", {}, token_from="/account")
    assert client.get("/account").status_code == 302


def test_a_used_or_expired_link_does_not_work(app, client, db_session):
    post_form(client, "/account/create", {"email": "ben@example.com", "password": PASSWORD})
    link = last_link(db_session, "verify_email")
    assert client.get(link).status_code == 200
    again = client.get(link)
    assert again.status_code == 400 and "does not work" in again.get_data(as_text=True)
    post_form(client, "/account/forgot", {"email": "ben@example.com"})
    reset = last_link(db_session, "reset_password")
    db_session.execute(update(EmailToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    assert client.get(reset).status_code == 400


def test_no_account_enumeration(app, db_session):
    sign_up(app.test_client(), db_session, "ana@example.com")
    outcomes = []
    for email in ["ana@example.com", "nobody@example.com"]:
        client = app.test_client()
        signup = post_form(client, "/account/create", {"email": email, "password": PASSWORD})
        wrong = sign_in(client, email, "wrong password entirely")
        forgot = post_form(client, "/account/forgot", {"email": email})
        body = wrong.get_data(as_text=True)
        message = re.search(r'<div role="alert">(.*?)</div>', body, re.S).group(1)
        outcomes.append((signup.status_code, signup.location, wrong.status_code, message,
                         forgot.status_code, forgot.location))
    assert outcomes[0] == outcomes[1]
    # The owner of the existing address is told by email instead.
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Notification).filter_by(template="register_existing")) == 1


def at(app, address: str):
    """A browser at its own client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


STRANGER, OWNER = "203.0.113.9", "198.51.100.7"


def test_a_stranger_cannot_lock_the_owner_out(app, db_session):
    sign_up(at(app, OWNER), db_session)
    for email in ["ana@example.com", "nobody@example.com"]:  # the same answers whether it has an account
        statuses = [sign_in(at(app, STRANGER), email, "not the password at all").status_code for _ in range(6)]
        assert statuses == [401] * 5 + [429], email
    # The stranger's address now waits, even with the right password ...
    assert sign_in(at(app, STRANGER)).status_code == 429
    # ... but the owner, from their own address, signs in as usual.
    assert sign_in(at(app, OWNER), password="a wrong guess of my own").status_code == 401
    assert sign_in(at(app, OWNER)).status_code == 302


def test_one_address_cannot_guess_much_across_accounts(app):
    statuses = [sign_in(at(app, STRANGER), f"person{n}@example.com", "not the password at all").status_code
                for n in range(21)]
    assert statuses == [401] * 20 + [429]
    assert sign_in(at(app, "192.0.2.44"), "person99@example.com", "not the password at all").status_code == 401


def test_password_rechecks_are_throttled_like_sign_in(app, db_session):
    owner = at(app, OWNER)
    sign_up(owner, db_session)
    sign_in(owner)
    wrong = "not the password at all"
    pages = [("/account/password", {"current": wrong, "password": "a brand new phrase of words"}),
             ("/account/email", {"email": "ana.new@example.com", "password": wrong}),
             ("/account/delete", {"password": wrong, "confirm": "y"})]
    # Only a wrong password counts: a form that is not filled in is no guess.
    for _ in range(8):
        assert post_form(owner, "/account/email", {"email": "not an address", "password": wrong}).status_code == 400
    statuses = [post_form(owner, url, data).status_code for url, data in pages + pages[:2]]
    assert statuses == [400] * 5
    for url, data in pages:
        assert post_form(owner, url, data).status_code == 429, url
    # The same count as signing in from that address ...
    assert sign_in(at(app, OWNER)).status_code == 429
    # ... and the right password from elsewhere is still fine.
    elsewhere = at(app, "192.0.2.44")
    assert sign_in(elsewhere).status_code == 302
    done = post_form(elsewhere, "/account/email", {"email": "ana.new@example.com", "password": PASSWORD})
    assert done.status_code == 302


def test_password_rechecks_count_against_the_address(app, db_session):
    sign_up(at(app, OWNER), db_session)
    stranger = at(app, STRANGER)
    for n in range(18):
        assert sign_in(stranger, f"person{n}@example.com", "not the password at all").status_code == 401
    sign_in(stranger)  # the right password: it does not count
    for _ in range(2):
        assert post_form(stranger, "/account/delete", {"password": "wrong again", "confirm": "y"}).status_code == 400
    assert post_form(stranger, "/account/delete", {"password": "wrong again", "confirm": "y"}).status_code == 429


def test_sessions_end_on_the_server(app, client, db_session):
    sign_up(client, db_session)
    sign_in(client)
    cookie = client.get_cookie("session")
    other_device = app.test_client()
    sign_in(other_device)
    # Sign out everywhere from the first device: the old cookie is useless afterwards.
    post_form(client, "/account/sign-out-everywhere", {}, token_from="/account")
    assert other_device.get("/account").status_code == 302
    replay = app.test_client()
    replay.set_cookie(cookie.key, cookie.value)
    assert replay.get("/account").status_code == 302


def test_session_id_changes_at_sign_in_and_idle_timeout_applies(app, client, db_session):
    sign_up(client, db_session)
    sign_in(client)
    db_session.rollback()
    sign_in_token = db_session.scalars(select(AccountSession.token_hash)).all()
    post_form(client, "/account/sign-out", {}, token_from="/account")
    sign_in(client)
    db_session.rollback()  # end the read snapshot: see what requests committed
    assert len(set(db_session.scalars(select(AccountSession.token_hash)).all()) - set(sign_in_token)) == 1
    db_session.execute(update(AccountSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    db_session.commit()
    response = client.get("/account")
    assert response.status_code == 302 and "/account/timed-out" in response.location
    assert "You were signed out" in client.get(response.location).get_data(as_text=True)


def test_reset_password_ends_other_sessions(app, client, db_session):
    sign_up(client, db_session)
    other = app.test_client()
    sign_in(other)
    post_form(client, "/account/forgot", {"email": "ana@example.com"})
    link = last_link(db_session, "reset_password")
    weak = post_form(client, link, {"password": "password1234"})
    assert weak.status_code == 400 and "too easy to guess" in weak.get_data(as_text=True)
    done = post_form(client, link, {"password": "a brand new phrase of words"})
    assert done.status_code == 302
    assert other.get("/account").status_code == 302
    assert sign_in(app.test_client(), password="a brand new phrase of words").status_code == 302


def test_open_redirect_is_refused(app, client, db_session):
    sign_up(client, db_session)
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]:
        c = app.test_client()
        response = post_form(c, f"/account/sign-in?next={target}", {"email": "ana@example.com", "password": PASSWORD})
        assert response.status_code == 302 and response.location == "/account", target
    c = app.test_client()
    response = post_form(c, "/account/sign-in?next=/track", {"email": "ana@example.com", "password": PASSWORD})
    assert response.location == "/track"


def test_guest_requests_are_claimed_after_verifying(app, client, db_session):
    report_pothole(client)  # as a guest, with ana@example.com
    submit(client)
    sign_up(client, db_session, verify=False)
    db_session.rollback()  # end the read snapshot: see what requests committed
    assert db_session.scalar(select(Case.account_id)) is None  # not before the address is proved
    client.get(last_link(db_session, "verify_email"))
    sign_in(client)
    page = client.get("/account").get_data(as_text=True)
    db_session.rollback()
    case = db_session.scalar(select(Case))
    assert case.account_id is not None and case.reference in page


def test_change_email_asks_for_the_password_and_tells_the_old_address(app, client, db_session):
    sign_up(client, db_session)
    sign_in(client)
    wrong = post_form(client, "/account/email", {"email": "ana.new@example.com", "password": "nope nope nope"})
    assert wrong.status_code == 400
    done = post_form(client, "/account/email", {"email": "ana.new@example.com", "password": PASSWORD})
    assert done.status_code == 302
    client.get(last_link(db_session, "verify_email", "ana.new@example.com"))
    db_session.rollback()  # end the read snapshot: see what requests committed
    assert db_session.scalar(select(Account.email)) == "ana.new@example.com"
    db_session.rollback()
    told = db_session.scalar(select(Notification).filter_by(template="email_changed"))
    assert told.recipient["email"] == "ana@example.com"


def test_preferences_are_validated_saved_and_audited(app, client, db_session):
    sign_up(client, db_session)
    sign_in(client)
    bad = post_form(client, "/account/preferences", {"channel": "post", "locale": "es", "line1": ""})
    assert bad.status_code == 400 and "first line of your address" in bad.get_data(as_text=True)
    good = post_form(client, "/account/preferences", {
        "channel": "text", "phone": "(202) 555-0143", "locale": "es", "large_print": "y",
        "interpreter": "y", "interpreter_language": "Vietnamese", "want_updates": "y",
    })
    assert good.status_code == 302
    from portal.models import ContactPreferences

    db_session.rollback()
    prefs = db_session.scalar(select(ContactPreferences))
    assert prefs.phone == "+12025550143" and prefs.preferred_channel == "text" and prefs.locale == "es"
    assert prefs.large_print and prefs.interpreter_language == "Vietnamese" and not prefs.want_reminders
    audit = db_session.scalar(select(AuditRecord).filter_by(action="contact_preferences.update"))
    assert "preferred_channel" in audit.details["fields"]


def test_export_and_delete(app, client, db_session):
    report_pothole(client)
    submit(client)
    sign_up(client, db_session)
    sign_in(client)
    data = client.get("/account/export.json")
    assert data.status_code == 200 and data.headers["Cache-Control"] == "no-store"
    assert data.json["account"]["email"] == "ana@example.com" and len(data.json["requests"]) == 1
    assert client.get("/account/export").status_code == 200
    refused = post_form(client, "/account/delete", {"password": PASSWORD})
    assert refused.status_code == 400
    deleted = post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert deleted.status_code == 302
    db_session.rollback()  # end the read snapshot: see what requests committed
    assert db_session.scalar(select(func.count()).select_from(Account)) == 0
    assert db_session.scalar(select(func.count()).select_from(Case)) == 1  # the request stays
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("url", ["/account", "/account/preferences", "/account/export.json", "/account/delete"])
def test_account_pages_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/account/sign-in" in response.location


def test_a_tampered_session_cookie_is_ignored(app, client, db_session):
    sign_up(client, db_session)
    sign_in(client)
    cookie = client.get_cookie("session")
    forged = app.test_client()
    forged.set_cookie(cookie.key, cookie.value[:-4] + "AAAA")
    assert forged.get("/account").status_code == 302


def test_failed_sign_ins_are_audited(app, client, db_session):
    sign_up(client, db_session)
    assert sign_in(app.test_client(), password="not the password at all").status_code == 401
    db_session.rollback()
    rows = db_session.scalars(select(AuditRecord).filter_by(action="account.sign_in", outcome="failure")).all()
    assert len(rows) == 1 and rows[0].details == {"method": "password"}


def test_a_signed_in_report_belongs_to_the_account_and_uses_its_preferences(app, client, db_session):
    from ..helpers import POTHOLE_ANSWERS, answer

    sign_up(client, db_session)
    sign_in(client)
    post_form(client, "/account/preferences", {"channel": "text", "phone": "202 555 0143", "locale": "es",
                                               "want_updates": "y"})
    for qcode, data in POTHOLE_ANSWERS:
        assert answer(client, "pothole", qcode, data).status_code == 302
    # No contact page: the account's preferences apply, shown on check answers.
    assert client.get("/report/pothole/contact").location.endswith("/report/pothole/check")
    check = client.get("/report/pothole/check").get_data(as_text=True)
    assert "(202) 555-0143" in check and 'href="/account/preferences"' in check
    sent = post_form(client, "/report/pothole/check", {})
    assert sent.status_code == 302
    db_session.rollback()
    case = db_session.scalar(select(Case))
    account = db_session.scalar(select(Account))
    assert case.account_id == account.id
    receipt = db_session.scalar(select(Notification).filter_by(template="case_received"))
    assert receipt.channel == "sms" and receipt.locale == "es" and receipt.recipient["phone"] == "+12025550143"
    assert case.reference in client.get("/account").get_data(as_text=True)
    # Signed out, the same browser shows nothing of it.
    post_form(client, "/account/sign-out", {}, token_from="/account/preferences")
    assert client.get("/report/pothole/check").status_code == 302
    assert client.get("/report/pothole/confirmation").location.endswith("/report/pothole")


def test_change_email_does_not_become_a_way_to_mail_strangers(app, client, db_session):
    sign_up(client, db_session)
    sign_up(app.test_client(), db_session, "taken@example.com")
    sign_in(client)

    def change_to(email: str):
        return post_form(client, "/account/email", {"email": email, "password": PASSWORD})

    def messages_to(email: str) -> int:
        db_session.rollback()
        notes = db_session.scalars(select(Notification).where(Notification.template.in_(
            ["verify_email", "register_existing"]))).all()
        return sum(1 for n in notes if n.recipient.get("email") == email)

    taken_before = messages_to("taken@example.com")
    for email in ["stranger@example.com", "taken@example.com"]:  # the same whether it has an account
        assert change_to(email).status_code == 302
        for _ in range(5):
            again = change_to(email)
            assert again.status_code == 429
            assert "We have just sent a link to this address" in again.get_data(as_text=True)
    assert messages_to("stranger@example.com") == 1
    assert messages_to("taken@example.com") == taken_before + 1
    for n in range(3):
        assert change_to(f"other{n}@example.com").status_code == 302
    refused = change_to("one.more@example.com")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "You have asked to change your email address too many times today" in page
    assert 'href="#email"' in page and "<title>Error: " in page
    assert messages_to("one.more@example.com") == 0
