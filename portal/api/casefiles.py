"""The documents of a case through the API: listed (the case's read is audited), each downloaded
(audited like a staff download, ``cases.documents.readable``), and added by the agency — one file,
``multipart/form-data`` in the part ``file``, checked, cleaned and virus-scanned exactly as a
resident's upload (``portal.documents``), within the same limits."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge

from .. import db, documents, downloads
from ..cases import documents as case_documents
from ..cases.policy import Refused
from ..cases.revisions import Stale
from ..documents import errors as reasons
from . import bp
from .cases import ETAG, IDEMPOTENCY_KEY, IF_MATCH, REFERENCE, check_if_match, etag_of, forbidden, open_case
from .common import operation, reply
from .idempotency import idempotent
from .problems import Problem
from .schemas import ref, responses

MULTIPART = "multipart/form-data"
PUBLIC_ID = {"name": "document_id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 32}}
DOWNLOAD_TYPES = ("application/pdf", "image/jpeg", "image/png")


def _config() -> documents.Config:
    return current_app.extensions["documents"]


def _document(d, reference: str) -> dict:
    return {"id": d.public_id, "name": d.original_name, "content_type": d.content_type, "size": d.size,
            "sha256": d.sha256, "added_at": d.created_at.isoformat(),
            "added_by": "agency" if d.question_code == case_documents.AGENCY else "resident",
            "question": None if d.question_code == case_documents.AGENCY else d.question_code,
            "href": url_for("api.document_file", reference=reference, document_id=d.public_id)}


@bp.get("/cases/<reference>/documents")
@operation({"operationId": "listDocuments", "summary": "The documents of a case, oldest first (the read is audited)",
            "tags": ["documents"], "parameters": [REFERENCE],
            "responses": responses(200, ref("DocumentList"), 404)}, scope="documents:read")
def case_documents_list(actor, reference: str):
    found = open_case(actor, reference)
    try:
        found_documents = case_documents.of_case(db.session(), actor, found)
    except Refused:
        raise Problem("not-found") from None
    return reply({"items": [_document(d, found.reference) for d in found_documents]})


@bp.get("/cases/<reference>/documents/<document_id>")
@operation({"operationId": "getDocumentFile", "summary": "Download one document of the case (audited)",
            "tags": ["documents"], "parameters": [REFERENCE, PUBLIC_ID],
            "responses": {**responses(200, {"type": "string", "contentMediaType": "application/octet-stream"}, 404),
                          "200": {"description": "The file, as an attachment, in its own type.",
                                  "content": {kind: {"schema": {"type": "string", "contentMediaType": kind}}
                                              for kind in DOWNLOAD_TYPES}}}},
           scope="documents:read", produces=DOWNLOAD_TYPES)
def document_file(actor, reference: str, document_id: str):
    found = open_case(actor, reference)
    document = case_documents.readable(db.session(), actor, document_id)
    if document is None or document.case_id != found.id:
        raise Problem("not-found")
    try:
        stream = documents.open_file(document, config=_config())
    except FileNotFoundError:
        raise Problem("not-found") from None
    return downloads.send(stream, document.content_type, document.original_name)


@bp.url_value_preprocessor
def _upload_body_limit(endpoint: str | None, values: dict | None) -> None:
    """An upload takes a body as large as one file may be, and a little for the multipart framing;
    every other request keeps MAX_CONTENT_LENGTH."""
    if endpoint == "api.add_document" and request.method == "POST":
        request.max_content_length = _config().max_file_bytes + 64 * 1024


@bp.post("/cases/<reference>/documents")
@operation({"operationId": "addDocument",
            "summary": "Add a document of the agency's to the case: a PDF, JPG or PNG, virus-scanned",
            "tags": ["documents"], "parameters": [REFERENCE, IF_MATCH, IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {MULTIPART: {
                "schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                     "contentMediaType": "application/octet-stream"}},
                           "required": ["file"]},
                "encoding": {"file": {"contentType": ", ".join(DOWNLOAD_TYPES)}}}}},
            "responses": responses(201, ref("Document"), 400, 404, 409, 412, 413, 415, 422, 428, 503,
                                   headers={**ETAG, "Location": {"description": "The document's address.",
                                                                 "schema": {"type": "string"}}})},
           scope="documents:write")
@idempotent
def add_document(actor, reference: str):
    if request.mimetype != MULTIPART:
        raise Problem("unsupported-media-type", detail=gettext("Send the file as multipart/form-data, in the "
                                                               "part named file."))
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise Problem("document-too-large", limit=_config().max_file_bytes // documents.MB) from None
    if upload is None:
        raise Problem("invalid-body", detail=gettext("Send the file in the part named file."))
    found = open_case(actor, reference)
    check_if_match(found)
    try:
        document = case_documents.add_to_case(db.session(), actor, found, upload.filename, upload.stream,
                                              expected_revision=found.revision, config=_config())
    except Refused:
        raise forbidden() from None
    except Stale:
        raise Problem("stale") from None
    except documents.DocumentRefused as refused:
        raise _problem(refused) from None
    finally:
        upload.close()
    body = _document(document, found.reference)
    return reply(body, 201, headers={"ETag": etag_of(found), "Location": body["href"]})


def _problem(refused: documents.DocumentRefused) -> Problem:
    p = refused.params
    match refused.reason:
        case reasons.TOO_LARGE:
            return Problem("document-too-large", limit=p["limit_mb"])
        case reasons.CASE_TOO_LARGE:
            return Problem("document-too-large", detail=gettext(
                "All the documents of a case together must be smaller than %(limit)s MB.", limit=p["limit_mb"]))
        case reasons.IMAGE_TOO_LARGE:
            return Problem("document-too-large", detail=gettext(
                "Images of up to %(megapixels)d megapixels are taken.", megapixels=p["megapixels"]))
        case reasons.WRONG_TYPE | reasons.HEIC_UNSUPPORTED:
            return Problem("unsupported-document-type")
        case reasons.INFECTED:
            return Problem("document-refused", detail=gettext("The virus scanner found something in the file: it "
                                                              "was not kept."))
        case reasons.UNREADABLE:
            return Problem("document-refused", detail=gettext("The file could not be opened. It may be damaged."))
        case reasons.EMPTY:
            return Problem("document-refused", detail=gettext("The file is empty."))
        case reasons.TOO_MANY:
            return Problem("document-refused", detail=gettext(
                "The agency may add up to %(num)d documents to a case.", num=p["max_files"]))
        case reasons.SCAN_UNAVAILABLE:
            return Problem("scanner-unavailable")
    return Problem("unavailable", headers={"Retry-After": "5"})
