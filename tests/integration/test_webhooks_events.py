"""Which events go where: each kind of change is one hook's business, a client hears only of the
cases the policy lets it read (never another department's), a paused or deleted subscription or a
revoked client gets nothing more; and receivers that answer slowly, with 500 or with garbage are
tried again later, never twice in one try, until the tries run out — then ``notify-requeue``
puts them back."""

from __future__ import annotations

from sqlalchemy import select

from portal import db
from portal.actors import STAFF as STAFF_KIND
from portal.actors import Actor, system
from portal.cases import tracking, transfer, transitions
from portal.models import DeliveryAttempt, Notification

from .. import factories
from ..api import register
from .test_webhooks import Receiver, deliveries, receiver, run, subscribe, verified  # noqa: F401

STAFF = system("tests")
CASEWORKER = Actor(STAFF_KIND, "1", roles=frozenset({"caseworker"}), departments=frozenset({"public-works"}))


def test_each_kind_of_change_is_its_event_and_the_policy_decides_who_hears(app, receiver):
    works = register(app, "Works orders", departments=("public-works",))
    forestry = register(app, "Forestry", departments=("urban-forestry",))
    both = register(app, "City dashboard", departments=("public-works", "urban-forestry"))
    no_reader = register(app, "Budget office", roles=("records_officer",), departments=("public-works",))
    subs = {name: subscribe(app, r.client_id, receiver.url + "/" + name)
            for name, r in (("works", works), ("forestry", forestry), ("both", both), ("none", no_reader))}
    pothole = factories.case(app, "pothole").case
    factories.case(app, "tree-removal")
    with db.session_scope(app) as s:
        case = tracking.get(s, pothole.reference)
        transitions.act(s, case, "review", STAFF)
        transitions.act(s, case, "request_information", STAFF, public_note="Which side of the road?")
    with db.session_scope(app) as s:
        case = tracking.get(s, pothole.reference)
        factories.document(app, case, "answer-1", "photo.jpg", session=s)
    with db.session_scope(app) as s:
        case = tracking.get(s, pothole.reference)
        known = [d.code for d in app.extensions["catalog"].departments]
        transfer.transfer(s, CASEWORKER, case, "urban-forestry", reason="A tree root lifted the road", seen=case.revision,
                          known_departments=known, public_note="Forestry will look at it.")

    by_sub: dict[str, list[tuple[str, str]]] = {}
    for note in deliveries(app):
        name = note.recipient["webhook"]
        by_sub.setdefault(name, []).append((note.template, note.context["payload"]["data"]["reference"]))
    works_id, forestry_id, both_id, none_id = (subs[n][0] for n in ("works", "forestry", "both", "none"))
    p = pothole.reference
    # Works hears of its pothole until it leaves the department, never of the tree.
    assert by_sub[works_id] == [("case.created", p), ("case.status_changed", p), ("case.status_changed", p),
                                ("case.public_note_added", p), ("case.document_added", p)]
    # Forestry hears of its tree, and of the pothole only once it is theirs.
    assert [t for t, r in by_sub[forestry_id] if r == p] == ["case.transferred", "case.public_note_added"]
    assert [t for t, r in by_sub[forestry_id] if r != p] == ["case.created"]
    assert len(by_sub[both_id]) == 1 + 5 + 2  # the tree, and everything of the pothole
    # A client whose roles may not read cases hears of none.
    assert none_id not in by_sub

    run(app, channels={})
    paths = {a["path"].rsplit("/", 1)[1] for a in receiver.received}
    receiver.start()
    run(app, 5, channels={})
    arrived = receiver.received
    assert len(arrived) == sum(len(v) for v in by_sub.values())
    for arrival in arrived:
        name = arrival["path"].rsplit("/", 1)[1]
        payload = verified(subs[name][1], arrival)
        data = payload["data"]
        assert set(data) <= {"reference", "service_code", "department", "status", "event", "previous_status",
                             "action", "previous_department"}
        assert "Which side" not in arrival["body"].decode() and "tree root" not in arrival["body"].decode()
    assert paths == set()  # nothing arrived while it was down


