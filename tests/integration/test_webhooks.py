"""Signed webhooks, end to end: a real receiver on 127.0.0.1 that is down for a while. Events
happen, the worker tries and backs off; once the receiver is back every event arrives, each
signature verifies with the Standard Webhooks package, nothing arrives that was not sent, and a
repeat carries the same webhook-id."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from portal import db
from portal.models import DeliveryAttempt, Notification
from portal.models.base import utcnow
from portal.notify import worker

from .. import factories
from ..api import register


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """A webhook receiver on 127.0.0.1: ``start`` and ``stop`` it at will (same port), choose how
    it answers (``mode``: ok, error, slow, garbage), and read what arrived."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.received: list[dict] = []
        self.mode = "ok"
        self.delay = 0.0
        self.server = None
        self.thread = None
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append({"body": body, "headers": dict(self.headers.items()),
                                              "path": self.path})
                if receiver.mode == "slow":
                    time.sleep(receiver.delay)
                if receiver.mode == "garbage":
                    self.wfile.write(b"\x00\x01 this is not HTTP \r\n\r\n")
                    return
                status = 500 if receiver.mode == "error" else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.stop()


def subscribe(app, client_id: str, url: str, *events: str) -> tuple[str, str]:
    args = ["webhook-create", "--url", url]
    for event in events or ("case.created", "case.status_changed", "case.public_note_added",
                            "case.transferred", "case.document_added"):
        args += ["--event", event]
    args += [client_id]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return (re.search(r"webhook_id: (\S+)", result.output).group(1),
            re.search(r"secret: (\S+)", result.output).group(1))


def later(minutes: float):
    moment = utcnow() + timedelta(minutes=minutes)
    return lambda: moment


def run(app, minutes: float = 0, **kwargs) -> worker.Stats:
    # Only the webhook channel is needed; email and the others are not set up here.
    return worker.run(app, once=True, interval=0.01, clock=later(minutes), **kwargs)


def deliveries(app) -> list[Notification]:
    with db.session_scope(app, immediate=False) as s:
        notes = list(s.scalars(select(Notification).where(Notification.channel == "webhook")
                               .order_by(Notification.id)))
        s.expunge_all()
        return notes


def verified(secret: str, arrival: dict) -> dict:
    return Webhook(secret).verify(arrival["body"], arrival["headers"])


@pytest.fixture
def works(app):
    return register(app, "Works orders", departments=("public-works",))


def test_a_receiver_that_is_down_gets_every_event_once_it_is_back(app, works, receiver):
    _id, secret = subscribe(app, works.client_id, receiver.url)
    # Events happen while the receiver is down (nothing listens on its port).
    first = factories.case(app, "pothole").case.reference
    second = factories.case(app, "pothole", "in_review", "resolved").case.reference
    queued = deliveries(app)
    # created ×2, status_changed ×2 (review, resolve) for the second
    assert sorted(n.template for n in queued) == ["case.created", "case.created", "case.status_changed",
                                                  "case.status_changed"]
    ids = {n.context["webhook_id"] for n in queued}
    assert len(ids) == 4

    stats = run(app, channels={})
    assert stats.retried == 4 and stats.sent == 0
    waiting = deliveries(app)
    assert all(n.status == "pending" and n.attempts == 1 for n in waiting)
    # The worker backs off: nothing is tried again before the wait is over.
    assert run(app, 0.1, channels={}).claimed == 0
    assert run(app, 2, channels={}).retried == 4  # a second try, still down
    assert all(n.attempts == 2 for n in deliveries(app))

    receiver.start()
    assert run(app, 10, channels={}).sent == 4
    assert run(app, 120, channels={}).claimed == 0  # nothing goes twice
    arrived = receiver.received
    assert len(arrived) == 4
    payloads = [verified(secret, a) for a in arrived]
    assert {a["headers"]["webhook-id"] for a in arrived} == ids
    assert {(p["type"], p["data"]["reference"]) for p in payloads} == {
        ("case.created", first), ("case.created", second),
        ("case.status_changed", second)}
    changes = sorted((p["data"]["previous_status"], p["data"]["action"]) for p in payloads
                     if p["type"] == "case.status_changed")
    assert changes == [("in_review", "resolve"), ("received", "review")]
    # No personal data: the payload names the case, never the resident.
    for payload in payloads:
        assert set(payload) == {"type", "timestamp", "data"}
        assert not {"contact", "answers", "name", "email", "phone", "note"} & set(payload["data"])
    with db.session_scope(app, immediate=False) as s:
        codes = [a.response_code for a in s.scalars(select(DeliveryAttempt).where(DeliveryAttempt.outcome == "sent"))]
    assert codes == [204] * 4


