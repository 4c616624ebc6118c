"""Drafts: the answers a resident has given so far, kept until they submit or the draft expires.

How long a draft is kept depends on the kind of service (``DRAFT_DAYS``): a complaint takes a few
minutes, so 7 days; a permit or benefit application may need documents gathered over weeks, so 30
days. Every saved answer starts the count again. ``expire`` (``flask --app portal drafts-expire``,
run daily) deletes expired drafts and, ``NOTICE_BEFORE`` the end, tells the resident once.

A draft opens only with its token: a random value kept in the resident's browser session, of
which only the hash is stored. A way back from another browser never carries that token:

- a signed-in resident's draft is handed over to the browser that asks for it (``hand_over``):
  a fresh token replaces the old, so only the newest browser holds the draft;
- a guest asks for a resume link by email or a short resume code. Either is a separate secret,
  stored only as a keyed hash in ``resume_code_hash``; it works once, until the draft expires, and
  using it hands the draft over as above. Asking again replaces the earlier link or code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, documents
from ..actors import Actor
from ..catalog import ServiceDefinition
from ..models import Account, Case, Document, Draft, ServiceDefinitionVersion
from ..models.base import utcnow
from ..notify import outbox
from . import policy
from .definitions import definition_of, stored_version
from .references import ALPHABET

# Days a draft is kept after its last saved answer, by kind of service.
DRAFT_DAYS = {"complaint": 7, "permit": 30, "benefit": 30}
DEFAULT_DAYS = 7
# When the resident is told their draft is about to be deleted.
NOTICE_BEFORE = timedelta(days=3)
RESUME_CODE_LENGTH = 8
# Where an emailed resume link points (the web layer serves it).
RESUME_PATH = "/report/resume/"
BATCH = 200


def lifetime(kind: str) -> timedelta:
    return timedelta(days=DRAFT_DAYS.get(kind, DEFAULT_DAYS))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _unsubmitted():
    return ~exists().where(Case.draft_id == Draft.id)


def find(session: Session, token: str | None, code: str) -> Draft | None:
    """The unexpired draft for this token and service, if any."""
    if not token:
        return None
    draft = session.scalar(select(Draft).filter_by(token_hash=token_hash(token)))
    if draft is None or draft.expires_at < utcnow():
        return None
    if definition_of_draft(session, draft).code != code:
        return None
    return draft


def definition_of_draft(session: Session, draft: Draft) -> ServiceDefinition:
    return definition_of(session.get(ServiceDefinitionVersion, draft.definition_id))


def start(session: Session, definition: ServiceDefinition, locale: str,
          account_id: int | None = None) -> tuple[Draft, str]:
    """A new draft under the current definition, and the token that opens it."""
    token = new_token()
    version = stored_version(session, definition)
    now = utcnow()
    draft = Draft(
        token_hash=token_hash(token),
        definition_id=version.id,
        account_id=account_id,
        answers={},
        contact={},
        locale=locale,
        created_at=now,
        updated_at=now,
        expires_at=now + lifetime(definition.kind),
    )
    session.add(draft)
    session.flush()
    return draft, token


def _keep(session: Session, draft: Draft) -> None:
    """A saved answer starts the count again, and a later expiry earns a notice of its own."""
    draft.expires_at = utcnow() + lifetime(definition_of_draft(session, draft).kind)
    draft.expiry_notice_at = None


def save_answer(session: Session, draft: Draft, code: str, value: Any) -> None:
    answers = dict(draft.answers)
    answers[code] = value
    draft.answers = answers
    _keep(session, draft)


def save_contact(session: Session, draft: Draft, contact: dict[str, Any]) -> None:
    draft.contact = dict(contact)
    _keep(session, draft)


def submitted_case(session: Session, draft: Draft) -> Case | None:
    return session.scalar(select(Case).filter_by(draft_id=draft.id))


# --- a signed-in resident's drafts --------------------------------------------------------------


def for_account(session: Session, account_id: int, *, limit: int = 50) -> list[Draft]:
    """The account's drafts not yet sent and not expired, last saved first."""
    query = (select(Draft)
             .where(Draft.account_id == account_id, Draft.expires_at > utcnow(), _unsubmitted())
             .order_by(Draft.updated_at.desc(), Draft.id.desc()).limit(limit))
    return list(session.scalars(query))


