"""Everything the portal holds about a resident, for them to download."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from .. import audit
from ..cases import tracking
from ..models import (
    Account,
    AccountSession,
    Case,
    ContactPreferences,
    Draft,
    Notification,
    ServiceDefinitionVersion,
)


def _iso(value):
    return value.isoformat() if value is not None else None


def definition_code(session: Session, draft: Draft) -> str:
    version = session.get(ServiceDefinitionVersion, draft.definition_id)
    return version.code if version else ""


def gather(session: Session, account: Account, actor) -> dict[str, Any]:
    """Everything held about the account, for its owner to download; the export is audited."""
    audit.record(session, actor, "account.export", target_type="account", target_id=str(account.id))
    prefs = session.scalar(select(ContactPreferences).filter_by(account_id=account.id))
    cases = session.scalars(select(Case).filter_by(account_id=account.id).order_by(Case.id)).all()
    signed_in = session.scalars(
        select(AccountSession).filter_by(account_id=account.id).order_by(AccountSession.id)
    ).all()
    drafts = session.scalars(
        select(Draft).where(Draft.account_id == account.id, ~exists().where(Case.draft_id == Draft.id))
        .order_by(Draft.id)
    ).all()
    messages = session.scalars(
        select(Notification).filter_by(account_id=account.id).order_by(Notification.id)
    ).all()
    return {
        "account": {
            "email": account.email, "email_verified_at": _iso(account.email_verified_at),
            "name": account.name, "language": account.locale, "created_at": _iso(account.created_at),
            "password_changed_at": _iso(account.password_changed_at),
            "sign_in_providers": [i.issuer for i in account.identities],
        },
        "contact_preferences": None if prefs is None else {
            "preferred_channel": prefs.preferred_channel, "email": prefs.email, "phone": prefs.phone,
            "postal_address": prefs.postal, "language": prefs.locale,
            "large_print": prefs.large_print, "braille": prefs.braille, "audio": prefs.audio,
            "easy_read": prefs.easy_read, "interpreter_language": prefs.interpreter_language,
            "tty_relay": prefs.tty_relay, "updates": prefs.want_updates,
            "reminders": prefs.want_reminders,
        },
        "requests": [
            {
                "reference": c.reference, "service": c.service_code, "status": c.status,
                "submitted_at": _iso(c.submitted_at), "answers": c.answers,
                "contact": {"name": c.contact_name, "email": c.contact_email, "phone": c.contact_phone},
                # What the tracking page shows, oldest first: never internal notes, staff names or
                # staff-only steps (assignments, internal notes alone).
                "updates": [
                    {"at": _iso(u.occurred_at), "status": u.status, "note": u.note,
                     "your_note": u.resident_note, "passed_to": u.passed_to, "joined_to": u.joined_to}
                    for u in reversed(tracking.public_view(c).updates)
                ],
                "rating": c.rating, "rating_comment": c.rating_comment, "rated_at": _iso(c.rated_at),
            }
            for c in cases
        ],
        "saved_forms": [
            {"service": definition_code(session, d), "started_at": _iso(d.created_at),
             "last_saved_at": _iso(d.updated_at), "deleted_on": _iso(d.expires_at), "answers": d.answers}
            for d in drafts
        ],
        "sessions": [
            {"started_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at),
             "ended_at": _iso(s.revoked_at), "address": s.address, "browser": s.user_agent}
            for s in signed_in
        ],
        "messages": [
            {"at": _iso(n.created_at), "channel": n.channel, "message": n.template, "status": n.status,
             "sent_at": _iso(n.sent_at)}
            for n in messages
        ],
    }
