"""Deleting an account: everything about the person goes, except their requests, which stay with
the agency as public records, anonymised.

What goes:

- the account, its sign-in identities, sessions (with their addresses and browsers), email links
  and contact preferences (email, phone, postal address, language, formats);
- every draft of the account, sent or not, and, when the account proved it owns its email
  address, every guest draft that carries that address (in its contact details, its resume link,
  or an answer), with the files uploaded to them;
- in every message sent or owed to the person (linked to the account or to one of their requests,
  or addressed to one of their email addresses or phone numbers): the recipient (email, phone,
  name, postal address) and the message's details, and any delivery error text beyond its type.
  Messages not yet sent are cancelled. The printed letters and call sheets written for them are
  deleted from the mail room. The one message that says the account was deleted is sent, and its
  recipient forgotten once it is (``outbox.FORGET_AFTER_SENDING``);
- the client's address (IP) in the audit records about the account, its requests and drafts,
  except the records of staff, API clients and the system: the hash chains stay valid.

What stays, with no link to the person:

- each request the person made (linked to the account or, once the address was proved, given as
  a guest with it): its reference, service, status, dates, history and rating, and the answers
  that describe the problem or the application — for example where a pothole is, or a
  household's size and income. Removed from it: the name, email, phone and contact choices given
  with it; the answers to questions that ask for the person's own details (those a service offers
  to fill in from the account: name, email, phone, home address — for a building permit that is
  the property's address too); and, in any other answer, note, comment or file name, the person's
  name and email addresses as given and their phone numbers however they are written (replaced
  by ``•••``). Files sent with a request stay with it as they were sent.
  The private tracking link stops working, and with the contact details gone the request can no
  longer be found by its reference either: nobody can follow it online any more;
- audit records: who did what and when stays (the actor is an account number that no longer
  exists), without the client address;
- audit records not linked to the account (e.g. a failed sign-in, which names no account) keep
  their address: nothing ties them to the person.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import String, and_, cast, delete, false, or_, select
from sqlalchemy.orm import Session

from .. import audit, documents
from ..cases import places
from ..cases.definitions import definition_of
from ..cases.submit import hash_token
from ..documents.storage import unlink_after_commit
from ..models import (
    Account,
    AccountSession,
    AuditRecord,
    Case,
    ContactPreferences,
    DeliveryAttempt,
    Document,
    Draft,
    EmailToken,
    Identity,
    Notification,
    ServiceDefinitionVersion,
)
from ..models.notifications import CANCELLED, PENDING, SENDING
from ..notify import mailroom, outbox

REMOVED = "•••"
# Audit records written by these kinds of actor are about their own work, not the person's.
NOT_THE_PERSON = ("staff", "api", "api_client", "system")


@dataclass
class Person:
    """What identifies the person, gathered before anything is deleted."""

    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def patterns(self) -> list[re.Pattern]:
        """Each way the person's details may be written: an email address in any case, a phone
        number with or without its country code and separators, a name as a whole word."""
        found = [re.compile(rf"(?<![\w.+-]){re.escape(email)}(?![\w-]|\.\w)", re.IGNORECASE)
                 for email in self.emails if len(email) >= 5]
        found += [_phone_pattern(phone) for phone in self.phones]
        found += [re.compile(rf"(?<!\w){re.escape(name.strip())}(?!\w)", re.IGNORECASE)
                  for name in self.names if len(name.strip()) >= 3]
        return found


_SEPARATORS = r"[\s().-]*"


def _phone_pattern(phone: str) -> re.Pattern:
    number = phonenumbers.parse(phone, None)
    national = _SEPARATORS.join(str(number.national_number))
    return re.compile(rf"(?<!\d)(?:\+?{number.country_code}{_SEPARATORS})?\(?{national}(?!\d)")


def scrub(value: Any, patterns: list[re.Pattern]) -> Any:
    """``value`` (text, or JSON made of lists and dicts) with every match replaced by REMOVED."""
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(REMOVED, value)
        return value
    if isinstance(value, list):
        return [scrub(item, patterns) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item, patterns) for key, item in value.items()}
    return value


def _carries(column, texts: Iterable[str]):
    """SQL: the JSON ``column`` contains one of ``texts`` (a first cut; ``_holds`` decides)."""
    texts = [t for t in texts if t]
    return or_(*(cast(column, String).contains(t) for t in texts)) if texts else false()


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _holds(value: Any, texts: set[str]) -> bool:
    """Some text in ``value`` (JSON) is one of ``texts``, whole (an address inside a longer one is
    someone else's)."""
    wanted = {t.lower() for t in texts}
    return any(s.strip().lower() in wanted for s in _strings(value))


def erase(session: Session, account: Account, *, mailroom_dir: str | Path) -> None:
    """Delete ``account`` and anonymise what is kept (see the module's docstring), in the caller's
    transaction. The person's letters and call sheets in ``mailroom_dir`` are deleted once it commits."""
    person = _gather(session, account)
    # Guest requests and drafts are the person's only by an address the account proved it owns.
    proven = {account.email} if account.email_verified_at is not None else set()
    cases = list(session.scalars(select(Case).where(or_(
        Case.account_id == account.id, and_(Case.account_id.is_(None), Case.contact_email.in_(proven))))))
    for case in cases:
        person.emails.update(e for e in [case.contact_email] if e)
        person.phones.update(p for p in [case.contact_phone] if p)
        person.names.update(n for n in [case.contact_name] if n)
    drafts = _drafts(session, account, proven, cases)
    _forget_messages(session, account, person, cases, drafts, mailroom_dir)
    _erase_audit_addresses(session, account, cases, drafts)
    patterns = person.patterns()
    for case in cases:
        _anonymise_case(session, case, patterns)
    session.flush()
    for draft in drafts:
        documents.discard_draft(session, draft)
        session.delete(draft)
    session.execute(delete(ContactPreferences).where(or_(
        ContactPreferences.account_id == account.id, ContactPreferences.case_id.in_([c.id for c in cases]))))
    for model in (AccountSession, EmailToken, Identity):
        session.execute(delete(model).where(model.account_id == account.id))
    session.flush()
    session.expire(account, ["identities"])
    session.delete(account)
    session.flush()


def _gather(session: Session, account: Account) -> Person:
    person = Person(emails={account.email}, names={account.name} if account.name else set())
    person.emails.update(session.scalars(select(EmailToken.email).filter_by(account_id=account.id)))
    prefs = session.scalar(select(ContactPreferences).filter_by(account_id=account.id))
    if prefs is not None:
        person.emails.update(e for e in [prefs.email] if e)
        person.phones.update(p for p in [prefs.phone] if p)
    return person


def _drafts(session: Session, account: Account, proven: set[str], cases: list[Case]) -> list[Draft]:
    ids = {c.draft_id for c in cases if c.draft_id is not None}
    query = select(Draft).where(or_(Draft.account_id == account.id, Draft.id.in_(ids)))
    found = {d.id: d for d in session.scalars(query)}
    guest = select(Draft).where(Draft.account_id.is_(None), or_(
        Draft.resume_email.in_(proven), _carries(Draft.contact, proven), _carries(Draft.answers, proven)))
    for draft in session.scalars(guest):
        if draft.resume_email in proven or _holds([draft.contact, draft.answers], proven):
            found[draft.id] = draft
    return list(found.values())


def _forget_messages(session: Session, account: Account, person: Person, cases: list[Case], drafts: list[Draft],
                     mailroom_dir: str | Path) -> None:
    reach = person.emails | person.phones
    case_ids, draft_keys = [c.id for c in cases], tuple(f"draft:{d.id}:" for d in drafts)
    query = select(Notification).where(or_(
        Notification.account_id == account.id, Notification.case_id.in_(case_ids),
        *(Notification.key.startswith(key) for key in draft_keys), _carries(Notification.recipient, reach)))
    for note in session.scalars(query):
        if not (note.account_id == account.id or note.case_id in case_ids or note.key.startswith(draft_keys)
                or _holds([note.recipient.get("email"), note.recipient.get("phone")], reach)):
            continue
        if note.template in outbox.FORGET_AFTER_SENDING and note.status in (PENDING, SENDING):
            continue  # the notice of this deletion: sent first, forgotten once it is
        if note.status in (PENDING, SENDING):
            note.status, note.locked_until = CANCELLED, None
            session.add(DeliveryAttempt(notification_id=note.id, worker="account-deletion", outcome="cancelled",
                                        error="the recipient deleted their account"))
        note.recipient, note.context = {}, {}
        note.last_error = note.last_error and outbox.error_type(note.last_error)
        for attempt in note.attempt_log:
            if attempt.error and attempt.outcome != "cancelled":
                attempt.error = outbox.error_type(attempt.error)
        for path in mailroom.files_for(mailroom_dir, note.channel, note.id):
            unlink_after_commit(session, path)


def _erase_audit_addresses(session: Session, account: Account, cases: list[Case], drafts: list[Draft]) -> None:
    about = or_(
        AuditRecord.actor == f"account:{account.id}",
        and_(AuditRecord.target_type == "account", AuditRecord.target_id == str(account.id)),
        and_(AuditRecord.target_type == "case", AuditRecord.target_id.in_([c.reference for c in cases])),
        and_(AuditRecord.target_type == "draft", AuditRecord.target_id.in_([str(d.id) for d in drafts])),
    )
    audit.erase_addresses(session, about, or_(AuditRecord.kind.is_(None), AuditRecord.kind.not_in(NOT_THE_PERSON)))


def _anonymise_case(session: Session, case: Case, patterns: list[re.Pattern]) -> None:
    definition = definition_of(session.get(ServiceDefinitionVersion, case.definition_id))
    own_details = {q.code for q in definition.questions if q.prefill}
    answers = {code: value for code, value in (case.answers or {}).items() if code not in own_details}
    case.answers = scrub(answers, patterns)
    case.address_key = places.address_key(definition, case.answers)  # the place, as far as it stays
    case.contact_name = case.contact_email = case.contact_phone = case.contact_preference = None
    case.account_id = None
    case.draft_id = None
    case.rating_comment = scrub(case.rating_comment, patterns)
    case.tracking_token_hash = hash_token(secrets.token_urlsafe(32))  # the private link stops working
    for event in case.events:
        event.public_note = scrub(event.public_note, patterns)
        event.internal_note = scrub(event.internal_note, patterns)
        event.resident_note = scrub(event.resident_note, patterns)
    for document in session.scalars(select(Document).filter_by(case_id=case.id)):
        document.original_name = scrub(document.original_name, patterns)
