"""Adding, listing, reading and removing the documents of a draft or a case."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..catalog import ServiceDefinition
from ..models import Case, Document, Draft, ServiceDefinitionVersion
from . import content
from .errors import (
    CASE_TOO_LARGE,
    EMPTY,
    INFECTED,
    SCAN_UNAVAILABLE,
    TOO_LARGE,
    TOO_MANY,
    DocumentRefused,
    ScannerUnavailable,
)
from .names import clean_name
from .scanner import Scanner
from .storage import Storage

log = logging.getLogger("portal.documents")
MB = 1024 * 1024
DEFAULT_MAX_FILES = 5


@dataclass(frozen=True)
class Config:
    upload_dir: str
    max_file_bytes: int = 10 * MB
    max_case_bytes: int = 50 * MB
    scanner: Scanner | None = None

    @classmethod
    def from_settings(cls, settings) -> Config:
        return cls(
            upload_dir=settings["UPLOAD_DIR"],
            max_file_bytes=int(settings["UPLOAD_MAX_FILE_MB"]) * MB,
            max_case_bytes=int(settings["UPLOAD_MAX_CASE_MB"]) * MB,
            scanner=Scanner.from_settings(settings),
        )

    @property
    def storage(self) -> Storage:
        return Storage(self.upload_dir)


_configured: Config | None = None


def configure(config: Config) -> None:
    """The configuration used when a call passes none (set by the app at start-up)."""
    global _configured
    _configured = config


def current_config(config: Config | None = None) -> Config:
    if config is not None:
        return config
    if _configured is None:
        raise RuntimeError("portal.documents is not configured: call documents.configure() first")
    return _configured


def _owner_filter(owner: Draft | Case):
    if isinstance(owner, Draft):
        return Document.draft_id == owner.id
    return Document.case_id == owner.id


def for_owner(session: Session, owner: Draft | Case, question_code: str | None = None) -> list[Document]:
    """The documents of a draft or case (of one question, if given), oldest first."""
    query = select(Document).where(_owner_filter(owner))
    if question_code is not None:
        query = query.where(Document.question_code == question_code)
    return list(session.scalars(query.order_by(Document.created_at, Document.id)))


def find(session: Session, public_id: str) -> Document | None:
    if not public_id or len(public_id) > 32:
        return None
    return session.scalar(select(Document).filter_by(public_id=public_id))


def _max_files(session: Session, owner: Draft | Case, question_code: str) -> int:
    version = session.get(ServiceDefinitionVersion, owner.definition_id)
    question = ServiceDefinition(version.content).question(question_code) if version else None
    if question is not None and question.datatype == "file":
        return question.max_files
    return DEFAULT_MAX_FILES


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    """At most limit + 1 bytes: enough to tell a file is too large without reading all of it."""
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(1024 * 1024, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def add(session: Session, draft_or_case: Draft | Case, question_code: str, filename: str | None,
        stream: BinaryIO, *, config: Config | None = None) -> Document:
    """Check, clean and store one uploaded file for a question; raises DocumentRefused.

    The checks run cheapest first: size, count, type from the content, the virus scan of the bytes
    as sent, then decoding and re-encoding images, then the total for the draft or case.
    """
    config = current_config(config)
    owner = draft_or_case
    data = _read_limited(stream, config.max_file_bytes)
    if not data:
        raise DocumentRefused(EMPTY)
    if len(data) > config.max_file_bytes:
        raise DocumentRefused(TOO_LARGE, limit_mb=config.max_file_bytes // MB)
    # One upload at a time per draft or case (PostgreSQL; SQLite writers are serialised anyway), so
    # two requests at once cannot both take the last place or the last megabytes.
    model = type(owner)
    session.execute(select(model.id).where(model.id == owner.id).with_for_update())
    max_files = _max_files(session, owner, question_code)
    count = session.scalar(select(func.count()).select_from(Document).where(
        _owner_filter(owner), Document.question_code == question_code))
    if count >= max_files:
        raise DocumentRefused(TOO_MANY, max_files=max_files)
    if content.sniff(data) is None:
        raise DocumentRefused(content.WRONG_TYPE)
    if config.scanner is not None:
        try:
            result = config.scanner.scan(data)
        except ScannerUnavailable as error:
            log.error("upload refused: virus scanner unavailable (%s)", error)
            raise DocumentRefused(SCAN_UNAVAILABLE) from None
        if not result.clean:
            log.warning("upload refused: virus scanner found %s", result.signature)
            raise DocumentRefused(INFECTED, signature=result.signature)
    prepared = content.prepare(data)
    used = session.scalar(select(func.coalesce(func.sum(Document.size), 0)).where(_owner_filter(owner)))
    if used + len(prepared.data) > config.max_case_bytes:
        raise DocumentRefused(CASE_TOO_LARGE, limit_mb=config.max_case_bytes // MB)
    storage_name = config.storage.write(session, prepared.data)
    document = Document(
        public_id=secrets.token_urlsafe(18),
        draft_id=owner.id if isinstance(owner, Draft) else None,
        case_id=owner.id if isinstance(owner, Case) else None,
        question_code=question_code,
        original_name=clean_name(filename, prepared.extension),
        content_type=prepared.content_type,
        size=len(prepared.data),
        sha256=hashlib.sha256(prepared.data).hexdigest(),
        storage_name=storage_name,
    )
    session.add(document)
    session.flush()
    return document


def remove(session: Session, document: Document, *, config: Config | None = None) -> None:
    """Delete the document; its file is deleted when the transaction commits."""
    current_config(config).storage.delete_on_commit(session, document.storage_name)
    session.delete(document)
    session.flush()


def open_file(document: Document, *, config: Config | None = None) -> BinaryIO:
    return current_config(config).storage.open(document.storage_name)


def read(document: Document, *, config: Config | None = None) -> bytes:
    with open_file(document, config=config) as stream:
        return stream.read()


def answer_for(documents: list[Document]) -> list[dict[str, Any]]:
    """A file question's stored answer: what was added, in the order it was added."""
    return [{"id": d.public_id, "name": d.original_name, "size": d.size, "type": d.content_type}
            for d in documents]


def attach_to_case(session: Session, draft: Draft, case: Case, *, config: Config | None = None) -> None:
    """On submit: the draft's documents named in the case's answers move to the case.

    They leave the draft (``draft_id`` is cleared), so deleting an expired or used draft never
    takes a submitted case's files with it. Documents no longer named in an answer (their question
    was left off the route, or the answer was not saved again) are removed.
    """
    kept = {(code, item.get("id")) for code, value in (case.answers or {}).items()
            if isinstance(value, list) for item in value if isinstance(item, dict)}
    for document in for_owner(session, draft):
        if (document.question_code, document.public_id) in kept:
            document.case_id = case.id
            document.draft_id = None
        else:
            remove(session, document, config=config)
    session.flush()


def discard_draft(session: Session, draft: Draft, *, config: Config | None = None) -> None:
    """Remove a draft's documents and their files: call before deleting a draft."""
    for document in for_owner(session, draft):
        remove(session, document, config=config)