def test_a_paused_or_deleted_subscription_and_a_revoked_client_get_nothing_more(app, client, receiver):
    works = register(app, "Works orders", departments=("public-works",))
    paused_id, _ = subscribe(app, works.client_id, receiver.url + "/paused")
    deleted_id, _ = subscribe(app, works.client_id, receiver.url + "/deleted")
    factories.case(app, "pothole")  # queued for both
    from portal.accounts import webhooks

    with db.session_scope(app) as s:
        webhooks.change(s, STAFF, webhooks.find(s, None, paused_id), active=False, allow_http=True)
    assert app.test_cli_runner().invoke(args=["webhook-delete", deleted_id]).exit_code == 0
    receiver.start()
    stats = run(app, channels={})
    assert stats.sent == 0 and receiver.received == []
    assert {n.status for n in deliveries(app)} == {"cancelled"}
    revoked = register(app, "Old works system", departments=("public-works",))
    subscribe(app, revoked.client_id, receiver.url + "/revoked")
    assert app.test_cli_runner().invoke(args=["api-client-revoke", "--", revoked.client_id]).exit_code == 0
    factories.case(app, "pothole")  # nothing queued for any of them now
    assert len(deliveries(app)) == 2
    listed = app.test_cli_runner().invoke(args=["webhook-list", "--", works.client_id]).output
    assert paused_id in listed and "paused" in listed and deleted_id not in listed


def _one_delivery(app, receiver, mode: str, delay: float = 0.0):
    works = register(app, "Works orders", departments=("public-works",))
    webhook_id, secret = subscribe(app, works.client_id, receiver.url, "case.created")
    receiver.mode, receiver.delay = mode, delay
    receiver.start()
    factories.case(app, "pothole")
    return webhook_id, secret


def test_a_receiver_answering_500_is_tried_again_with_the_same_id_until_tries_run_out_then_requeued(app, receiver):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 3
    webhook_id, secret = _one_delivery(app, receiver, "error")
    for minutes in (0, 5, 60):
        run(app, minutes, channels={})
    assert run(app, 600, channels={}).claimed == 0  # given up after three tries
    [note] = deliveries(app)
    assert note.status == "failed" and note.attempts == 3 and "500" in note.last_error
    with db.session_scope(app, immediate=False) as s:
        codes = list(s.scalars(select(DeliveryAttempt.response_code).where(DeliveryAttempt.notification_id == note.id)))
    assert codes == [500, 500, 500]
    assert len(receiver.received) == 3  # once per try, never twice in one
    assert len({a["headers"]["webhook-id"] for a in receiver.received}) == 1
    receiver.mode = "ok"
    result = app.test_cli_runner().invoke(args=["notify-requeue", "--webhook", webhook_id])
    assert result.exit_code == 0 and "1 notification(s) queued again" in result.output
    assert run(app, 0, channels={}).sent == 1
    assert len(receiver.received) == 4
    assert receiver.received[-1]["headers"]["webhook-id"] == receiver.received[0]["headers"]["webhook-id"]
    verified(secret, receiver.received[-1])
    assert app.test_cli_runner().invoke(args=["notify-requeue", "--webhook", "wh_none"]).exit_code != 0


def test_a_slow_receiver_times_out_and_gets_the_same_delivery_again(app, receiver):
    app.config["WEBHOOK_TIMEOUT"] = 0.5
    _id, secret = _one_delivery(app, receiver, "slow", delay=2.0)
    stats = run(app, channels={})
    assert stats.retried == 1 and stats.sent == 0
    [note] = deliveries(app)
    assert note.status == "pending" and "Timeout" in note.last_error
    receiver.mode = "ok"
    assert run(app, 5, channels={}).sent == 1
    first, second = receiver.received
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]  # the receiver drops the repeat
    assert first["body"] == second["body"]
    verified(secret, second)


def test_a_receiver_answering_garbage_is_tried_again(app, receiver):
    _id, _secret = _one_delivery(app, receiver, "garbage")
    assert run(app, channels={}).retried == 1
    [note] = deliveries(app)
    assert note.status == "pending" and note.last_error
    receiver.mode = "ok"
    assert run(app, 5, channels={}).sent == 1
    assert len(receiver.received) == 2


def test_a_redirect_is_not_followed(app, receiver):
    from http.server import BaseHTTPRequestHandler

    _id, _secret = _one_delivery(app, receiver, "ok")
    receiver.stop()
    hits = []

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(307)
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    from http.server import ThreadingHTTPServer
    import threading

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert run(app, channels={}).retried == 1
    finally:
        server.shutdown()
        server.server_close()
    assert hits == ["/hooks"]
    with db.session_scope(app, immediate=False) as s:
        assert s.scalar(select(DeliveryAttempt.response_code)) == 307
        assert s.scalar(select(Notification.status).where(Notification.channel == "webhook")) == "pending"
