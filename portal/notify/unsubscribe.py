"""One-click unsubscribe from an optional message (RFC 8058).

Each optional message carries a signed link naming the message. Using it switches off that kind
of message (``outbox.OPTIONAL_SWITCH``) in its owner's contact preferences, and nothing else.
"""

from __future__ import annotations

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..actors import Actor
from ..models import Account, Case, ContactPreferences, Notification
from .outbox import OPTIONAL_SWITCH

SALT = "unsubscribe"
PATH = "/notifications/unsubscribe/"


def make_token(secret_key: str, notification_id: int) -> str:
    return URLSafeSerializer(secret_key, salt=SALT).dumps({"n": notification_id})


def link(base_url: str, secret_key: str, notification_id: int) -> str:
    return f"{base_url.rstrip('/')}{PATH}{make_token(secret_key, notification_id)}"


def read_token(secret_key: str, token: str) -> int | None:
    if not token or len(token) > 200:
        return None
    try:
        payload = URLSafeSerializer(secret_key, salt=SALT).loads(token)
    except BadData:
        return None
    number = payload.get("n") if isinstance(payload, dict) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def find(session: Session, secret_key: str, token: str) -> Notification | None:
    """The optional message a valid link names, if it still has an owner to switch off."""
    number = read_token(secret_key, token)
    note = session.get(Notification, number) if number is not None else None
    if note is None or not note.optional or note.template not in OPTIONAL_SWITCH:
        return None
    if note.account_id is None and note.case_id is None:
        return None
    return note


def _preferences(session: Session, note: Notification) -> tuple[ContactPreferences, str, str]:
    """The owner's preferences (made from what we know when there are none yet), and the audit target."""
    if note.account_id is not None:
        prefs = session.scalar(select(ContactPreferences).filter_by(account_id=note.account_id))
        if prefs is None:
            account = session.get(Account, note.account_id)
            prefs = ContactPreferences(account_id=account.id, preferred_channel="email", email=account.email,
                                       locale=account.locale, postal={})
            session.add(prefs)
        return prefs, "account", str(note.account_id)
    case = session.get(Case, note.case_id)
    prefs = session.scalar(select(ContactPreferences).filter_by(case_id=case.id))
    if prefs is None:
        prefs = ContactPreferences(
            case_id=case.id, preferred_channel=case.contact_preference or "email", email=case.contact_email,
            phone=case.contact_phone, locale=case.locale, postal={},
        )
        session.add(prefs)
    return prefs, "case", case.reference


def switch_off(session: Session, note: Notification, actor: Actor) -> bool:
    """Switch off the kind of message ``note`` is. Returns False when it was already off."""
    switch = OPTIONAL_SWITCH[note.template]
    prefs, target_type, target_id = _preferences(session, note)
    if prefs.id is not None and not getattr(prefs, switch):
        return False
    setattr(prefs, switch, False)
    session.flush()
    audit.record(session, actor, "contact_preferences.unsubscribe", target_type=target_type,
                 target_id=target_id, details={"fields": [switch], "notification": note.id,
                                               "template": note.template})
    return True
