"""Follow-up on a sent request: answer a request for information, withdraw, say it is not fixed,
rate it; only by the resident who made it, and only while the case allows it."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from portal.cases import workflow
from portal.models import AuditRecord, Case, CaseEvent, Document
from portal.models.base import utcnow

from .. import factories
from ..conftest import csrf_token, post_form
from ..factories import Staff
from .test_accounts import sign_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def make_case(app, client, email="ana@example.com") -> tuple[str, str]:
    """A guest's pothole report; the browser opens its private link. (reference, case page)"""
    made = factories.case(app, "pothole", contact={"email": email})
    assert client.get(f"/track/t/{made.tracking_token}").status_code == 200
    return made.case.reference, f"/track/case/{made.case.reference}"


def move(app, reference: str, *statuses: str, note: str | None = None) -> None:
    """Staff move the case, through the same function the staff pages will use; ``note`` goes
    with the last move."""
    factories.move(app, reference, *statuses[:-1], Staff(statuses[-1], public=note))


def events(db_session, reference: str) -> list[CaseEvent]:
    db_session.rollback()  # end the read snapshot: see what requests committed
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    return list(db_session.scalars(select(CaseEvent).filter_by(case_id=case.id).order_by(CaseEvent.id)))


def status_of(db_session, reference: str) -> str:
    db_session.rollback()
    return db_session.scalar(select(Case.status).filter_by(reference=reference))


def test_an_answer_to_a_request_for_information_goes_back_to_review(app, client, db_session):
    reference, page = make_case(app, client)
    move(app, reference, workflow.IN_REVIEW, workflow.MORE_INFO, note="How deep is the hole, roughly?")
    shown = client.get(page).get_data(as_text=True)
    assert "What we need from you" in shown and "How deep is the hole, roughly?" in shown
    url = f"{page}/answer"

    empty = post_form(client, url, {"answer": "   "}, token_from=page)
    assert empty.status_code == 400 and 'href="#answer"' in empty.get_data(as_text=True)
    too_long = post_form(client, url, {"answer": "x" * 5001}, token_from=page)
    assert too_long.status_code == 400 and "5000 characters or fewer" in too_long.get_data(as_text=True)
    wrong_file = client.post(url, data={"csrf_token": csrf_token(client, page), "answer": "About 10 cm.",
                                        "file": (io.BytesIO(b"just text"), "depth.txt")},
                             content_type="multipart/form-data")
    assert wrong_file.status_code == 415 and 'href="#file"' in wrong_file.get_data(as_text=True)
    assert status_of(db_session, reference) == workflow.MORE_INFO  # nothing half-saved
    assert db_session.scalar(select(func.count()).select_from(Document)) == 0

    sent = client.post(url, data={"csrf_token": csrf_token(client, page), "answer": "About 10 cm.\r\nIt is growing.",
                                  "file": (io.BytesIO(PDF), "measure.pdf")}, content_type="multipart/form-data")
    assert sent.status_code == 302 and sent.location.endswith(f"{page}?done=answered")
    timeline = client.get(sent.location).get_data(as_text=True)
    assert "We have your answer" in timeline and "You wrote:" in timeline and "It is growing." in timeline
    assert "measure.pdf" in timeline and "What we need from you" not in timeline
    history = events(db_session, reference)
    assert history[-1].status_from == workflow.MORE_INFO and history[-1].status_to == workflow.IN_REVIEW
    assert history[-1].resident_note == "About 10 cm.\nIt is growing." and history[-1].actor == "guest"
    document = db_session.scalar(select(Document))
    assert document.case_id is not None and document.event_id == history[-1].id
    audit = db_session.scalars(select(AuditRecord).filter_by(action="case.transition")).all()[-1]
    assert audit.details == {"action": "answer_information", "from": workflow.MORE_INFO, "to": workflow.IN_REVIEW, "resident_note": True}
    href = re.search(r'href="(/documents/[^"]+)"', timeline).group(1)
    assert client.get(href).data == PDF
    # A second answer from a stale tab: the case no longer waits for one.
    stale = post_form(client, url, {"answer": "Again"}, token_from="/track")
    assert stale.status_code == 409 and "cannot be done now" in stale.get_data(as_text=True)
    assert len(events(db_session, reference)) == len(history)


