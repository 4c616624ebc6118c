"""Who may fetch a document: the policy decides, on the draft or case the document belongs to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import audit
from ..actors import Actor
from ..documents import find
from ..models import Case, Document, Draft
from ..models.base import utcnow
from . import drafts, policy


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
