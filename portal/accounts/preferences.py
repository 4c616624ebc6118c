"""Contact preferences: for an account, or for one guest case. Every change is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..actors import Actor
from ..models import Account, Case, ContactPreferences
from ..models.contact import PREFERENCE_FIELDS

CHANNELS = ("email", "text", "phone", "post", "none")
FIELDS = PREFERENCE_FIELDS


def for_account(session: Session, account: Account) -> ContactPreferences:
    prefs = session.scalar(select(ContactPreferences).filter_by(account_id=account.id))
    if prefs is None:
        prefs = ContactPreferences(account_id=account.id, preferred_channel="email", email=account.email,
                                   locale=account.locale, postal={})
    return prefs


def for_case(session: Session, case: Case) -> ContactPreferences | None:
    return session.scalar(select(ContactPreferences).filter_by(case_id=case.id))


def update(session: Session, prefs: ContactPreferences, changes: dict[str, Any], actor: Actor) -> list[str]:
    """Apply ``changes`` (validated by the caller); returns the names of the fields that changed."""
    changed = []
    for name in FIELDS:
        if name in changes and getattr(prefs, name) != changes[name]:
            setattr(prefs, name, changes[name])
            changed.append(name)
    if prefs.id is None:
        session.add(prefs)
    session.flush()
    if changed:
        owner = ("account", str(prefs.account_id)) if prefs.account_id else ("case", str(prefs.case_id))
        audit.record(session, actor, "contact_preferences.update", target_type=owner[0], target_id=owner[1],
                     details={"fields": changed})
    if prefs.account_id and "locale" in changed:
        session.get(Account, prefs.account_id).locale = prefs.locale
    return changed