def test_withdraw_once_and_a_stale_tab_gets_409(app, client, db_session):
    reference, page = make_case(app, client)
    assert 'href="' + page + '/withdraw"' in client.get(page).get_data(as_text=True)
    confirm = client.get(f"{page}/withdraw")
    assert confirm.status_code == 200 and "Are you sure" in confirm.get_data(as_text=True)
    token = csrf_token(client, f"{page}/withdraw")
    first = client.post(f"{page}/withdraw", data={"csrf_token": token, "reason": "Fixed by a neighbour."})
    assert first.status_code == 302 and first.location.endswith("?done=withdrawn")
    second = client.post(f"{page}/withdraw", data={"csrf_token": token, "reason": "Fixed by a neighbour."})
    assert second.status_code == 409 and "Nothing was changed" in second.get_data(as_text=True)
    withdrawn = [e for e in events(db_session, reference) if e.status_to == workflow.WITHDRAWN]
    assert len(withdrawn) == 1 and withdrawn[0].resident_note == "Fixed by a neighbour."
    page_now = client.get(page).get_data(as_text=True)
    assert "Withdraw this request" not in page_now and "Fixed by a neighbour." in page_now
    too_long = app.test_client()
    other_ref, other_page = make_case(app, too_long, "ben@example.com")
    refused = post_form(too_long, f"{other_page}/withdraw", {"reason": "x" * 1001})
    assert refused.status_code == 400 and status_of(db_session, other_ref) == workflow.RECEIVED


def test_a_decided_request_cannot_be_withdrawn(app, client, db_session):
    reference, page = make_case(app, client)
    move(app, reference, workflow.IN_REVIEW, workflow.RESOLVED)
    assert "Withdraw this request" not in client.get(page).get_data(as_text=True)
    assert client.get(f"{page}/withdraw").status_code == 409
    assert post_form(client, f"{page}/withdraw", {}, token_from="/track").status_code == 409
    assert status_of(db_session, reference) == workflow.RESOLVED


def test_not_fixed_reopens_within_the_window_and_is_refused_after(app, client, db_session):
    reference, page = make_case(app, client)
    move(app, reference, workflow.IN_REVIEW, workflow.RESOLVED)
    shown = client.get(page).get_data(as_text=True)
    assert "Is the problem still there?" in shown and "Tell us it is not fixed" in shown
    empty = post_form(client, f"{page}/not-fixed", {"description": ""})
    assert empty.status_code == 400 and "Tell us what is still wrong" in empty.get_data(as_text=True)
    reopened = post_form(client, f"{page}/not-fixed", {"description": "The hole is back after the rain."})
    assert reopened.status_code == 302 and reopened.location.endswith("?done=reopened")
    assert status_of(db_session, reference) == workflow.IN_REVIEW
    assert events(db_session, reference)[-1].resident_note == "The hole is back after the rain."

    # Resolved again, 15 days ago: past the 14 days a complaint may be reopened.
    move(app, reference, workflow.RESOLVED)
    token = csrf_token(client, f"{page}/not-fixed")
    last = events(db_session, reference)[-1]
    db_session.execute(update(CaseEvent).where(CaseEvent.id == last.id)
                       .values(occurred_at=utcnow() - timedelta(days=15)))
    db_session.commit()
    assert "Tell us it is not fixed" not in client.get(page).get_data(as_text=True)
    late = client.post(f"{page}/not-fixed", data={"csrf_token": token, "description": "Still there."})
    assert late.status_code == 409 and "time to tell us" in late.get_data(as_text=True)
    assert client.get(f"{page}/not-fixed").status_code == 409
    assert status_of(db_session, reference) == workflow.RESOLVED


def test_rating_once(app, client, db_session):
    reference, page = make_case(app, client)
    assert "How did we do?" not in client.get(page).get_data(as_text=True)
    assert post_form(client, f"{page}/rate", {"rating": "4"}, token_from="/track").status_code == 409
    move(app, reference, workflow.IN_REVIEW, workflow.RESOLVED)
    shown = client.get(page).get_data(as_text=True)
    assert "How did we do?" in shown and "Very good" in shown and 'type="radio"' in shown
    assert post_form(client, f"{page}/rate", {}, token_from=page).status_code == 400
    assert post_form(client, f"{page}/rate", {"rating": "9"}, token_from=page).status_code == 400
    rated = post_form(client, f"{page}/rate", {"rating": "4", "comment": "Quick, thank you."}, token_from=page)
    assert rated.status_code == 302 and rated.location.endswith("?done=rated")
    again = post_form(client, f"{page}/rate", {"rating": "1"}, token_from="/track")
    assert again.status_code == 409 and "already rated" in again.get_data(as_text=True)
    db_session.rollback()
    case = db_session.scalar(select(Case).filter_by(reference=reference))
    assert (case.rating, case.rating_comment) == (4, "Quick, thank you.") and case.rated_at is not None
    assert db_session.scalar(select(func.count()).select_from(AuditRecord).filter_by(action="case.rate")) == 1
    assert "You rated this request: Good." in client.get(page).get_data(as_text=True)


