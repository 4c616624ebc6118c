"""Saved drafts: a signed-in resident's list, a guest's way back by emailed link or by code, and
expiry with one notice before it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from portal.accounts import visits
from portal.cases import drafts
from portal.models import AuditRecord, Case, Document, Draft, Notification, Visit
from portal.models.base import utcnow

from .. import factories
from ..conftest import post_form
from ..helpers import POTHOLE_ANSWERS, answer
from .test_accounts import last_link, sign_in, sign_up

CODE_RE = re.compile(r"data-resume-code>([A-Z0-9-]+)<")


def answer_first_pages(client, count=2):
    for qcode, data in POTHOLE_ANSWERS[:count]:
        assert answer(client, "pothole", qcode, data).status_code == 302


def only_draft(db_session) -> Draft:
    db_session.rollback()  # end the read snapshot: see what requests committed
    db_session.expire_all()  # and forget rows read before
    return db_session.scalars(select(Draft)).one()


def stored_path(app, document: Document) -> Path:
    return factories.settings(app).documents.storage.path(document.storage_name)


def notes(db_session, template: str) -> list[Notification]:
    db_session.rollback()
    return list(db_session.scalars(select(Notification).filter_by(template=template).order_by(Notification.id)))


# --- a signed-in resident ----------------------------------------------------------------------


def test_a_signed_in_draft_is_listed_and_continues_in_another_browser(app, client, db_session):
    sign_up(client, db_session)
    sign_in(client)
    answer_first_pages(client)
    # The save page needs no choice: answers are kept with the account.
    saved = client.get("/report/pothole/save").get_data(as_text=True)
    assert "saved to your account" in saved

    laptop = app.test_client()
    sign_in(laptop)
    dashboard = laptop.get("/account").get_data(as_text=True)
    assert "Forms you have not sent yet" in dashboard and "Pothole" in dashboard
    draft = only_draft(db_session)
    assert f'href="/report/pothole/delete/{draft.id}"' in dashboard
    action = re.search(r'action="(/report/pothole/continue/\d+)"', dashboard).group(1)
    # No token in the page: the draft is found by its id and the signed-in owner only.
    assert "token" not in action
    resumed = post_form(laptop, action, {}, token_from="/account")
    assert resumed.status_code == 302 and resumed.location.endswith("/report/pothole/q/size")
    for qcode, data in POTHOLE_ANSWERS[2:]:
        assert answer(laptop, "pothole", qcode, data).status_code == 302
    assert laptop.get("/report/pothole/contact").location.endswith("/report/pothole/check")
    draft = only_draft(db_session)
    assert set(draft.answers) == {q for q, _ in POTHOLE_ANSWERS}
    # The first browser's handle no longer opens the draft: one browser holds it at a time.
    assert client.get("/report/pothole/check").location.endswith("/report/pothole")
    assert post_form(laptop, "/report/pothole/check", {}).status_code == 302
    assert "Forms you have not sent yet" not in laptop.get("/account").get_data(as_text=True)


def test_a_draft_cannot_be_continued_or_deleted_by_another_account(app, client, db_session):
    sign_up(client, db_session)
    sign_in(client)
    answer_first_pages(client)
    draft = only_draft(db_session)
    ben = app.test_client()
    sign_up(ben, db_session, "ben@example.com")
    sign_in(ben, "ben@example.com")
    assert post_form(ben, f"/report/pothole/continue/{draft.id}", {}, token_from="/account").status_code == 404
    assert ben.get(f"/report/pothole/delete/{draft.id}").status_code == 404
    assert post_form(ben, f"/report/pothole/delete/{draft.id}", {}, token_from="/account").status_code == 404
    assert post_form(client, f"/report/noise/continue/{draft.id}", {}, token_from="/account").status_code == 404
    guest = app.test_client()
    assert guest.get(f"/report/pothole/delete/{draft.id}").status_code == 302  # to sign in
    assert only_draft(db_session).id == draft.id


def test_a_signed_in_resident_deletes_a_draft(app, client, db_session):
    sign_up(client, db_session)
    sign_in(client)
    answer_first_pages(client)
    draft_id = only_draft(db_session).id
    page = client.get(f"/report/pothole/delete/{draft_id}")
    assert page.status_code == 200 and "cannot be brought back" in page.get_data(as_text=True)
    done = post_form(client, f"/report/pothole/delete/{draft_id}", {})
    assert done.status_code == 302 and "changed=draft_deleted" in done.location
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Draft)) == 0
    assert db_session.scalar(select(func.count()).select_from(AuditRecord).filter_by(action="draft.delete")) == 1
    assert post_form(client, f"/report/pothole/delete/{draft_id}", {}, token_from="/account").status_code == 404


# --- a guest ------------------------------------------------------------------------------------


def test_a_guest_comes_back_by_emailed_link_once(app, client, db_session):
    answer_first_pages(client)
    assert 'href="/report/pothole/save"' in client.get("/report/pothole/q/size").get_data(as_text=True)
    refused = post_form(client, "/report/pothole/save", {"how": "email", "email": "not an address"},
                        token_from="/report/pothole/save")
    assert refused.status_code == 400 and 'href="#email"' in refused.get_data(as_text=True)
    sent = post_form(client, "/report/pothole/save", {"how": "email", "email": "Ana@Example.com"})
    assert sent.status_code == 302
    page = client.get(sent.location).get_data(as_text=True)
    assert "ana@example.com" in page and "works once, until" in page
    (note,) = notes(db_session, "draft_resume")
    assert note.recipient["email"] == "ana@example.com" and note.channel == "email"
    assert note.context["service_code"] == "pothole" and note.context["expires_on"]
    link = last_link(db_session, "draft_resume")
    draft = only_draft(db_session)
    assert draft.resume_email == "ana@example.com"
    assert link.split("/")[-1] not in (draft.resume_code_hash, draft.token_hash)  # only a hash is kept

    phone = app.test_client()
    landing = phone.get(link)  # a mail scanner opening the link uses nothing up
    assert landing.status_code == 200 and "Continue where you left off" in landing.get_data(as_text=True)
    assert phone.get(link).status_code == 200
    resumed = post_form(phone, link, {})
    assert resumed.status_code == 302 and resumed.location.endswith("/report/pothole/q/size")
    assert phone.get("/report/pothole/q/size").status_code == 200
    # Used: the link does not work again, anywhere.
    again = phone.get(link)
    assert again.status_code == 400 and "This link does not work" in again.get_data(as_text=True)
    stranger = app.test_client()
    assert post_form(stranger, link, {}, token_from="/report/resume").status_code == 400
    assert stranger.get("/report/resume/" + "x" * 500).status_code == 400


def test_a_guest_comes_back_by_code_once(app, client, db_session):
    answer_first_pages(client)
    shown = post_form(client, "/report/pothole/save", {"how": "code"})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    code = CODE_RE.search(page).group(1)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code) and "works once, until" in page
    assert code.replace("-", "") not in only_draft(db_session).resume_code_hash

    tablet = app.test_client()
    wrong = post_form(tablet, "/report/resume", {"code": "AAAA-AAAA"})
    assert wrong.status_code == 404
    generic = re.search(r'<div role="alert">(.*?)</div>', wrong.get_data(as_text=True), re.DOTALL).group(1)
    empty = post_form(tablet, "/report/resume", {"code": ""})
    assert empty.status_code == 400 and "Enter your resume code" in empty.get_data(as_text=True)
    typed = code.lower().replace("-", " ")  # any case, spaces instead of the dash
    resumed = post_form(tablet, "/report/resume", {"code": typed})
    assert resumed.status_code == 302 and resumed.location.endswith("/report/pothole/q/size")
    assert tablet.get("/report/pothole/q/size").status_code == 200
    used = post_form(app.test_client(), "/report/resume", {"code": code})
    assert used.status_code == 404
    assert re.search(r'<div role="alert">(.*?)</div>', used.get_data(as_text=True), re.DOTALL).group(1) == generic


def test_a_new_way_back_replaces_the_old_one(app, client, db_session):
    answer_first_pages(client)
    post_form(client, "/report/pothole/save", {"how": "email", "email": "ana@example.com"})
    link = last_link(db_session, "draft_resume")
    code = CODE_RE.search(post_form(client, "/report/pothole/save", {"how": "code"}).get_data(as_text=True)).group(1)
    assert app.test_client().get(link).status_code == 400
    assert only_draft(db_session).resume_email is None  # no address kept that is not needed
    assert post_form(app.test_client(), "/report/resume", {"code": code}).status_code == 302


def test_an_expired_link_or_code_does_not_work(app, client, db_session):
    answer_first_pages(client)
    post_form(client, "/report/pothole/save", {"how": "email", "email": "ana@example.com"})
    link = last_link(db_session, "draft_resume")
    db_session.execute(update(Draft).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    assert app.test_client().get(link).status_code == 400

    other = app.test_client()
    answer_first_pages(other)
    code = CODE_RE.search(post_form(other, "/report/pothole/save", {"how": "code"}).get_data(as_text=True)).group(1)
    db_session.execute(update(Draft).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    assert post_form(app.test_client(), "/report/resume", {"code": code}).status_code == 404


def test_resume_codes_are_rate_limited(app):
    client = app.test_client()
    statuses = [post_form(client, "/report/resume", {"code": "AAAA-AAAA"}).status_code for _ in range(11)]
    assert statuses[:10] == [404] * 10 and statuses[10] == 429


def test_save_page_before_any_answer_and_after_sending(app, client, db_session):
    page = client.get("/report/pothole/save")
    assert page.status_code == 200 and "nothing to save" in page.get_data(as_text=True)
    assert client.get("/report/no-such-service/save").status_code == 404


# --- expiry --------------------------------------------------------------------------------------


def test_drafts_last_by_kind_of_service():
    assert drafts.lifetime("complaint") == timedelta(days=7)
    assert drafts.lifetime("permit") == drafts.lifetime("benefit") == timedelta(days=30)


def test_expiry_deletes_expired_drafts_and_sends_one_notice(app, db_session):
    # A signed-in resident's draft and a guest's with a resume email end in 2 days; a guest's
    # with only a code ends too, but there is nowhere to write; one more expired a minute ago.
    owner = app.test_client()
    sign_up(owner, db_session)
    sign_in(owner)
    answer_first_pages(owner)
    guest = app.test_client()
    answer_first_pages(guest)
    post_form(guest, "/report/pothole/save", {"how": "email", "email": "guest@example.com"})
    coded = app.test_client()
    answer_first_pages(coded)
    post_form(coded, "/report/pothole/save", {"how": "code"})
    gone = app.test_client()
    answer_first_pages(gone)
    db_session.rollback()
    ids = db_session.scalars(select(Draft.id).order_by(Draft.id)).all()
    assert len(ids) == 4
    soon = utcnow() + timedelta(days=2)
    db_session.execute(update(Draft).where(Draft.id.in_(ids[:3])).values(expires_at=soon))
    db_session.execute(update(Draft).where(Draft.id == ids[3]).values(expires_at=utcnow() - timedelta(minutes=1)))
    stored = stored_path(app, factories.document(app, db_session.get(Draft, ids[3]), "photos", session=db_session))
    db_session.commit()
    assert stored.is_file()

    ended, _ = visits.start(db_session)
    ended_id = ended.id
    visits.end(db_session, ended)
    live_id = visits.start(db_session)[0].id
    db_session.commit()

    runner = app.test_cli_runner()
    first = runner.invoke(args=["drafts-expire"])
    assert first.exit_code == 0, first.output
    assert "1 expired draft(s) deleted, 2 reminder(s) queued, 1 ended visit(s) removed." in first.output
    second = runner.invoke(args=["drafts-expire"])
    assert "0 expired draft(s) deleted, 0 reminder(s) queued, 0 ended visit(s) removed." in second.output
    db_session.rollback()
    kept = db_session.scalars(select(Visit.id)).all()
    assert live_id in kept and ended_id not in kept

    sent = notes(db_session, "draft_expiring")
    assert sorted(n.recipient["email"] for n in sent) == ["ana@example.com", "guest@example.com"]
    assert all(n.context["service_code"] == "pothole" and n.context["expires_on"] for n in sent)
    assert db_session.scalars(select(Draft.id).order_by(Draft.id)).all() == ids[:3]
    assert db_session.scalar(select(func.count()).select_from(Document)) == 0 and not stored.exists()
    assert db_session.scalar(select(Draft).filter_by(id=ids[2])).expiry_notice_at is None  # code only
    # The guest's notice carries a fresh link back (the one emailed before is replaced).
    link = last_link(db_session, "draft_expiring", "guest@example.com")
    assert post_form(app.test_client(), link, {}).status_code == 302
    # The owner's notice points to their account, where the draft is listed.
    owners = next(n for n in sent if n.recipient["email"] == "ana@example.com")
    assert owners.context["link"].endswith("/account") and owners.account_id is not None

    # Saving an answer starts the count again; a later expiry earns a notice of its own.
    assert answer(owner, "pothole", *POTHOLE_ANSWERS[2]).status_code == 302
    db_session.rollback()
    kept = db_session.scalar(select(Draft).filter_by(account_id=owners.account_id))
    assert kept.expiry_notice_at is None and kept.expires_at > utcnow() + timedelta(days=6)


def test_expiry_keeps_a_sent_cases_documents(app, db_session):
    case = factories.case(app, "tree-removal").case  # its photo moved from the draft to the case
    db_session.execute(update(Draft).values(expires_at=utcnow() - timedelta(minutes=1)))
    db_session.commit()
    assert app.test_cli_runner().invoke(args=["drafts-expire"]).exit_code == 0
    db_session.rollback()
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Draft)) == 0
    assert db_session.scalar(select(Case)).draft_id is None
    document = db_session.scalar(select(Document))
    assert document.case_id == case.id and stored_path(app, document).is_file()


def test_draft_pages_have_one_heading_and_error_titles(app, client, db_session):
    from .test_followup import one_h1

    one_h1(client.get("/report/pothole/save"))
    one_h1(client.get("/report/resume"))
    one_h1(post_form(client, "/report/resume", {"code": "nope"}), error=True)
    answer_first_pages(client)
    one_h1(client.get("/report/pothole/save"))
    one_h1(post_form(client, "/report/pothole/save", {"how": "email", "email": ""}), error=True)
    one_h1(post_form(client, "/report/pothole/save", {"how": "code"}, token_from="/report/pothole/save"))
    sent = post_form(client, "/report/pothole/save", {"how": "email", "email": "ana@example.com"})
    one_h1(client.get(sent.location))
    link = last_link(db_session, "draft_resume")
    one_h1(client.get(link))
    one_h1(client.get(link + "x"))
    owner = app.test_client()
    sign_up(owner, db_session, "owner@example.com")
    sign_in(owner, "owner@example.com")
    answer_first_pages(owner)
    one_h1(owner.get("/account"))
    one_h1(owner.get("/report/pothole/save"))
    db_session.rollback()
    draft_id = db_session.scalar(select(Draft.id).where(Draft.account_id.is_not(None)))
    one_h1(owner.get(f"/report/pothole/delete/{draft_id}"))
