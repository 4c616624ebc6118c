"""The outbox worker: claims due messages, delivers them, records every attempt, retries with
backoff, and marks a message failed after NOTIFY_MAX_ATTEMPTS.

Never twice: a worker claims a message by moving it to ``sending`` with a lease (``locked_until``)
in a short transaction of its own — on PostgreSQL with ``SELECT … FOR UPDATE SKIP LOCKED``,
elsewhere with a conditional UPDATE that only succeeds if the row is still as it was read — so two
workers never hold the same message. A sent message is marked ``sent`` in its own transaction
straight after the provider accepted it. A worker that dies mid-send leaves its claim to expire;
the message is then tried again (the email keeps its Message-ID, so a resend can be recognised).

Run it with ``flask --app portal notify-worker`` (``--once`` to empty the queue and stop).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from .. import db
from ..models import DeliveryAttempt, Notification
from ..models.base import utcnow
from ..models.notifications import CANCELLED, FAILED, PENDING, SENDING, SENT
from . import channels as channels_module
from . import webhook_channel, webhooks
from .outbox import FORGET_AFTER_SENDING, SECRET_CONTEXT, error_type, still_wanted
from .render import CannotRender, render

log = logging.getLogger("portal.notify")

BACKOFF_BASE = 30.0  # seconds before the first retry (before jitter)
BACKOFF_CAP = 3600.0  # never wait longer than an hour between tries
LEASE_SPARE = 60.0  # seconds of lease left over after the slowest possible batch


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, detached from the database session."""

    id: int
    key: str
    channel: str
    template: str
    locale: str
    recipient: dict[str, Any]
    context: dict[str, Any]
    optional: bool
    attempts: int
    locked_until: datetime