def held(session: Session, actor: Actor, code: str) -> Draft | None:
    """The draft of service ``code`` that the actor's browser holds, if the policy lets them use it."""
    draft = find(session, actor.draft_token(code), code)
    if draft is None or not policy.allowed(actor, policy.DRAFT_USE, policy.draft_record(actor, draft, token_hash)):
        return None
    return draft


def manageable(session: Session, actor: Actor, draft_id: int) -> Draft | None:
    """An unsent, unexpired draft saved with the actor's account, to continue or delete from any
    browser; None for anyone else's (or an id that cannot exist)."""
    draft = session.scalar(select(Draft).where(Draft.id == draft_id, Draft.expires_at > utcnow(), _unsubmitted()))
    if draft is None or not policy.allowed(actor, policy.DRAFT_MANAGE, policy.Record(owner_account=draft.account_id)):
        return None
    return draft


def hand_over(session: Session, draft: Draft) -> str:
    """A fresh token for the browser taking the draft over. The token held before stops working."""
    token = new_token()
    draft.token_hash = token_hash(token)
    session.flush()
    return token


def delete_draft(session: Session, draft: Draft, actor: Actor) -> None:
    """Delete an unsent draft and the files uploaded with it, at the resident's request."""
    _remove_documents(session, [draft.id])
    audit.record(session, actor, "draft.delete", target_type="draft", target_id=str(draft.id))
    session.delete(draft)
    session.flush()


def _remove_documents(session: Session, draft_ids: list[int]) -> None:
    """Files of drafts about to be deleted, with their stored files. Files already part of a case
    (``documents.attach_to_case`` moves them at submit) stay with the case."""
    for document in list(session.scalars(select(Document).where(Document.draft_id.in_(draft_ids)))):
        if document.case_id is not None:
            document.draft_id = None
        else:
            documents.remove(session, document)
    session.flush()


# --- a guest's way back: a link by email, or a code ----------------------------------------------


def _resume_hash(secret_key: str, method: str, value: str) -> str:
    # Keyed, so a copy of the table alone cannot be used to try every short code.
    return hmac.new(secret_key.encode(), f"draft-resume:{method}:{value}".encode(), hashlib.sha256).hexdigest()


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalise_code(typed: str | None) -> str | None:
    """The code as stored, from what was typed (any case, spaces or dashes), or None."""
    compact = "".join(ch for ch in (typed or "")[:40] if ch.isalnum()).upper()
    if len(compact) != RESUME_CODE_LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return compact


