"""What a resident can do with a request after sending it: answer a request for information,
withdraw it, say a fixed problem is not fixed, and rate the service.

Every status change goes through ``transitions.act``, which asks the policy. Each function checks
the case is still in a status that allows the action (another tab, or staff, may have moved it since
the page was shown) and raises ``NotAllowed`` otherwise, having written nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from .. import audit
from ..catalog import ServiceDefinition
from ..models import Case, CaseEvent, Document
from ..models.base import utcnow
from . import policy, workflow
from .policy import Actor, Refused
from .transitions import act

ANSWER_MAX = 5000
REASON_MAX = 1000
NOT_FIXED_MAX = 2000
COMMENT_MAX = 2000
RATINGS = (1, 2, 3, 4, 5)

# Why an action was refused.
WRONG_STATUS = "wrong_status"
WINDOW_CLOSED = "window_closed"
ALREADY_RATED = "already_rated"
INVALID = "invalid"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class NotAllowed(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def clean_text(value: str | None) -> str:
    """Text as typed, without control characters (other than line breaks and tabs) or outer space."""
    return _CONTROL.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def _text(value: str | None, limit: int, *, required: bool) -> str | None:
    text = clean_text(value)
    if (required and not text) or len(text) > limit:
        raise NotAllowed(INVALID)
    return text or None


# --- what the resident may do now ---------------------------------------------------------------


def request_for_information(case: Case) -> CaseEvent | None:
    """The event that asked the resident for more information, while the case waits for it."""
    if case.status != workflow.MORE_INFO:
        return None
    for event in reversed(case.events):
        if event.status_to == workflow.MORE_INFO:
            return event
    return None


def can_withdraw(case: Case) -> bool:
    return workflow.of(case.kind).allows("withdraw", case.status)


def resolved_at(case: Case) -> datetime | None:
    for event in reversed(case.events):
        if event.status_to == workflow.RESOLVED:
            return event.occurred_at
    return None


def reopen_until(case: Case, definition: ServiceDefinition) -> datetime | None:
    """Until when the resident may say a resolved problem is not fixed; None when they may not."""
    if not workflow.of(case.kind).allows("reopen", case.status):
        return None
    days = definition.reopen_days
    since = resolved_at(case)
    if not days or since is None:
        return None
    return since + timedelta(days=days)


def can_reopen(case: Case, definition: ServiceDefinition, now: datetime | None = None) -> bool:
    until = reopen_until(case, definition)
    return until is not None and (now or utcnow()) <= until


def can_rate(case: Case) -> bool:
    return case.status in workflow.of(case.kind).rateable and case.rating is None


# --- the actions -----------------------------------------------------------------------------------


def documents_code(asked: CaseEvent) -> str:
    """The ``question_code`` of documents sent with the answer to one request for information."""
    return f"answer-{asked.id}"


def answer_request(session: Session, case: Case, text: str, actor: Actor,
                   documents: list[Document] = ()) -> CaseEvent:
    """Record the resident's answer to a request for information (with any documents already
    added to the case by ``portal.documents.add``) and send the case back to review."""
    answer = _text(text, ANSWER_MAX, required=True)
    event = _move(session, case, "answer_information", actor, answer)
    for document in documents:
        document.event_id = event.id
    session.flush()
    return event


def withdraw(session: Session, case: Case, reason: str | None, actor: Actor) -> CaseEvent:
    """Withdraw a request that is not decided yet, with the resident's reason if they gave one."""
    why = _text(reason, REASON_MAX, required=False)
    return _move(session, case, "withdraw", actor, why)


def reopen(session: Session, case: Case, definition: ServiceDefinition, description: str,
           actor: Actor, now: datetime | None = None) -> CaseEvent:
    """The resident says a resolved problem is not fixed: back to review, within the service's window."""
    what = _text(description, NOT_FIXED_MAX, required=True)
    if reopen_until(case, definition) is None:
        raise NotAllowed(WRONG_STATUS)
    if not can_reopen(case, definition, now):
        raise NotAllowed(WINDOW_CLOSED)
    return _move(session, case, "reopen", actor, what)


def _move(session: Session, case: Case, action: str, actor: Actor, note: str | None) -> CaseEvent:
    """Take the resident's ``action``; the policy decides whether this actor may (``Refused``)."""
    try:
        return act(session, case, action, actor, resident_note=note)
    except workflow.IllegalTransition:
        raise NotAllowed(WRONG_STATUS) from None


def rate(session: Session, case: Case, rating: int, comment: str | None, actor: Actor) -> None:
    """Keep the resident's rating (1 to 5) of a finished request, once."""
    if rating not in RATINGS or isinstance(rating, bool):
        raise NotAllowed(INVALID)
    said = _text(comment, COMMENT_MAX, required=False)
    try:
        policy.require(actor, policy.CASE_RATE, policy.case_record(actor, case))
    except Refused as refused:
        if refused.reason != "status":
            raise
        raise NotAllowed(WRONG_STATUS) from None
    rateable = workflow.of(case.kind).rateable
    now = utcnow()
    # Conditional: of two simultaneous ratings, only the first is kept.
    done = session.execute(
        update(Case).where(Case.id == case.id, Case.rating.is_(None), Case.status.in_(rateable))
        .values(rating=rating, rating_comment=said, rated_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        session.refresh(case)
        raise NotAllowed(ALREADY_RATED if case.rating is not None else WRONG_STATUS)
    session.refresh(case)
    audit.record(session, actor, "case.rate", target_type="case", target_id=case.reference,
                 details={"rating": rating, "comment": said is not None})