@dataclass
class Stats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class Timeout(Exception):
    pass


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
    """Wait before try ``attempts + 1``: 30 s · 2^(attempts-1), capped at an hour, with jitter
    (between half and all of it) so retries from an outage do not arrive together."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return timedelta(seconds=ceiling / 2 + rand() * ceiling / 2)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def _due(now: datetime):
    return or_(
        and_(Notification.status == PENDING, Notification.next_attempt_at <= now),
        and_(Notification.status == SENDING, Notification.locked_until < now),
    )


def claim(app: Flask, *, limit: int, lease: timedelta, now: datetime) -> list[Outgoing]:
    """Claim up to ``limit`` due messages for this worker, in one short transaction."""
    locked_until = now + lease
    with db.session_scope(app) as session:
        if session.get_bind().dialect.name == "postgresql":
            ids = list(session.scalars(
                select(Notification.id).where(_due(now))
                .order_by(Notification.next_attempt_at, Notification.id)
                .limit(limit).with_for_update(skip_locked=True)
            ))
            if ids:
                session.execute(update(Notification).where(Notification.id.in_(ids))
                                .values(status=SENDING, locked_until=locked_until)
                                .execution_options(synchronize_session=False))
        else:
            ids = []
            rows = session.execute(
                select(Notification.id, Notification.status, Notification.locked_until).where(_due(now))
                .order_by(Notification.next_attempt_at, Notification.id).limit(limit)
            ).all()
            for number, status, was_locked_until in rows:
                # Only if the row is still as it was read: another worker may have claimed it since.
                still = (and_(Notification.status == PENDING, Notification.next_attempt_at <= now)
                         if status == PENDING else
                         and_(Notification.status == SENDING, Notification.locked_until == was_locked_until))
                result = session.execute(update(Notification).where(Notification.id == number, still)
                                         .values(status=SENDING, locked_until=locked_until)
                                         .execution_options(synchronize_session=False))
                if result.rowcount == 1:
                    ids.append(number)
        if not ids:
            return []
        notes = session.scalars(select(Notification).where(Notification.id.in_(ids))
                                .order_by(Notification.id))
        return [Outgoing(n.id, n.key, n.channel, n.template, n.locale, dict(n.recipient or {}),
                         dict(n.context or {}), n.optional, n.attempts, locked_until) for n in notes]


def _ours(message: Outgoing):
    """The row is still claimed by us (our lease, not a later worker's)."""
    return and_(Notification.id == message.id, Notification.status == SENDING,
                Notification.locked_until == message.locked_until)


def _forgotten(message: Outgoing) -> dict[str, Any]:
    """What to clear once ``message`` is delivered or given up on."""
    return {"recipient": {}, "context": {}} if message.template in FORGET_AFTER_SENDING else {}


def mark_sent(app: Flask, message: Outgoing, worker_id: str, now: datetime,
              response_code: int | None = None) -> None:
    kept = {k: v for k, v in message.context.items() if k not in SECRET_CONTEXT}
    with db.session_scope(app) as session:
        session.execute(update(Notification)
                        .where(Notification.id == message.id, Notification.status != SENT)
                        .values(**{"status": SENT, "sent_at": now, "locked_until": None, "last_error": None,
                                   "attempts": Notification.attempts + 1, "context": kept, **_forgotten(message)})
                        .execution_options(synchronize_session=False))
        session.add(DeliveryAttempt(notification_id=message.id, at=now, worker=worker_id, outcome="sent",
                                    response_code=response_code))


def cancel_if_unwanted(app: Flask, message: Outgoing, worker_id: str, now: datetime) -> bool:
    """Cancel an optional message whose owner switched it off after it was queued, or a webhook
    delivery whose subscription was deleted or paused (or its client revoked) since."""
    if not message.optional and message.channel != webhooks.CHANNEL:
        return False
    with db.session_scope(app) as session:
        if message.channel == webhooks.CHANNEL:
            if webhooks.target_for(session, message.id) is not None:
                return False
            why = "the subscription was deleted or paused, or its client revoked"
        else:
            if still_wanted(session, session.get(Notification, message.id)):
                return False
            why = "switched off by the resident"
        session.execute(update(Notification).where(_ours(message))
                        .values(status=CANCELLED, locked_until=None)
                        .execution_options(synchronize_session=False))
        session.add(DeliveryAttempt(notification_id=message.id, at=now, worker=worker_id,
                                    outcome="cancelled", error=why))
    return True


def prepare(app: Flask, message: Outgoing):
    """What the channel sends: the rendered message, or for a webhook its address and secret."""
    if message.channel == webhooks.CHANNEL:
        with db.session_scope(app) as session:
            return webhooks.target_for(session, message.id)
    return render(app, message)


def mark_failed_attempt(app: Flask, message: Outgoing, worker_id: str, now: datetime, error: str,
                        *, max_attempts: int, permanent: bool = False, response_code: int | None = None) -> str:
    """Record a failed try; schedule the next or give up. Returns the attempt's outcome."""
    attempts = message.attempts + 1
    final = permanent or attempts >= max_attempts
    if _forgotten(message):
        error = error_type(error)
    outcome = FAILED if final else "retry"
    values: dict[str, Any] = {"attempts": attempts, "last_error": error, "locked_until": None,
                              "status": FAILED if final else PENDING}
    if final:
        values.update(_forgotten(message))
    else:
        values["next_attempt_at"] = now + backoff(attempts)
    with db.session_scope(app) as session:
        result = session.execute(update(Notification).where(_ours(message)).values(**values)
                                 .execution_options(synchronize_session=False))
        session.add(DeliveryAttempt(notification_id=message.id, at=now, worker=worker_id,
                                    outcome=outcome, error=error, response_code=response_code))
    if result.rowcount == 0:
        log.warning("notification %s: this worker's claim ran out before its attempt failed (%s); "
                    "the worker now holding it decides", message.id, error)
    elif final:
        log.error("notification %s (%s, %s by %s) failed after %d attempt(s): %s",
                  message.id, message.key, message.template, message.channel, attempts, error)
    else:
        log.warning("notification %s (%s by %s) attempt %d failed, next try at %s: %s",
                    message.id, message.key, message.channel, attempts,
                    values["next_attempt_at"].isoformat(timespec="seconds"), error)
    return outcome


def release(app: Flask, messages: list[Outgoing]) -> None:
    """Give back claims not yet tried (on stop, or when too little lease is left)."""
    if not messages:
        return
    with db.session_scope(app) as session:
        for message in messages:
            session.execute(update(Notification).where(_ours(message))
                            .values(status=PENDING, locked_until=None)
                            .execution_options(synchronize_session=False))


def call_with_deadline(function: Callable[[], Any], seconds: float) -> Any:
    """Run ``function`` in a thread and give up waiting after ``seconds`` (a provider that hangs
    must not stall the worker). Returns what it returned; raises Timeout, or what it raised."""
    outcome: dict[str, Any] = {}

    def target():
        try:
            outcome["result"] = function()
            outcome["error"] = None
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            outcome["error"] = error

    thread = threading.Thread(target=target, name="notify-send", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise Timeout(f"the provider did not answer within {seconds:g} seconds")
    if outcome.get("error") is not None:
        raise outcome["error"]
    return outcome.get("result")


def deadline_for(channel) -> float:
    """How long one send may take: smtplib's timeout is per network operation, so allow a few."""
    return float(getattr(channel, "timeout", 10.0)) * 3 + 1


def _describe(error: BaseException) -> str:
    text = str(error) or error.__class__.__name__
    return f"{error.__class__.__name__}: {text}"[:1000]


def deliver(app: Flask, message: Outgoing, channels: dict[str, Any], worker_id: str,
            clock: Callable[[], datetime], stats: Stats) -> None:
    max_attempts = app.config["NOTIFY_MAX_ATTEMPTS"]
    channel = channels.get(message.channel)
    if cancel_if_unwanted(app, message, worker_id, clock()):
        log.info("notification %s (%s) cancelled: switched off since it was queued", message.id, message.key)
        return
    try:
        if channel is None:
            raise CannotRender(f"no channel {message.channel!r} is set up")
        rendered = prepare(app, message)
        answered = call_with_deadline(lambda: channel.send(message, rendered), deadline_for(channel))
    except (CannotRender, channels_module.PermanentFailure) as error:
        mark_failed_attempt(app, message, worker_id, clock(), _describe(error),
                            max_attempts=max_attempts, permanent=True)
        stats.failed += 1
        stats.errors.append(_describe(error))
        return
    except Exception as error:  # noqa: BLE001 - any other failure is worth another try
        outcome = mark_failed_attempt(app, message, worker_id, clock(), _describe(error),
                                      max_attempts=max_attempts,
                                      response_code=getattr(error, "response_code", None))
        if outcome == FAILED:
            stats.failed += 1
        else:
            stats.retried += 1
        stats.errors.append(_describe(error))
        return
    for attempt in range(3):
        try:
            mark_sent(app, message, worker_id, clock(), answered if isinstance(answered, int) else None)
            break
        except Exception:  # noqa: BLE001 - the database may be back in a moment
            if attempt == 2:
                # The claim's lease runs out and the message goes again, with the same Message-ID.
                log.exception("notification %s was sent but could not be recorded as sent", message.id)
                raise
            time.sleep(1)
    stats.sent += 1
    log.info("notification %s (%s, %s) sent by %s", message.id, message.key, message.channel, worker_id)


@contextmanager
def _signals(stop: threading.Event):
    """SIGTERM and SIGINT finish the message in hand, then stop (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        name = signal.Signals(signum).name
        log.info("notify worker: %s received, stopping after the current message", name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _round(app: Flask, channels: dict[str, Any], worker_id: str, batch_size: int, lease: timedelta,
           clock: Callable[[], datetime], stop: threading.Event, stats: Stats) -> int:
    """Claim one batch and deliver it. Returns how many messages were claimed."""
    batch = claim(app, limit=batch_size, lease=lease, now=clock())
    stats.claimed += len(batch)
    for index, message in enumerate(batch):
        left = (message.locked_until - clock()).total_seconds()
        if stop.is_set() or left < deadline_for(channels.get(message.channel)):
            release(app, batch[index:])
            break
        deliver(app, message, channels, worker_id, clock, stats)
    return len(batch)


def run(app: Flask, *, once: bool = False, worker_id: str | None = None, interval: float = 5.0,
        batch_size: int = 10, channels: dict[str, Any] | None = None,
        clock: Callable[[], datetime] = utcnow, stop: threading.Event | None = None) -> Stats:
    """Deliver due messages until stopped (or, with ``once``, until none is due)."""
    worker_id = (worker_id or default_worker_id())[:64]
    channels = channels if channels is not None else channels_module.build(app.config)
    # Webhooks go out by one channel everywhere: the one the app's config sets up, unless given.
    channels = {webhooks.CHANNEL: webhook_channel.WebhookChannel.from_config(app.config), **channels}
    stop = stop or threading.Event()
    slowest = max((deadline_for(c) for c in channels.values()), default=30.0)
    lease = timedelta(seconds=slowest * batch_size + LEASE_SPARE)
    stats = Stats()
    log.info("notify worker %s started (batch %d, lease %ds)", worker_id, batch_size,
             lease.total_seconds())
    with app.app_context(), _signals(stop):
        while not stop.is_set():
            try:
                claimed = _round(app, channels, worker_id, batch_size, lease, clock, stop, stats)
            except Exception:  # noqa: BLE001 - e.g. the database is restarting
                if once:
                    raise
                log.exception("notify worker %s: trying again in %g seconds", worker_id, max(interval, 5))
                stop.wait(max(interval, 5))
                continue
            if once and not claimed:
                break
            if not claimed:
                stop.wait(interval)
    log.info("notify worker %s stopped: %d sent, %d to retry, %d failed", worker_id, stats.sent,
             stats.retried, stats.failed)
    return stats


def status_counts(session: Session) -> dict[str, int]:
    query = select(Notification.status, func.count()).group_by(Notification.status)
    rows = session.execute(query).all()
    counts = {status: 0 for status in (PENDING, SENDING, SENT, FAILED, CANCELLED)}
    counts.update({status: count for status, count in rows})
    return counts


def failed_messages(session: Session, limit: int = 50) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.status == FAILED)
                                .order_by(Notification.id.desc()).limit(limit)))


def requeue(session: Session, ids: list[int], now: datetime | None = None) -> int:
    """Put failed messages back in the queue, with a fresh count of attempts."""
    result = session.execute(update(Notification)
                             .where(Notification.id.in_(ids), Notification.status == FAILED)
                             .values(status=PENDING, attempts=0, next_attempt_at=now or utcnow(),
                                     locked_until=None)
                             .execution_options(synchronize_session=False))
    return result.rowcount
