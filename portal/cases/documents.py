"""Who may fetch a document: the policy decides, on the draft or case the document belongs to; and
documents the agency adds to a case itself (a photo of the finished work, a letter)."""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy.orm import Session

from .. import audit, documents
from ..actors import Actor
from ..documents import find
from ..models import Case, Document, Draft
from ..models.base import utcnow
from . import drafts, policy, revisions

# The question code of the documents the agency adds: not one of the service's questions, so they
# count towards the case's total size and at most ``documents.service.DEFAULT_MAX_FILES`` of them.
AGENCY = "agency"


def readable(session: Session, actor: Actor, public_id: str) -> Document | None:
    """The document, if ``actor`` may read it; None otherwise, as for one that does not exist.

    - a draft's document: whoever may use the draft (the browser holding it; for an account's
      draft, with that account signed in), while the draft lasts;
    - a case's document: whoever may read the case's documents (the resident who made it: its
      account, or a browser that proved it; staff within the case's department). A read by anyone
      but that resident is audited.
    """
    document = find(session, public_id)
    if document is None:
        return None
    if document.draft_id is not None:
        draft = session.get(Draft, document.draft_id)
        if draft is None or draft.expires_at < utcnow():
            return None
        record = policy.draft_record(actor, draft, drafts.token_hash)
        return document if policy.allowed(actor, policy.DRAFT_USE, record) else None
    case = session.get(Case, document.case_id) if document.case_id is not None else None
    if case is None:
        return None
    record = policy.case_record(actor, case)
    if not policy.allowed(actor, policy.DOCUMENT_READ, record):
        return None
    if not policy.is_owner_read(actor, record):
        audit.record(session, actor, "document.read", target_type="document", target_id=document.public_id,
                     details={"case": case.reference})
    return document


def of_case(session: Session, actor: Actor, case: Case) -> list[Document]:
    """The documents of ``case`` (opened by ``actor`` already, its read audited), oldest first."""
    policy.require(actor, policy.DOCUMENT_READ, policy.case_record(actor, case))
    return documents.for_owner(session, case)


def add_to_case(session: Session, actor: Actor, case: Case, filename: str | None, stream: BinaryIO, *,
                expected_revision: int | None, config: documents.Config | None = None) -> Document:
    """Add a document of the agency's own to ``case``: checked, cleaned and scanned as a resident's
    upload is (``portal.documents.add``), with an event on the case ("document") and an audit record.

    Raises ``Refused`` (audited), ``Stale``, or ``DocumentRefused``; nothing is kept then."""
    try:
        policy.require(actor, policy.DOCUMENT_ADD, policy.case_record(actor, case))
    except policy.Refused:
        audit.record(session, actor, "document.add", outcome="failure", target_type="case",
                     target_id=case.reference)
        raise
    revisions.check(case, expected_revision)
    document = documents.add(session, case, AGENCY, filename, stream, config=config)
    revisions.change(session, case, expected_revision)
    session.add(revisions.event(case, actor.name, "document",
                                details={"document": document.public_id, "name": document.original_name}))
    audit.record(session, actor, "document.add", target_type="document", target_id=document.public_id,
                 details={"case": case.reference, "type": document.content_type, "size": document.size})
    session.flush()
    session.expire(case, ["events"])
    return document
