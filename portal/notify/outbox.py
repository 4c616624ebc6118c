"""Queueing messages in the outbox, in the caller's transaction.

Who gets a message, on which channel and in which language is decided here, from the resident's
contact preferences (their account's, or the ones given with a guest case). The worker
(``portal.notify.worker``) only delivers what is queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Account, Case, ContactPreferences, Notification
from ..models.base import utcnow

# The channel used for each preferred way of hearing from the agency.
CHANNEL_FOR = {"email": "email", "text": "sms", "phone": "call", "post": "letter"}
CHANNELS = ("email", "sms", "call", "letter")

# Messages a resident cannot switch off: the law requires them, or the account depends on them.
REQUIRED = {
    "case_received", "case_decided", "info_requested",
    "verify_email", "reset_password", "email_changed", "password_changed", "account_deleted",
    "register_existing", "case_merged",
    # Asked for by the resident, or the one notice before their saved answers are deleted.
    "draft_resume", "draft_expiring",
}
# Which preference switches off each optional message.
OPTIONAL_SWITCH = {"case_updated": "want_updates", "case_transferred": "want_updates", "reminder": "want_reminders"}
# News of a case that the residents of the duplicates merged into it get too (not, say, a request
# for information, which asks the case's own resident something).
FOLLOWED = {"case_updated", "case_decided", "case_transferred"}


@dataclass(frozen=True)
class Route:
    channel: str
    recipient: dict[str, Any]
    locale: str


def preferences_for_case(session: Session, case: Case) -> ContactPreferences | None:
    if case.account_id is not None:
        prefs = session.scalar(select(ContactPreferences).filter_by(account_id=case.account_id))
        if prefs is not None:
            return prefs
    return session.scalar(select(ContactPreferences).filter_by(case_id=case.id))


def _recipient(channel: str, prefs: ContactPreferences | None, case: Case | None, account: Account | None):
    email = (prefs.email if prefs else None) or (case.contact_email if case else None) or (account.email if account else None)
    phone = (prefs.phone if prefs else None) or (case.contact_phone if case else None)
    name = (case.contact_name if case else None) or (account.name if account else None) or ""
    if channel == "email" and email:
        return {"email": email, "name": name}
    if channel in ("sms", "call") and phone:
        return {"phone": phone, "name": name}
    if channel == "letter" and prefs and prefs.postal.get("line1"):
        return {"name": name, "postal": dict(prefs.postal)}
    return None


def route_for_case(session: Session, case: Case, template: str) -> Route | None:
    """Where a message about ``case`` goes, or None when the resident gave no way to reach them
    or switched this optional message off."""
    prefs = preferences_for_case(session, case)
    account = session.get(Account, case.account_id) if case.account_id else None
    switch = OPTIONAL_SWITCH.get(template)
    if switch and prefs is not None and not getattr(prefs, switch):
        return None
    preferred = prefs.preferred_channel if prefs else (case.contact_preference or "email")
    locale = (prefs.locale if prefs else None) or case.locale
    order = [CHANNEL_FOR.get(preferred)] if preferred in CHANNEL_FOR else []
    if preferred == "none" and template not in REQUIRED:
        return None
    # A required message falls back to any channel the resident gave us.
    if template in REQUIRED or not order:
        order += [c for c in ("email", "sms", "letter") if c not in order]
    for channel in order:
        recipient = _recipient(channel, prefs, case, account)
        if recipient is not None:
            return Route(channel, recipient, locale)
    return None


def message(*, key: str, template: str, route: Route, context: dict[str, Any],
            account_id: int | None = None, case_id: int | None = None) -> Notification:
    """One message as the outbox holds it, not yet added to any session (``queue`` adds it; a
    preview renders it as it is)."""
    return Notification(
        key=key, channel=route.channel, template=template, locale=route.locale,
        recipient=route.recipient, context=context, optional=template not in REQUIRED,
        account_id=account_id, case_id=case_id, next_attempt_at=utcnow(),
    )


def _add(session: Session, note: Notification) -> Notification:
    existing = session.scalar(select(Notification).filter_by(key=note.key))
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            session.add(note)
    except IntegrityError:
        return session.scalar(select(Notification).filter_by(key=note.key))
    return note


def queue(
    session: Session, *, key: str, template: str, route: Route, context: dict[str, Any],
    account_id: int | None = None, case_id: int | None = None,
) -> Notification | None:
    """Add one message to the outbox. ``key`` names the message owed (e.g. "case:42:received"):
    queueing the same key twice keeps the first."""
    return _add(session, message(key=key, template=template, route=route, context=context,
                                 account_id=account_id, case_id=case_id))


def message_for_case(session: Session, case: Case, template: str, key: str,
                     context: dict[str, Any]) -> Notification | None:
    """The message about ``case`` as it would be queued now (channel, language, formats and
    recipient from the resident's preferences), or None when it would go nowhere. Not added to
    the session: ``queue_for_case`` queues it, the staff preview only renders it."""
    route = route_for_case(session, case, template)
    if route is None:
        return None
    prefs = preferences_for_case(session, case)
    formats = {"large_print": True} if prefs is not None and prefs.large_print else {}
    context = {"reference": case.reference, "service_code": case.service_code, **formats, **context}
    return message(key=key, template=template, route=route, context=context,
                   account_id=case.account_id, case_id=case.id)


def queue_for_case(session: Session, case: Case, template: str, key: str, context: dict[str, Any]) -> Notification | None:
    """Queue ``template`` about ``case`` for its resident, and news (``FOLLOWED``) also for the
    resident of each case merged into it, each in their own language and by their own channel:
    the same message about this case, saying their request was joined to it (``joined_from``)."""
    if template in FOLLOWED:
        merged = session.scalars(select(Case).filter_by(merged_into_id=case.id).order_by(Case.id))
        shared = {k: v for k, v in context.items() if k not in SECRET_CONTEXT}
        for duplicate in merged:
            _queue_about(session, duplicate, template, f"{key}:joined:{duplicate.id}",
                         {**shared, "reference": case.reference, "service_code": case.service_code,
                          "joined_from": duplicate.reference})
    return _queue_about(session, case, template, key, context)


def _queue_about(session: Session, case: Case, template: str, key: str, context: dict[str, Any]) -> Notification | None:
    """Queue ``template`` for the resident of ``case``, by their route and in their formats."""
    note = message_for_case(session, case, template, key, context)
    return None if note is None else _add(session, note)


def queue_for_account(session: Session, account: Account, template: str, key: str,
                      context: dict[str, Any], *, email: str | None = None) -> Notification:
    """An account message, always by email (to ``email`` when given, e.g. a new or old address)."""
    route = Route("email", {"email": email or account.email, "name": account.name or ""}, account.locale)
    return queue(session, key=key, template=template, route=route, context=context, account_id=account.id)


def queue_to_address(session: Session, email: str, locale: str, template: str, key: str,
                     context: dict[str, Any]) -> Notification:
    """A message to an email address with no account behind it (kept for symmetry of timing)."""
    route = Route("email", {"email": email, "name": ""}, locale)
    return queue(session, key=key, template=template, route=route, context=context)


def still_wanted(session: Session, note: Notification) -> bool:
    """False when ``note`` is optional and its owner switched that kind of message off since."""
    switch = OPTIONAL_SWITCH.get(note.template)
    if not note.optional or switch is None:
        return True
    prefs = None
    if note.account_id is not None:
        prefs = session.scalar(select(ContactPreferences).filter_by(account_id=note.account_id))
    elif note.case_id is not None:
        case = session.get(Case, note.case_id)
        prefs = preferences_for_case(session, case) if case else None
    return prefs is None or bool(getattr(prefs, switch))


# Context that must not outlive delivery: the private tracking link is as good as a password.
SECRET_CONTEXT = ("tracking_path",)
# Messages whose recipient and context are forgotten once delivered (or given up on): the notice
# that an account was deleted goes to a person the portal must no longer know.
FORGET_AFTER_SENDING = {"account_deleted"}


def error_type(error: str) -> str:
    """Only the kind of a delivery error: its text may quote the address the message went to."""
    return error.split(":", 1)[0][:64]