def local_date(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()


def _queue_link(session: Session, draft: Draft, email: str, locale: str, template: str, *,
                secret_key: str, base_url: str, timezone: str) -> None:
    token = new_token()
    draft.resume_code_hash = _resume_hash(secret_key, "link", token)
    draft.resume_email = email
    session.flush()
    outbox.queue_to_address(session, email, locale, template,
                            key=f"draft:{draft.id}:{template}:{token_hash(token)[:24]}", context={
                                "link": base_url.rstrip("/") + RESUME_PATH + token,
                                "service_code": definition_of_draft(session, draft).code,
                                "expires_on": local_date(draft.expires_at, timezone),
                            })


def send_resume_link(session: Session, draft: Draft, email: str, locale: str, actor: Actor, *,
                     secret_key: str, base_url: str, timezone: str) -> None:
    """Email a single-use link back to a guest's draft; it works until the draft expires."""
    _queue_link(session, draft, email, locale, "draft_resume",
                secret_key=secret_key, base_url=base_url, timezone=timezone)
    audit.record(session, actor, "draft.resume_offered", target_type="draft", target_id=str(draft.id),
                 details={"method": "link"})


def issue_resume_code(session: Session, draft: Draft, actor: Actor, *, secret_key: str) -> str:
    """A short single-use code back to a guest's draft, to show once; it works until the draft expires."""
    for _attempt in range(8):
        code = "".join(secrets.choice(ALPHABET) for _ in range(RESUME_CODE_LENGTH))
        try:
            with session.begin_nested():
                draft.resume_code_hash = _resume_hash(secret_key, "code", code)
                draft.resume_email = None  # the newest way back replaces the one before
                session.flush()
        except IntegrityError:
            continue  # that code is another draft's: draw again
        break
    else:  # pragma: no cover - 23**8 codes make this practically unreachable
        raise RuntimeError("could not find a free resume code")
    audit.record(session, actor, "draft.resume_offered", target_type="draft", target_id=str(draft.id),
                 details={"method": "code"})
    return code


def _resumable(session: Session, method: str, value: str | None, secret_key: str) -> Draft | None:
    if not value or len(value) > 100:
        return None
    draft = session.scalar(select(Draft).filter_by(resume_code_hash=_resume_hash(secret_key, method, value)))
    if draft is None or draft.expires_at <= utcnow() or draft.account_id is not None:
        return None
    if submitted_case(session, draft) is not None:
        return None
    return draft


def peek_resume(session: Session, method: str, value: str | None, secret_key: str) -> Draft | None:
    """The draft a link or code opens, without using it."""
    return _resumable(session, method, value, secret_key)


def resume(session: Session, method: str, value: str | None, secret_key: str,
           actor: Actor) -> tuple[Draft, str] | None:
    """Use a resume link (``method`` "link") or code ("code") once: the draft and a fresh token
    for this browser, or None when it is unknown, used, or its draft expired or was sent."""
    draft = _resumable(session, method, value, secret_key)
    if draft is None:
        return None
    # Conditional: of two simultaneous uses, only one succeeds.
    used = session.execute(
        update(Draft).where(Draft.id == draft.id, Draft.resume_code_hash == draft.resume_code_hash)
        .values(resume_code_hash=None).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        return None
    session.refresh(draft)
    token = hand_over(session, draft)
    audit.record(session, actor, "draft.resume", target_type="draft", target_id=str(draft.id),
                 details={"method": method})
    return draft, token


# --- expiry ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiryRun:
    deleted: int
    notified: int


def expire(session: Session, actor: Actor, *, secret_key: str, base_url: str, timezone: str,
           now: datetime | None = None) -> ExpiryRun:
    """Tell residents once whose drafts end within NOTICE_BEFORE; delete expired drafts."""
    now = now or utcnow()
    notified = 0
    due = (select(Draft)
           .where(Draft.expires_at > now, Draft.expires_at <= now + NOTICE_BEFORE,
                  Draft.expiry_notice_at.is_(None),
                  or_(Draft.account_id.is_not(None), Draft.resume_email.is_not(None)), _unsubmitted())
           .order_by(Draft.id).limit(BATCH))
    while batch := list(session.scalars(due)):
        for draft in batch:
            claimed = session.execute(
                update(Draft).where(Draft.id == draft.id, Draft.expiry_notice_at.is_(None))
                .values(expiry_notice_at=now).execution_options(synchronize_session=False))
            session.refresh(draft)
            if claimed.rowcount == 1:
                _notify_expiry(session, draft, secret_key=secret_key, base_url=base_url, timezone=timezone)
                notified += 1
    deleted = 0
    expired = select(Draft.id).where(Draft.expires_at <= now).order_by(Draft.id).limit(BATCH)
    while ids := list(session.scalars(expired)):
        _remove_documents(session, ids)
        session.execute(delete(Draft).where(Draft.id.in_(ids)).execution_options(synchronize_session=False))
        deleted += len(ids)
    if deleted or notified:
        audit.record(session, actor, "drafts.expire", target_type="draft",
                     details={"deleted": deleted, "notified": notified})
    return ExpiryRun(deleted, notified)


def _notify_expiry(session: Session, draft: Draft, *, secret_key: str, base_url: str, timezone: str) -> None:
    key = f"draft:{draft.id}:expiring:{int(draft.expires_at.timestamp())}"
    code = definition_of_draft(session, draft).code
    if draft.account_id is not None:
        account = session.get(Account, draft.account_id)
        outbox.queue_for_account(session, account, "draft_expiring", key, context={
            "link": base_url.rstrip("/") + "/account", "service_code": code,
            "expires_on": local_date(draft.expires_at, timezone), "signed_in": True,
        })
        return
    # A guest's earlier link may be used up: the notice brings a fresh one.
    _queue_link(session, draft, draft.resume_email, draft.locale, "draft_expiring",
                secret_key=secret_key, base_url=base_url, timezone=timezone)
