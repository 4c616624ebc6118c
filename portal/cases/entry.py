"""Cases entered for residents by staff: a call, a visit to the counter, a letter or an email.

A member of staff who may (``policy.CASE_ENTER``) starts any service for a resident and answers the
same question pages as residents do. The draft is the member's own (its token is held by their staff
session), never saved with the resident's account: a resident never finds a half-entered case among
their drafts. Who the case is for is one choice, written in one go (``for_account`` or
``for_contact``): the resident's account, found by email, or contact details (new, or given with
earlier cases) that the resident agreed we may keep and use. ``submit`` makes the case through the
one way a case is made (``portal.cases.submit``), with the channel, the member and the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..actors import Actor
from ..catalog import ServiceDefinition
from ..models import Account, Case, Draft, Notification
from . import drafts, policy
from .contact import normalise_email, normalise_phone
from .submit import OnBehalf, Submitted
from .submit import submit as submit_draft

CHANNELS = ("phone", "counter", "post", "email")
# The detail each way of hearing from us needs.
NEEDS = {"email": "email", "text": "phone", "phone": "phone", "post": "postal"}
EARLIER_LIMIT = 5


class EntryError(ValueError):
    """The entry cannot be taken as given; ``code`` says why (channel, consent, detail, account)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _staff_id(actor: Actor) -> int:
    return int(actor.id)


def start(session: Session, actor: Actor, definition: ServiceDefinition, channel: str,
          locale: str) -> tuple[Draft, str]:
    """A new draft of ``definition`` for a resident who came through ``channel`` and speaks
    ``locale``, and the token that opens it (for the member's staff session to hold)."""
    policy.require(actor, policy.CASE_ENTER)
    if channel not in CHANNELS:
        raise EntryError("channel")
    draft, token = drafts.start(session, definition, locale)
    drafts.save_contact(session, draft, {"channel": channel})
    return draft, token


def held(session: Session, actor: Actor, token: str | None, code: str) -> Draft | None:
    """The draft of service ``code`` a member of staff holds for a resident, or None."""
    if not policy.allowed(actor, policy.CASE_ENTER):
        return None
    draft = drafts.find(session, token, code)
    if draft is None or draft.account_id is not None or "channel" not in (draft.contact or {}):
        return None
    return draft


# --- who the case is for ----------------------------------------------------------------------


@dataclass(frozen=True)
class Earlier:
    """Contact details given with earlier cases, offered to use again."""

    name: str
    email: str | None
    phone: str | None
    preferred_channel: str | None
    locale: str

    def as_contact(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "phone": self.phone,
                "preferred_channel": self.preferred_channel, "locale": self.locale}


@dataclass(frozen=True)
class Found:
    account: Account | None
    earlier: list[Earlier]


def find_resident(session: Session, actor: Actor, typed: str) -> Found | None:
    """The account with this email address, and contact details given with earlier cases with the
    same email or phone number. None when ``typed`` is neither an email address nor a phone number."""
    policy.require(actor, policy.CASE_ENTER)
    email = normalise_email(typed) if "@" in (typed or "") else None
    phone = None if email else normalise_phone(typed)
    if email is None and phone is None:
        return None
    account = session.scalar(select(Account).filter_by(email=email)) if email else None
    match = Case.contact_email == email if email else Case.contact_phone == phone
    rows = session.execute(
        select(Case.contact_name, Case.contact_email, Case.contact_phone, Case.contact_preference, Case.locale)
        .where(match, Case.account_id.is_(None)).order_by(Case.submitted_at.desc(), Case.id.desc()).limit(50))
    earlier: list[Earlier] = []
    for row in rows:
        found = Earlier(row[0] or "", row[1], row[2], row[3], row[4])
        if found not in earlier:
            earlier.append(found)
        if len(earlier) == EARLIER_LIMIT:
            break
    # Staff reading a resident's personal data: recorded, but not what was typed.
    audit.record(session, actor, "resident.find", target_type="account" if account else None,
                 target_id=str(account.id) if account else None,
                 details={"by": "email" if email else "phone", "account": account is not None,
                          "earlier": len(earlier)})
    return Found(account, earlier)


def _require_consent(consent: bool | None) -> None:
    if consent is not True:
        raise EntryError("consent")


def for_account(session: Session, actor: Actor, draft: Draft, typed_email: str, consent: bool | None) -> Account:
    """The case is for the account with this email address: it will appear in that account and the
    resident hears from us as their account says. Nothing changes unless the account exists and
    the resident agreed."""
    policy.require(actor, policy.CASE_ENTER)
    email = normalise_email(typed_email)
    account = session.scalar(select(Account).filter_by(email=email)) if email else None
    if account is None:
        raise EntryError("account")
    _require_consent(consent)
    drafts.save_contact(session, draft, {"channel": draft.contact["channel"], "account_id": account.id,
                                         "consent": True})
    return account


def for_contact(session: Session, actor: Actor, draft: Draft, contact: dict[str, Any], consent: bool | None) -> None:
    """The case is for a resident with these contact details (``PreferencesForm.changes`` and a
    name), kept with the case because the resident agreed. The way they chose to hear from us must
    come with its detail (a text message needs a phone number)."""
    policy.require(actor, policy.CASE_ENTER)
    _require_consent(consent)
    chosen = contact.get("preferred_channel")
    if chosen not in (*NEEDS, "none"):
        raise EntryError("detail")
    need = NEEDS.get(chosen)
    given = (contact.get("postal") or {}).get("line1") if need == "postal" else contact.get(need) if need else True
    if not given:
        raise EntryError("detail")
    drafts.save_contact(session, draft, {**contact, "channel": draft.contact["channel"], "consent": True})


def account_of(session: Session, draft: Draft) -> Account | None:
    account_id = (draft.contact or {}).get("account_id")
    return session.get(Account, account_id) if account_id else None


def decided(draft: Draft) -> bool:
    """Who the case is for was settled, with the resident's agreement."""
    return bool((draft.contact or {}).get("consent"))


# --- sending ------------------------------------------------------------------------------------


def submit(session: Session, actor: Actor, draft: Draft, draft_token: str, secret_key: str,
           timezone: str = "UTC") -> Submitted:
    """Make the case (once, however often this is called for the draft)."""
    policy.require(actor, policy.CASE_ENTER)
    if not decided(draft):
        raise EntryError("consent")
    contact = draft.contact
    on_behalf = OnBehalf(contact["channel"], _staff_id(actor), contact.get("account_id"))
    return submit_draft(session, draft, draft_token, secret_key, actor, timezone=timezone, on_behalf=on_behalf)


def receipt(session: Session, case: Case) -> Notification | None:
    """The receipt queued for the resident (None when they gave no way to reach them)."""
    return session.scalar(select(Notification).filter_by(key=f"case:{case.id}:received"))


def earlier_match(found: Found, index: int) -> Earlier | None:
    return found.earlier[index] if 0 <= index < len(found.earlier) else None

