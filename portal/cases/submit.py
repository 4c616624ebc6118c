"""Turning a finished draft into a case: one transaction, at most one case per draft."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, documents
from ..actors import Actor
from ..models import Case, CaseEvent, ContactPreferences, Draft, ServiceDefinitionVersion
from ..models.base import utcnow
from ..models.contact import PREFERENCE_FIELDS
from ..notify import outbox
from . import drafts, places, references, workflow
from .definitions import definition_of
from .service_levels import add_working_days

MAX_REFERENCE_TRIES = 8


class NotReady(ValueError):
    """The draft cannot be submitted yet: questions on its route are unanswered, or it ended at an exit."""

    def __init__(self, first_page: str | None):
        super().__init__(f"draft is not complete (first page to answer: {first_page})")
        self.first_page = first_page


@dataclass(frozen=True)
class OnBehalf:
    """A case entered for a resident by a member of staff (``portal.cases.entry``) or sent by a
    client of the case API or Open311 (``portal.cases.intake``): the channel the resident came
    through, the member who entered it (None for a client), and the resident's account if any."""

    channel: str  # phone | counter | post | email | api | open311
    staff_id: int | None
    account_id: int | None = None


@dataclass(frozen=True)
class Submitted:
    case: Case
    tracking_token: str
    created: bool  # False when this draft had already been submitted


def tracking_token(secret_key: str, draft_token: str) -> str:
    """The private tracking link's token, derived from the draft's token.

    Whoever holds the draft (the resident's browser) can show the same confirmation again, so a
    second submission of the same draft never needs a second case.
    """
    return hmac.new(secret_key.encode(), f"track:{draft_token}".encode(), hashlib.sha256).hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def submit(
    session: Session, draft: Draft, draft_token: str, secret_key: str, actor: Actor,
    timezone: str = "UTC", on_behalf: OnBehalf | None = None,
) -> Submitted:
    """Make the case for a finished draft; due dates count working days in the agency's time zone.

    ``on_behalf``: entered by staff for a resident; the case records the channel, who entered it and
    the resident's account, and the receipt goes to the resident as their choices say."""
    token = tracking_token(secret_key, draft_token)
    existing = drafts.submitted_case(session, draft)
    if existing is not None:
        return Submitted(existing, token, created=False)

    version = session.get(ServiceDefinitionVersion, draft.definition_id)
    definition = definition_of(version)
    answers = dict(draft.answers)
    if definition.exit_reached(answers):
        raise NotReady(definition.exit_reached(answers).code)
    missing = definition.unanswered(answers)
    if missing:
        raise NotReady(missing[0].code)

    kept = definition.kept_answers(answers)
    # The neediest first: the service's priority rules, decided once from the answers as sent.
    priority, reasons = definition.priority(kept)
    now = utcnow()
    today = now.astimezone(ZoneInfo(timezone)).date()
    contact = draft.contact or {}
    account_id = on_behalf.account_id if on_behalf and on_behalf.account_id else draft.account_id
    for attempt in range(MAX_REFERENCE_TRIES):
        case = Case(
            reference=references.new_reference(),
            kind=definition.kind,
            service_code=definition.code,
            department=definition.department,
            definition_id=version.id,
            draft_id=draft.id,
            status=workflow.RECEIVED,
            answers=kept,
            address_key=places.address_key(definition, answers),
            priority=priority,
            priority_reasons=reasons,
            contact_name=contact.get("name") or None,
            contact_email=contact.get("email") or None,
            contact_phone=contact.get("phone") or None,
            contact_preference=contact.get("preferred_channel") or None,
            account_id=account_id,
            locale=draft.locale,
            channel=on_behalf.channel if on_behalf else "web",
            entered_by_id=on_behalf.staff_id if on_behalf else None,
            tracking_token_hash=hash_token(token),
            submitted_at=now,
            respond_by=add_working_days(today, definition.respond_days),
            resolve_by=add_working_days(today, definition.resolve_days),
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
        except IntegrityError:
            # Either this draft was submitted by a concurrent request, or the reference was taken.
            existing = drafts.submitted_case(session, draft)
            if existing is not None:
                return Submitted(existing, token, created=False)
            continue
        break
    else:  # pragma: no cover - 23**8 references make this practically unreachable
        raise RuntimeError("could not find a free case reference")

    if contact.get("preferred_channel") and account_id is None:
        # A guest's choices (channel, language, formats, messages) stay with the case.
        session.add(ContactPreferences(case_id=case.id, **{k: contact[k] for k in PREFERENCE_FIELDS if k in contact}))
    session.add(CaseEvent(case_id=case.id, occurred_at=now, status_from=None,
                          status_to=workflow.RECEIVED, actor=actor.name))
    # The draft's documents now belong to the case: deleting the draft later leaves them alone.
    documents.attach_to_case(session, draft, case)
    audit.record(session, actor, "case.submit", target_type="case", target_id=case.reference,
                 details={"service": definition.code, "definition_version": version.version,
                          **(_entered(on_behalf, actor) if on_behalf else {})})
    # The message goes only to the contact given with this case, so it may carry the private
    # tracking link; later messages point to tracking by reference instead.
    outbox.queue_for_case(session, case, "case_received", key=f"case:{case.id}:received", context={
        "status": workflow.RECEIVED,
        "respond_by": case.respond_by.isoformat(),
        "resolve_by": case.resolve_by.isoformat(),
        "tracking_path": f"/track/t/{token}",
    })
    session.flush()
    session.refresh(case)
    return Submitted(case, token, created=True)


def _entered(on_behalf: OnBehalf, actor: Actor) -> dict:
    """What the audit says of a case entered for a resident: through which channel, by whom, for whom."""
    who = f"account:{on_behalf.account_id}" if on_behalf.account_id else "contact details given"
    by = f"staff:{on_behalf.staff_id}" if on_behalf.staff_id is not None else actor.name
    return {"channel": on_behalf.channel, "entered_by": by, "on_behalf_of": who}
