"""Notifications that never get lost: the outbox, the worker and every channel, against a real
SMTP server on 127.0.0.1 (aiosmtpd), on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import email
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from sqlalchemy import func, select

from portal import db
from portal.cases import workflow
from portal.cases.transitions import transition
from portal.models import AuditRecord, Case, ContactPreferences, Notification
from portal.models.base import utcnow
from portal.notify import channels, outbox, unsubscribe, worker
from portal.notify.render import (
    CASE_TEMPLATES,
    DRAFT_TEMPLATES,
    SMS_MAX,
    TEMPLATES,
    Rendered,
    render,
)

from .. import factories
from ..conftest import ROOT, post_form
from ..factories import Staff
from ..helpers import (
    GUEST_CONTACT,
    POTHOLE_ANSWERS,
    answer,
    reference_on,
    report_pothole,
    submit,
    tracking_link_on,
)

BASE_URL = "https://portal.riverton.example"

# Translations of a few new messages, standing in for the translators' work so the tests can
# see that the worker really writes in the resident's language.
SPANISH = {
    "We received your request %(reference)s": "Hemos recibido su solicitud %(reference)s",
    "%(agency)s: we received your request %(reference)s (%(service)s). Track it: %(url)s":
        "%(agency)s: recibimos su solicitud %(reference)s (%(service)s). Sígala: %(url)s",
    "Your reference number is %(reference)s.": "Su número de referencia es %(reference)s.",
}


# --- a real SMTP server --------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.content, policy=default_policy)


class Inbox:
    def __init__(self):
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Received]:
        with self.inbox.lock:
            return list(self.inbox.messages)


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def notify_app(app, smtp, tmp_path):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_STARTTLS=False, SMTP_TIMEOUT=5,
                      SMTP_USERNAME=None, MAILROOM_DIR=str(tmp_path / "mailroom"), NOTIFY_MAX_ATTEMPTS=4,
                      PUBLIC_BASE_URL=BASE_URL, SMS_TRANSPORT="log")
    return app


@pytest.fixture
def spanish(app, tmp_path):
    """A Spanish catalog holding SPANISH, merged over the shipped one for this test."""
    catalog = Catalog(locale="es")
    for msgid, msgstr in SPANISH.items():
        catalog.add(msgid, msgstr)
    folder = tmp_path / "extra-translations" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    babel = app.extensions["babel"]
    with app.app_context():
        domain = babel.instance.domain_instance
    babel.translation_directories.append(str(tmp_path / "extra-translations"))
    domain.cache.clear()
    yield SPANISH
    babel.translation_directories.remove(str(tmp_path / "extra-translations"))
    domain.cache.clear()


def run_worker(app, **kwargs) -> worker.Stats:
    kwargs.setdefault("worker_id", "test-worker")
    return worker.run(app, once=True, interval=0.01, **kwargs)


def notifications(app) -> list[Notification]:
    with db.session_scope(app) as session:
        notes = list(session.scalars(select(Notification).order_by(Notification.id)))
        for note in notes:
            note.attempt_log
        return notes


def later(hours: float = 2):
    moment = utcnow() + timedelta(hours=hours)
    return lambda: moment


def queue_account_message(app, key: str, address: str, *, name: str = "", template: str = "verify_email",
                          locale: str = "en"):
    with db.session_scope(app) as session:
        outbox.queue(session, key=key, template=template,
                     route=outbox.Route("email", {"email": address, "name": name}, locale),
                     context={"link": f"{BASE_URL}/auth/verify/{key}", "expires_minutes": 60})


def report(app, contact: dict | None = None, lang: str | None = None):
    """Report a pothole as a guest; returns (client, confirmation page)."""
    client = app.test_client()
    if lang:
        client.get(f"/?lang={lang}")
    report_pothole(client, contact)
    response = submit(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    page = client.get(response.location)
    assert page.status_code == 200
    return client, page.get_data(as_text=True)


def bodies(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


# --- (a) one report, one email, in the resident's language ---------------------------------------


def test_a_report_in_spanish_sends_one_email_in_spanish(notify_app, smtp, spanish):
    _client, page = report(notify_app, {"name": "Ana Díaz", "email": "ana@example.com", "locale": "es"},
                           lang="es")
    reference, tracking = reference_on(page), tracking_link_on(page)
    notes = notifications(notify_app)
    assert [(n.template, n.channel, n.locale, n.optional) for n in notes] == [("case_received", "email", "es", False)]
    assert notes[0].key == f"case:{notes[0].case_id}:received"

    stats = run_worker(notify_app)
    assert (stats.sent, stats.retried, stats.failed) == (1, 0, 0)
    assert len(smtp.messages) == 1
    received = smtp.messages[0]
    assert received.rcpt_tos == ["ana@example.com"]
    message = received.message
    assert message["Subject"] == f"Hemos recibido su solicitud {reference}"
    assert message["Content-Language"] == "es"
    assert message["To"].addresses[0].addr_spec == "ana@example.com"
    assert message["Message-ID"] == channels.message_id(notes[0].key, "riverton.example")
    assert message["Auto-Submitted"] == "auto-generated"
    assert "List-Unsubscribe" not in message  # a required message
    assert message.get_content_type() == "multipart/alternative"
    text, html = bodies(message)
    for body in (text, html):
        assert f"Su número de referencia es {reference}." in body
        assert BASE_URL + tracking in body
        assert "Bache" in body  # the service's Spanish name, from the catalog
    assert '<html lang="es" dir="ltr">' in html
    assert f'<a href="{BASE_URL + tracking}">{BASE_URL + tracking}</a>' in html

    (sent,) = notifications(notify_app)
    assert sent.status == "sent" and sent.sent_at is not None and sent.attempts == 1
    assert [a.outcome for a in sent.attempt_log] == ["sent"]
    # Nothing is sent twice, however often the worker runs.
    assert run_worker(notify_app).claimed == 0
    assert run_worker(notify_app, clock=later(48)).claimed == 0
    assert len(smtp.messages) == 1


def test_arabic_email_is_right_to_left(notify_app, smtp):
    report(notify_app, {"email": "layla@example.com", "locale": "ar"}, lang="ar")
    run_worker(notify_app)
    _text, html = bodies(smtp.messages[0].message)
    assert '<html lang="ar" dir="rtl">' in html
    assert smtp.messages[0].message["Content-Language"] == "ar"


# --- (b) a mail server outage loses nothing and sends nothing twice ------------------------------


def test_mail_server_outage_loses_nothing_and_sends_nothing_twice(notify_app, smtp):
    smtp.stop()
    addresses = [f"resident{i}@example.com" for i in range(3)]
    references = []
    for address in addresses:
        _client, page = report(notify_app, {"email": address})
        references.append(reference_on(page))

    before = utcnow()
    stats = run_worker(notify_app)
    assert (stats.sent, stats.retried, stats.failed) == (0, 3, 0)
    for note in notifications(notify_app):
        assert note.status == "pending" and note.attempts == 1
        assert note.next_attempt_at > before + timedelta(seconds=10)  # backed off
        assert note.locked_until is None
        assert [a.outcome for a in note.attempt_log] == ["retry"]
        assert note.last_error and note.attempt_log[0].error == note.last_error
    # Before the backoff has passed, nothing is due.
    assert run_worker(notify_app).claimed == 0

    smtp.start()  # the same port again
    stats = run_worker(notify_app, clock=later(2))
    assert stats.sent == 3
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted(addresses)
    subjects = sorted(m.message["Subject"] for m in smtp.messages)
    assert subjects == sorted(f"We received your request {ref}" for ref in references)
    assert len({m.message["Message-ID"] for m in smtp.messages}) == 3
    assert run_worker(notify_app, clock=later(5)).claimed == 0
    assert len(smtp.messages) == 3
    for note in notifications(notify_app):
        assert note.status == "sent" and note.attempts == 2
        assert [a.outcome for a in note.attempt_log] == ["retry", "sent"]


def test_backoff_grows_with_jitter_and_is_capped():
    assert timedelta(seconds=15) <= worker.backoff(1) <= timedelta(seconds=30)
    assert worker.backoff(3, rand=lambda: 1.0) == timedelta(seconds=120)
    assert worker.backoff(3, rand=lambda: 0.0) == timedelta(seconds=60)
    assert worker.backoff(30, rand=lambda: 1.0) == timedelta(hours=1)


# --- (c) two workers at once deliver each message exactly once -----------------------------------


def test_two_workers_deliver_each_message_exactly_once(notify_app, smtp):
    for i in range(30):
        queue_account_message(notify_app, f"test:{i}", f"person{i}@example.com")
    smtp.inbox.delay = 0.02
    barrier = threading.Barrier(2)
    results: dict[str, worker.Stats] = {}

    def work(name):
        barrier.wait()
        results[name] = worker.run(notify_app, once=True, worker_id=name, batch_size=3, interval=0.01)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("worker-1", "worker-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(r.sent for r in results.values()) == 30
    assert all(r.sent > 0 for r in results.values()), results  # both really worked
    recipients = [r for m in smtp.messages for r in m.rcpt_tos]
    assert len(recipients) == 30 and len(set(recipients)) == 30
    assert len({m.message["Message-ID"] for m in smtp.messages}) == 30
    for note in notifications(notify_app):
        assert note.status == "sent"
        assert [a.outcome for a in note.attempt_log] == ["sent"]


def test_simultaneous_claims_never_share_a_message(notify_app):
    for i in range(30):
        queue_account_message(notify_app, f"claim:{i}", f"person{i}@example.com")
    barrier = threading.Barrier(6)
    claimed: list[list[int]] = []
    lock = threading.Lock()

    def grab():
        barrier.wait()
        mine = []
        while batch := worker.claim(notify_app, limit=4, lease=timedelta(minutes=5), now=utcnow()):
            mine += [m.id for m in batch]
        with lock:
            claimed.append(mine)

    threads = [threading.Thread(target=grab) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    every = [number for mine in claimed for number in mine]
    assert len(every) == 30 and len(set(every)) == 30
    assert {n.status for n in notifications(notify_app)} == {"sending"}


def test_a_crashed_workers_lease_expires_and_the_message_is_sent_once(notify_app, smtp):
    queue_account_message(notify_app, "lease:1", "ana@example.com")
    (claimed,) = worker.claim(notify_app, limit=10, lease=timedelta(minutes=5), now=utcnow())
    # The worker that claimed it dies. Another sees nothing until the lease runs out...
    assert run_worker(notify_app).claimed == 0
    # ...then takes it over.
    stats = run_worker(notify_app, clock=later(0.5))
    assert stats.sent == 1 and len(smtp.messages) == 1
    (note,) = notifications(notify_app)
    assert note.status == "sent" and note.id == claimed.id


# --- (d) a provider that always fails: failed after NOTIFY_MAX_ATTEMPTS, and visible ------------


class Broken:
    timeout = 1.0

    def __init__(self):
        self.calls = 0

    def send(self, message, rendered):
        self.calls += 1
        raise ConnectionError("the provider is down")


def test_a_provider_that_always_fails_ends_failed_and_shows_in_notify_status(notify_app, caplog):
    queue_account_message(notify_app, "doomed:1", "ana@example.com")
    broken = Broken()
    start = utcnow()
    caplog.set_level(logging.INFO, logger="portal.notify")
    for run in range(6):
        moment = start + timedelta(hours=2 * run)
        run_worker(notify_app, channels={"email": broken}, clock=lambda moment=moment: moment)
    assert broken.calls == 4  # NOTIFY_MAX_ATTEMPTS
    (note,) = notifications(notify_app)
    assert note.status == "failed" and note.attempts == 4
    assert [a.outcome for a in note.attempt_log] == ["retry", "retry", "retry", "failed"]
    assert all(a.error == "ConnectionError: the provider is down" for a in note.attempt_log)
    assert note.last_error == "ConnectionError: the provider is down"
    errors = [r for r in caplog.records if r.name == "portal.notify" and r.levelno == logging.ERROR]
    assert len(errors) == 1 and "doomed:1" in errors[0].getMessage()

    output = notify_app.test_cli_runner().invoke(args=["notify-status"]).output
    assert re.search(r"^failed\s+1$", output, re.MULTILINE)
    assert re.search(r"^pending\s+0$", output, re.MULTILINE)
    assert "doomed:1" in output and "the provider is down" in output and "4 attempt(s)" in output

    # Once the cause is fixed, it can be queued again.
    requeued = notify_app.test_cli_runner().invoke(args=["notify-requeue", str(note.id)]).output
    assert "1 notification(s) queued again" in requeued
    assert notifications(notify_app)[0].status == "pending"


def test_a_message_with_no_template_for_its_channel_fails_at_once(notify_app):
    with db.session_scope(notify_app) as session:
        outbox.queue(session, key="letter:verify", template="verify_email",
                     route=outbox.Route("letter", {"name": "Ana", "postal": {"line1": "1 Main St"}}, "en"),
                     context={})
    run_worker(notify_app)
    (note,) = notifications(notify_app)
    assert note.status == "failed" and note.attempts == 1
    assert "letters/verify_email.html" in note.last_error


# --- (e) a provider that hangs times out and is retried -----------------------------------------


def test_a_mail_server_that_hangs_times_out_and_is_retried(notify_app, smtp):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never says a word
    try:
        notify_app.config.update(SMTP_PORT=silent.getsockname()[1], SMTP_TIMEOUT=0.5)
        queue_account_message(notify_app, "hang:1", "ana@example.com")
        started = time.monotonic()
        stats = run_worker(notify_app)
        assert time.monotonic() - started < 10
        assert stats.retried == 1
        (note,) = notifications(notify_app)
        assert note.status == "pending" and note.attempts == 1
        assert "timed out" in note.last_error.lower()
    finally:
        silent.close()
    notify_app.config.update(SMTP_PORT=smtp.port, SMTP_TIMEOUT=5)
    assert run_worker(notify_app, clock=later(1)).sent == 1
    assert len(smtp.messages) == 1


def test_a_provider_that_hangs_is_given_up_on_and_retried(notify_app):
    release = threading.Event()

    class Hangs:
        timeout = 0.2

        def send(self, message, rendered):
            release.wait(30)

    queue_account_message(notify_app, "hang:2", "ana@example.com")
    try:
        started = time.monotonic()
        stats = run_worker(notify_app, channels={"email": Hangs()})
        assert time.monotonic() - started < 10
    finally:
        release.set()
    assert stats.retried == 1
    (note,) = notifications(notify_app)
    assert note.status == "pending" and note.last_error.startswith("Timeout:")


# --- (f) header injection ------------------------------------------------------------------------


def test_header_injection_in_the_name_is_neutralised(notify_app, smtp):
    # The contact form refuses such a name; a message queued any other way must still be safe.
    queue_account_message(notify_app, "inject:1", "ana@example.com", name="Ana\r\nBcc: evil@example.com")
    assert run_worker(notify_app).sent == 1
    (received,) = smtp.messages
    assert received.rcpt_tos == ["ana@example.com"]
    assert not re.search(rb"(?im)^bcc:", received.content)
    message = received.message
    assert message["Bcc"] is None
    (to,) = message["To"].addresses
    assert to.addr_spec == "ana@example.com"
    assert "\n" not in to.display_name and "\r" not in to.display_name


def test_no_header_carries_a_line_break(notify_app):
    channel = channels.SmtpChannel.from_config(notify_app.config)
    note = worker.Outgoing(1, "k:1", "email", "verify_email", "en",
                           {"email": "ana@example.com", "name": "Ana\nBcc: evil@example.com"}, {}, False, 0, utcnow())
    rendered = Rendered("email", "en", "Hello\r\nBcc: evil@example.com", "text\n",
                        headers={"X-Test\r\nBcc": "a\r\nBcc: evil@example.com"})
    built = channel.build(note, rendered)
    raw = built.as_bytes()
    assert not re.search(rb"(?im)^bcc:", raw)
    assert built["Subject"] == "Hello Bcc: evil@example.com"
    with pytest.raises(channels.PermanentFailure):
        channel.build(worker.Outgoing(2, "k:2", "email", "verify_email", "en",
                                      {"email": "ana@example.com\r\nBcc: evil@example.com"}, {}, False, 0,
                                      utcnow()), rendered)


def test_the_contact_form_refuses_a_name_on_two_lines(notify_app):
    client = notify_app.test_client()
    for qcode, data in POTHOLE_ANSWERS:
        answer(client, "pothole", qcode, data)
    response = post_form(client, "/report/pothole/contact", {**GUEST_CONTACT, "name": "Ana\r\nBcc: x@example.com"})
    assert response.status_code == 400


# --- (g) one-click unsubscribe -------------------------------------------------------------------


def _case(app, reference: str) -> Case:
    with db.session_scope(app) as session:
        return session.scalar(select(Case).filter_by(reference=reference))


def _move(app, reference: str, to_status: str, note: str | None = None) -> None:
    factories.move(app, reference, Staff(to_status, public=note))


def _prefs(app, case_id: int) -> ContactPreferences:
    with db.session_scope(app) as session:
        return session.scalar(select(ContactPreferences).filter_by(case_id=case_id))


def _audits(app, action: str) -> int:
    with db.session_scope(app) as session:
        return session.scalar(select(func.count()).select_from(AuditRecord).filter_by(action=action))


def test_one_click_unsubscribe_switches_off_updates_only(notify_app, smtp):
    _client, page = report(notify_app)
    reference = reference_on(page)
    case = _case(notify_app, reference)
    _move(notify_app, reference, workflow.IN_REVIEW, "A crew will look at it this week.")
    assert run_worker(notify_app).sent == 2
    received, update = (m.message for m in smtp.messages)
    assert "List-Unsubscribe" not in received
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = update["List-Unsubscribe"].strip("<>")
    assert url.startswith(f"{BASE_URL}/notifications/unsubscribe/")
    text, html = bodies(update)
    assert url in text and url in html
    assert "A crew will look at it this week." in text
    path = urlsplit(url).path

    # GET only asks; it changes nothing.
    browser = notify_app.test_client()
    confirm = browser.get(path)
    assert confirm.status_code == 200
    assert '<form method="post"' in confirm.get_data(as_text=True)
    assert _prefs(notify_app, case.id).want_updates is True

    # A mail program's one-click POST: no session, no CSRF token.
    done = notify_app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You will no longer get these messages" in done.get_data(as_text=True)
    prefs = _prefs(notify_app, case.id)
    assert prefs.want_updates is False
    assert prefs.want_reminders is True and prefs.preferred_channel == "email"
    assert _audits(notify_app, "contact_preferences.unsubscribe") == 1
    # Again: still fine, nothing more to record.
    assert notify_app.test_client().post(path).status_code == 200
    assert _audits(notify_app, "contact_preferences.unsubscribe") == 1

    # The next optional message is not queued; a required one still is.
    count = len(notifications(notify_app))
    _move(notify_app, reference, workflow.SCHEDULED, "Booked for Tuesday.")
    assert len(notifications(notify_app)) == count
    _move(notify_app, reference, workflow.RESOLVED, "Filled.")
    assert [n.template for n in notifications(notify_app)][-1] == "case_decided"
    assert run_worker(notify_app).sent == 1
    assert smtp.messages[-1].message["Subject"] == f"Your request {reference} is resolved"

    # CSRF still guards every other form.
    assert notify_app.test_client().post("/report/pothole/check").status_code == 400


def test_an_optional_message_switched_off_after_queueing_is_cancelled(notify_app, smtp):
    _client, page = report(notify_app)
    reference = reference_on(page)
    case = _case(notify_app, reference)
    assert run_worker(notify_app).sent == 1  # the receipt
    _move(notify_app, reference, workflow.IN_REVIEW, "Looking at it.")  # queues an optional update
    from portal import db

    with db.session_scope(notify_app) as session:
        from portal.models import ContactPreferences

        session.query(ContactPreferences).filter_by(case_id=case.id).update({"want_updates": False})
    stats = run_worker(notify_app)
    assert stats.sent == 0 and len(smtp.messages) == 1
    assert notifications(notify_app)[-1].status == "cancelled"


def test_the_private_tracking_link_is_not_kept_after_sending(notify_app, smtp):
    _client, page = report(notify_app)
    receipt = notifications(notify_app)[-1]
    assert "tracking_path" in receipt.context
    assert run_worker(notify_app).sent == 1
    assert "/track/t/" in bodies(smtp.messages[-1].message)[0]
    assert "tracking_path" not in notifications(notify_app)[-1].context


def test_a_bad_unsubscribe_link_is_not_found_and_changes_nothing(notify_app, smtp):
    _client, page = report(notify_app)
    case = _case(notify_app, reference_on(page))
    _move(notify_app, case.reference, workflow.IN_REVIEW)
    update = next(n for n in notifications(notify_app) if n.template == "case_updated")
    received = next(n for n in notifications(notify_app) if n.template == "case_received")
    good = unsubscribe.make_token(notify_app.config["SECRET_KEY"], update.id)
    for token in (good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # tampered signature
                  unsubscribe.make_token("another-secret", update.id),
                  unsubscribe.make_token(notify_app.config["SECRET_KEY"], received.id),  # a required message
                  unsubscribe.make_token(notify_app.config["SECRET_KEY"], 987654),
                  "x" * 300):
        for method in ("get", "post"):
            response = getattr(notify_app.test_client(), method)(f"/notifications/unsubscribe/{token}")
            assert response.status_code == 404, (token, method)
            assert "Page not found" in response.get_data(as_text=True)
    assert _prefs(notify_app, case.id).want_updates is True
    assert _audits(notify_app, "contact_preferences.unsubscribe") == 0


# --- (h) letters ---------------------------------------------------------------------------------


POSTAL = {"channel": "post", "line1": "12 Main Street", "line2": "Apt 4", "city": "Riverton", "state": "VA",
          "zip": "20500"}


def test_a_letter_in_large_print_and_spanish_lands_in_the_mailroom(notify_app, smtp, spanish):
    _client, page = report(notify_app, {**POSTAL, "large_print": "y", "locale": "es"}, lang="es")
    reference = reference_on(page)
    (note,) = notifications(notify_app)
    assert (note.channel, note.locale, note.context.get("large_print")) == ("letter", "es", True)
    assert run_worker(notify_app).sent == 1
    assert smtp.messages == []
    mailroom = Path(notify_app.config["MAILROOM_DIR"])
    (letter,) = mailroom.glob(f"letters/*/{note.id}.html")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", letter.parent.name)
    assert (letter.parent / "letter.css").read_text() == (ROOT / "templates/letters/letter.css").read_text()
    assert not list(mailroom.rglob("*.tmp"))
    html = letter.read_text()
    assert '<html lang="es" dir="ltr">' in html
    assert '<body class="letter letter--large-print">' in html
    assert '<link rel="stylesheet" href="letter.css">' in html
    assert f"<h1>Hemos recibido su solicitud {reference}</h1>" in html
    assert "Bache" in html and "12 Main Street" in html and "Riverton VA 20500" in html
    assert "style=" not in html and "<style" not in html and "<script" not in html
    assert ".letter--large-print" in (letter.parent / "letter.css").read_text()


def test_a_letter_without_large_print_has_the_plain_class(notify_app):
    report(notify_app, POSTAL)
    (note,) = notifications(notify_app)
    run_worker(notify_app)
    (letter,) = Path(notify_app.config["MAILROOM_DIR"]).glob(f"letters/*/{note.id}.html")
    assert '<body class="letter">' in letter.read_text()


# --- (i) text messages and calls -----------------------------------------------------------------


def test_a_text_message_is_logged_in_the_residents_language(notify_app, spanish, caplog):
    caplog.set_level(logging.INFO, logger="portal.sms")
    _client, page = report(notify_app, {"channel": "text", "phone": "202 555 0143", "email": "", "locale": "es"},
                           lang="es")
    reference = reference_on(page)
    assert run_worker(notify_app).sent == 1
    (line,) = [r.getMessage() for r in caplog.records if r.name == "portal.sms"]
    assert f"recibimos su solicitud {reference} (Bache)" in line
    assert "0143" in line and "2025550143" not in line  # the number is masked in the log
    text = line.split(": ", 1)[1]
    assert len(text) <= SMS_MAX


def test_a_phone_call_preference_writes_a_call_sheet(notify_app):
    _client, page = report(notify_app, {"channel": "phone", "phone": "202 555 0143", "email": "", "locale": "es"})
    (note,) = notifications(notify_app)
    assert note.channel == "call"
    assert run_worker(notify_app).sent == 1
    (sheet,) = Path(notify_app.config["MAILROOM_DIR"]).glob(f"calls/*/{note.id}.txt")
    text = sheet.read_text()
    assert "Call sheet" in text and "Language: Spanish" in text and "+12025550143" in text
    assert reference_on(page) in text and "Bache" in text


def test_an_unknown_sms_transport_is_a_clear_error(notify_app):
    with pytest.raises(channels.UnknownTransport, match="SMS_TRANSPORT 'carrier-pigeon'"):
        channels.build({**notify_app.config, "SMS_TRANSPORT": "carrier-pigeon"})
    notify_app.config["SMS_TRANSPORT"] = "carrier-pigeon"
    result = notify_app.test_cli_runner().invoke(args=["notify-worker", "--once"])
    assert result.exit_code != 0 and "SMS_TRANSPORT 'carrier-pigeon'" in result.output


# --- (j) every text message fits ------------------------------------------------------------------


class Sample:
    def __init__(self, template, channel, locale, context, optional=False):
        self.id, self.key, self.template, self.channel, self.locale = 2_147_483_000, "sample", template, channel, locale
        self.recipient = {"email": "ana@example.com", "phone": "+12025550143", "name": "Ana Díaz",
                          "postal": {"line1": "12 Main Street", "city": "Riverton", "state": "VA", "zip": "20500"}}
        self.context, self.optional = context, optional


def samples(app, template):
    """Contexts as long as real ones get: every service, every status the message can carry."""
    catalog = app.extensions["catalog"]
    if template in DRAFT_TEMPLATES:
        for code in catalog.services:
            for signed_in in (False, True):
                yield {"link": f"{BASE_URL}/report/resume/{'x' * 43}", "service_code": code,
                       "expires_on": "2025-12-31", "signed_in": signed_in}
        return
    if template not in CASE_TEMPLATES:
        yield {"link": f"{BASE_URL}/account/email/confirm/{'x' * 43}", "expires_minutes": 1440,
               "new_email": "a••••••••@example.com"}
        return
    statuses = {"case_received": [workflow.RECEIVED], "info_requested": [workflow.MORE_INFO],
                "case_decided": sorted({s for w in workflow.WORKFLOWS.values() for s in w.decided})}.get(template, list(workflow.STATUSES))
    for code in catalog.services:
        for status in statuses:
            context = {"reference": "K7M-X3Q-HDT", "service_code": code, "status": status,
                       "note": "n" * 2000, "respond_by": "2025-12-31", "resolve_by": "2025-12-31"}
            if template == "case_received":
                context["tracking_path"] = "/track/t/" + "f" * 64
            if template == "case_transferred":  # the longest department name
                context["department"] = max(catalog.departments, key=lambda d: len(d.name("en"))).code
            if template == "case_merged":
                context["primary_reference"] = "R4P-W8N-JZC"
            yield context


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_text_message_fits_in_306_characters_in_every_locale(notify_app, template):
    notify_app.config["PUBLIC_BASE_URL"] = BASE_URL
    for locale in notify_app.config["SHIPPED_LOCALES"]:
        for context in samples(notify_app, template):
            rendered = render(notify_app, Sample(template, "sms", locale, context,
                                                 optional=template not in outbox.REQUIRED))
            assert rendered.text and "\n" not in rendered.text
            assert len(rendered.text) <= SMS_MAX, (template, locale, len(rendered.text), rendered.text)


# --- every template renders, on every channel it has, in every locale ----------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_message_renders_in_every_locale(notify_app, template):
    channels_for = ("email", "sms", "letter", "call") if template in CASE_TEMPLATES else ("email", "sms")
    for locale in notify_app.config["SHIPPED_LOCALES"]:
        context = next(samples(notify_app, template))
        for channel in channels_for:
            rendered = render(notify_app, Sample(template, channel, locale, context,
                                                 optional=template not in outbox.REQUIRED))
            assert rendered.subject and "\n" not in rendered.subject
            if channel == "email":
                html = rendered.html
                direction = "rtl" if locale == "ar" else "ltr"
                assert f'<html lang="{locale}" dir="{direction}">' in html
                for external in ("<img", "<script", "<link", "src=", "url(", "@import"):
                    assert external not in html, (template, external)
                assert "Ana Díaz" in rendered.text
                if template in CASE_TEMPLATES:
                    assert "K7M-X3Q-HDT" in rendered.text and BASE_URL in rendered.text
                elif template != "account_deleted":  # the one account message with no link
                    assert context["link"] in rendered.text and f'href="{context["link"]}"' in html
                assert ("List-Unsubscribe" in rendered.headers) == (template not in outbox.REQUIRED)


def test_transitions_queue_the_message_the_move_owes():
    complaint, permit = workflow.of("complaint"), workflow.of("permit")
    assert complaint.action("request_information").message == "info_requested"
    assert complaint.action("resolve").message == "case_decided"
    assert permit.action("approve").message == permit.action("deny").message == "case_decided"
    assert complaint.action("review").message == "case_updated"


def test_every_move_queues_its_message_in_the_same_transaction(notify_app):
    _client, page = report(notify_app)
    reference = reference_on(page)
    with pytest.raises(RuntimeError), db.session_scope(notify_app) as session:
        case = session.scalar(select(Case).filter_by(reference=reference))
        transition(session, case, workflow.IN_REVIEW, factories.STAFF)
        raise RuntimeError("the request failed after the move")
    assert [n.template for n in notifications(notify_app)] == ["case_received"]
    _move(notify_app, reference, workflow.IN_REVIEW)
    _move(notify_app, reference, workflow.MORE_INFO, "Send a photo of the pothole.")
    notes = notifications(notify_app)
    assert [n.template for n in notes] == ["case_received", "case_updated", "info_requested"]
    assert notes[2].context["note"] == "Send a photo of the pothole." and notes[2].optional is False
    with db.session_scope(notify_app) as session:
        events = session.scalars(select(Case).filter_by(reference=reference)).one().events
        assert notes[2].key == f"case:{notes[2].case_id}:event:{events[-1].id}"


# --- the worker command --------------------------------------------------------------------------


def test_the_worker_command_delivers_and_stops_on_sigterm(notify_app, smtp):
    queue_account_message(notify_app, "cli:1", "ana@example.com")
    env = {**os.environ, "PORTAL_ENV": "testing", "DATABASE_URL": notify_app.config["DATABASE_URL"],
           "INSTANCE_PATH": notify_app.config["INSTANCE_PATH"], "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(smtp.port), "MAILROOM_DIR": notify_app.config["MAILROOM_DIR"],
           "SMTP_STARTTLS": "false", "SMS_TRANSPORT": "log"}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "notify-worker",
                                "--interval", "0.2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not smtp.messages and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert len(smtp.messages) == 1
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "stopped" in output
    assert notifications(notify_app)[0].status == "sent"
    # Nothing is lost or sent twice by the stop.
    assert run_worker(notify_app).claimed == 0
    assert len(smtp.messages) == 1