def test_the_api_manages_a_clients_own_subscriptions(app, client, receiver):
    from ..api import bearer, get_token

    mine = register(app, "Works orders", departments=("public-works",),
                    scopes=("cases:read", "webhooks:manage"))
    theirs = register(app, "Forestry", departments=("urban-forestry",), scopes=("webhooks:manage",))
    token = get_token(client, mine)
    made = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["case.created"]},
                       headers=bearer(token, **{"Idempotency-Key": "one"}))
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    assert body["secret"].startswith("whsec_") and made.headers["Location"].endswith(body["id"])
    # Every answer is one the OpenAPI document describes.
    from .test_api_openapi import check

    document = client.get("/api/v1/openapi.json").get_json()
    check(document, "/webhooks", "post", made)
    check(document, "/webhooks", "get", client.get("/api/v1/webhooks", headers=bearer(token)))
    check(document, "/webhooks/{webhook_id}", "get", client.get(f"/api/v1/webhooks/{body['id']}", headers=bearer(token)))
    unkeyed = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["case.created"]},
                          headers=bearer(token))
    assert unkeyed.status_code == 400
    check(document, "/webhooks", "post", unkeyed)
    again = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["case.created"]},
                        headers=bearer(token, **{"Idempotency-Key": "one"}))
    assert again.get_json() == body and again.headers["Idempotent-Replayed"] == "true"
    listed = client.get("/api/v1/webhooks", headers=bearer(token)).get_json()["items"]
    assert [w["id"] for w in listed] == [body["id"]] and "secret" not in listed[0]
    changed = client.patch(f"/api/v1/webhooks/{body['id']}", json={"events": ["case.created", "case.transferred"],
                                                                   "active": False}, headers=bearer(token))
    assert changed.status_code == 200 and changed.get_json()["active"] is False
    assert changed.get_json()["events"] == ["case.created", "case.transferred"]
    check(document, "/webhooks/{webhook_id}", "patch", changed)
    # Another client's subscription is not there for it.
    other = get_token(client, theirs)
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)(f"/api/v1/webhooks/{body['id']}", json={}, headers=bearer(other))
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert client.get("/api/v1/webhooks", headers=bearer(other)).get_json()["items"] == []
    # A token without the scope is refused.
    narrow = get_token(client, mine, scope="cases:read")
    assert client.get("/api/v1/webhooks", headers=bearer(narrow)).status_code == 403
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=bearer(token)).status_code == 204
    assert client.get(f"/api/v1/webhooks/{body['id']}", headers=bearer(token)).status_code == 404


@pytest.mark.parametrize("body, words", [
    ({"url": "ftp://example.org/x", "events": ["case.created"]}, "https://host/path"),
    ({"url": "http://example.org/x", "events": ["case.created"]}, "https"),
    ({"url": "https://user:pw@example.org/x", "events": ["case.created"]}, "https://host/path"),
    ({"url": "https://example.org:99999/x", "events": ["case.created"]}, "https://host/path"),
    ({"url": "", "events": ["case.created"]}, "url"),
    ({"url": 7, "events": ["case.created"]}, "url"),
    ({"events": ["case.created"]}, "url"),
    ({"url": "https://example.org/x", "events": ["case.deleted"]}, "case.deleted"),
    ({"url": "https://example.org/x", "events": []}, "case.created"),
    ({"url": "https://example.org/x", "events": "case.created"}, "case.created"),
    ({"url": "https://example.org/x", "events": ["case.created"], "secret": "mine"}, "secret"),
])
def test_bad_subscriptions_are_422_problems_in_the_callers_language(app, client, body, words):
    from sqlalchemy import func

    from portal.models import WebhookSubscription

    from ..api import bearer, get_token

    token = get_token(client, register(app, "Works orders", scopes=("webhooks:manage",)))
    for language in ("en", "es"):
        response = client.post("/api/v1/webhooks", json=body,
                               headers=bearer(token, **{"Idempotency-Key": f"bad-{language}",
                                                        "Accept-Language": language}))
        assert response.status_code == 422, response.get_data(as_text=True)
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert words in problem["detail"]
        assert response.headers["Content-Language"] == language
    with db.session_scope(app, immediate=False) as s:
        assert s.scalar(select(func.count()).select_from(WebhookSubscription)) == 0


def test_production_takes_https_to_public_hosts_only(app):
    from portal.accounts import webhooks

    for url in ("http://127.0.0.1:8000/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "https://localhost/x",
                "https://[::1]/x", "https://169.254.169.254/latest"):
        with pytest.raises(webhooks.WebhookError):
            webhooks.check_url(url, allow_http=False)
    assert webhooks.check_url("https://hooks.example.org/in", allow_http=False) == "https://hooks.example.org/in"
    assert webhooks.check_url("http://127.0.0.1:8000/x", allow_http=True) == "http://127.0.0.1:8000/x"
    with pytest.raises(webhooks.WebhookError):
        webhooks.check_url("http://example.org/x", allow_http=True)


def test_the_command_line_refuses_bad_subscriptions_and_audits_good_ones(app, works):
    from portal.models import AuditRecord

    runner = app.test_cli_runner()
    for args, words in ((["--url", "ftp://x.example/in", "--event", "case.created"], "not a usable URL"),
                        (["--url", "http://hooks.example.org/in", "--event", "case.created"], "https://"),
                        (["--url", "https://hooks.example.org/in", "--event", "case.gone"], "Unknown event: case.gone"),
                        (["--url", "https://hooks.example.org/in"], "at least one --event")):
        result = runner.invoke(args=["webhook-create", *args, "--", works.client_id])
        assert result.exit_code == 1 and words in result.output, result.output
    assert runner.invoke(args=["webhook-create", "--url", "https://h.example.org", "--event", "case.created",
                               "--", "nobody"]).exit_code == 1
    webhook_id, secret = subscribe(app, works.client_id, "https://hooks.example.org/in", "case.created")
    assert secret.startswith("whsec_")
    with db.session_scope(app, immediate=False) as s:
        actions = list(s.scalars(select(AuditRecord.action).where(AuditRecord.target_id == webhook_id)))
    assert actions == ["webhook.create"]
    assert runner.invoke(args=["webhook-delete", webhook_id]).exit_code == 0
    assert runner.invoke(args=["webhook-delete", webhook_id]).exit_code == 1