def test_another_resident_can_do_none_of_it(app, client, db_session):
    reference, page = make_case(app, client)
    ben = app.test_client()
    _ben_ref, ben_page = make_case(app, ben, "ben@example.com")
    signed_in = app.test_client()
    factories.account(app, "cara@example.com")
    sign_in(signed_in, "cara@example.com")
    move(app, reference, workflow.IN_REVIEW, workflow.MORE_INFO, note="A photo, please.")
    for stranger, token_page in ((ben, f"{ben_page}/withdraw"), (signed_in, "/account"), (app.test_client(), "/track")):
        token = csrf_token(stranger, token_page)
        for action, data in (("answer", {"answer": "Mine now"}), ("withdraw", {}),
                             ("not-fixed", {"description": "x"}), ("rate", {"rating": "1"})):
            response = stranger.post(f"{page}/{action}", data={"csrf_token": token, **data})
            assert response.status_code == 404, (action, response.status_code)
        assert stranger.get(f"{page}/withdraw").status_code == 404
        assert stranger.get(page).status_code == 302
    assert status_of(db_session, reference) == workflow.MORE_INFO
    assert events(db_session, reference)[-1].resident_note is None


def test_the_signed_in_owner_follows_up_from_the_dashboard(app, client, db_session):
    reference = factories.case(app, "pothole", account=factories.account(app)).case.reference
    sign_in(client)
    assert f'href="/track/case/{reference}"' in client.get("/account").get_data(as_text=True)
    page = f"/track/case/{reference}"
    assert client.get(page).status_code == 200
    done = post_form(client, f"{page}/withdraw", {})
    assert done.status_code == 302 and status_of(db_session, reference) == workflow.WITHDRAWN
    assert events(db_session, reference)[-1].actor.startswith("account:")


def test_case_transition_command(app, client, db_session):
    reference, _page = make_case(app, client)
    runner = app.test_cli_runner()
    moved = runner.invoke(args=["case-transition", reference, "in_review"])
    assert moved.exit_code == 0 and f"{reference} is now in_review" in moved.output
    asked = runner.invoke(args=["case-transition", reference.replace("-", "").lower(), "more_info_needed",
                                "--note", "Which side of the road?"])
    assert asked.exit_code == 0, asked.output
    assert events(db_session, reference)[-1].public_note == "Which side of the road?"
    illegal = runner.invoke(args=["case-transition", reference, "approved"])
    assert illegal.exit_code != 0 and "cannot move" in illegal.output
    unknown = runner.invoke(args=["case-transition", "AAA-AAA-AAA", "closed"])
    assert unknown.exit_code != 0 and "No case" in unknown.output


def one_h1(response, error: bool = False) -> str:
    body = response.get_data(as_text=True)
    assert body.count("<h1") == 1, body.count("<h1")
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1).strip()
    assert title.startswith("Error: ") == error, title
    assert "<script>" not in body and "style=" not in body
    return body


def test_follow_up_pages_have_one_heading_and_error_titles(app, client, db_session):
    reference, page = make_case(app, client)
    one_h1(client.get(f"{page}/withdraw"))
    one_h1(post_form(client, f"{page}/withdraw", {"reason": "x" * 1001}), error=True)
    move(app, reference, workflow.IN_REVIEW, workflow.MORE_INFO, note="Which lane?")
    one_h1(client.get(page))
    one_h1(post_form(client, f"{page}/answer", {"answer": ""}, token_from=page), error=True)
    move(app, reference, workflow.IN_REVIEW, workflow.RESOLVED)
    one_h1(client.get(page))
    one_h1(client.get(f"{page}/not-fixed"))
    one_h1(post_form(client, f"{page}/not-fixed", {"description": ""}), error=True)
    one_h1(post_form(client, f"{page}/rate", {"rating": ""}, token_from=page), error=True)
    one_h1(post_form(client, f"{page}/withdraw", {}, token_from=page))  # the 409 page
    spanish = client.get(f"{page}?lang=es")
    assert 'lang="es"' in one_h1(spanish)


def test_simultaneous_withdrawals_make_one_event(app, client, db_session):
    import threading

    reference, page = make_case(app, client)
    token = csrf_token(client, f"{page}/withdraw")
    cookie = client.get_cookie("session")
    tabs = [app.test_client() for _ in range(4)]
    for tab in tabs:
        tab.set_cookie(cookie.key, cookie.value)
    barrier = threading.Barrier(len(tabs))
    results: list = []

    def send(tab):
        barrier.wait()
        results.append(tab.post(f"{page}/withdraw", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=send, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [302, 409, 409, 409]
    assert [e.status_to for e in events(db_session, reference)].count(workflow.WITHDRAWN) == 1
