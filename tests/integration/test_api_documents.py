"""Documents through the API: the list and each download are audited reads of the case's documents;
an upload is checked, cleaned and scanned by a real clamd exactly as a resident's upload, within the
same limits, with If-Match and Idempotency-Key, and a refused file keeps nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import create_app, db
from portal.cases import tracking
from portal.extensions import limiter
from portal.models import AuditRecord, CaseEvent, Document

from .. import factories
from ..api import bearer, case_etag, get_token, register, write_headers
from ..conftest import _clean
from .test_api_cases import _problem, _state
from .test_api_openapi import check, document  # noqa: F401  (document: a fixture)
from .test_uploads import PDF, clamd, pdf_of  # noqa: F401  (clamd: the real scanner, a fixture)

SCOPES = ("cases:read", "documents:read", "documents:write")
MB = 1024 * 1024


@pytest.fixture
def app(_schema, tmp_path, clamd):  # noqa: F811
    app = create_app({**_schema, "UPLOAD_DIR": str(tmp_path / "uploads"), "UPLOAD_MAX_FILE_MB": 1,
                      "UPLOAD_MAX_CASE_MB": 3, "CLAMAV_SOCKET": clamd.socket, "CLAMAV_HOST": None})
    _clean(app)
    limiter.reset()
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def pothole(app):
    return factories.case(app, "pothole", "in_review").case.reference


@pytest.fixture
def token(app, client):
    return get_token(client, register(app, "Works orders", scopes=SCOPES))


def _upload(client, token, reference, name="crew report.pdf", data=PDF, *, etag="read", key="k-1", part="file"):
    return client.post(f"/api/v1/cases/{reference}/documents", data={part: (io.BytesIO(data), name)},
                       headers=write_headers(client, token, reference, etag=etag, key=key),
                       content_type="multipart/form-data")


def _kept(app):
    root = Path(app.config["UPLOAD_DIR"])
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    with db.session_scope(app, immediate=False) as s:
        rows = len(list(s.scalars(select(Document))))
    return len(files), rows


def test_an_upload_is_kept_as_the_agencys_with_an_event_and_an_audit_record(app, client, token, pothole, db_session,
                                                                           document):
    etag = case_etag(client, token, pothole)
    response = _upload(client, token, pothole, etag=etag)
    assert response.status_code == 201, response.get_data(as_text=True)
    check(document, "/cases/{reference}/documents", "post", response)
    body = response.get_json()
    assert body["name"] == "crew report.pdf" and body["added_by"] == "agency" and body["size"] == len(PDF)
    assert response.headers["Location"] == body["href"] and response.headers["ETag"] != etag
    stored = db_session.scalar(select(Document).filter_by(public_id=body["id"]))
    assert stored.question_code == "agency" and stored.case_id is not None
    event = db_session.scalar(select(CaseEvent).filter_by(action="document"))
    assert event.details["document"] == body["id"] and event.status_from == event.status_to == "in_review"
    audit = db_session.scalar(select(AuditRecord).filter_by(action="document.add"))
    assert audit.source == "api" and audit.details["case"] == pothole


def test_the_list_and_each_download_are_audited_reads(app, client, token, pothole, db_session, document):
    with db.session_scope(app) as s:
        case = tracking.get(s, pothole)
        factories.document(app, case, "photos", "hole.pdf", data=pdf_of(2000), session=s)
    added = _upload(client, token, pothole).get_json()
    listed = client.get(f"/api/v1/cases/{pothole}/documents", headers=bearer(token))
    assert listed.status_code == 200
    check(document, "/cases/{reference}/documents", "get", listed)
    items = listed.get_json()["items"]
    assert [(i["name"], i["added_by"], i["question"]) for i in items] == [
        ("hole.pdf", "resident", "photos"), ("crew report.pdf", "agency", None)]
    reads = db_session.scalars(select(AuditRecord).filter_by(action="case.read", target_id=pothole)).all()
    assert reads and all(r.source == "api" for r in reads)
    download = client.get(added["href"], headers=bearer(token, Accept="application/pdf"))
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="crew report.pdf"')
    assert download.headers["Cache-Control"] == "no-store"
    db_session.rollback()
    audit = db_session.scalar(select(AuditRecord).filter_by(action="document.read", target_id=added["id"]))
    assert audit.source == "api" and audit.details == {"case": pothole}


def test_documents_of_other_cases_and_departments_are_404(app, client, token, pothole):
    other = factories.case(app, "pothole", "in_review").case.reference
    tree = factories.case(app, "tree-removal").case
    mine = _upload(client, token, pothole).get_json()
    forester = factories.document(app, tree, "photos", "oak.pdf", data=pdf_of(1500))
    _problem(client.get(f"/api/v1/cases/{other}/documents/{mine['id']}", headers=bearer(token)), 404, "not-found")
    _problem(client.get(f"/api/v1/cases/{tree.reference}/documents", headers=bearer(token)), 404, "not-found")
    _problem(client.get(f"/api/v1/cases/{tree.reference}/documents/{forester.public_id}", headers=bearer(token)),
             404, "not-found")
    _problem(client.get(f"/api/v1/cases/{pothole}/documents/nothing-here", headers=bearer(token)), 404, "not-found")


@pytest.mark.parametrize(("change", "status", "kind"), [
    ({"name": "notes.txt", "data": b"just words, no document"}, 415, "unsupported-document-type"),
    ({"data": pdf_of(MB + 10 * 1024)}, 413, "document-too-large"),  # over the file limit, within the body limit
    ({"data": pdf_of(2 * MB)}, 413, "too-large"),  # over the body limit: never read
    ({"data": b""}, 422, "document-refused"),
    ({"part": "attachment"}, 422, "invalid-body"),
    ({"etag": '"stale.0"'}, 412, "stale"),
    ({"etag": None}, 428, "precondition-required"),
    ({"key": None}, 400, "idempotency-key-missing"),
])
def test_a_wrong_upload_is_the_right_problem_and_keeps_nothing(app, client, token, pothole, change, status, kind):
    before, kept = _state(app, pothole), _kept(app)
    _problem(_upload(client, token, pothole, **change), status, kind)
    assert _state(app, pothole) == before and _kept(app) == kept


def test_a_file_with_a_virus_is_refused_by_the_scanner(app, client, token, pothole, clamd):  # noqa: F811
    before = _state(app, pothole)
    body = _problem(_upload(client, token, pothole, data=PDF + b"%" + clamd.marker + b"\n"), 422, "document-refused")
    assert "virus" in body["detail"]
    assert _state(app, pothole) == before and _kept(app) == (0, 0)


def test_json_instead_of_a_file_is_415(app, client, token, pothole):
    headers = bearer(token, **{"If-Match": case_etag(client, token, pothole), "Idempotency-Key": "k"})
    _problem(client.post(f"/api/v1/cases/{pothole}/documents", json={"file": "x"}, headers=headers),
             415, "unsupported-media-type")


def test_without_the_scope_403_and_without_the_role_403_audited(app, client, pothole, db_session):
    reader = get_token(client, register(app, "Reader", scopes=("cases:read", "documents:read")))
    _problem(_upload(client, reader, pothole), 403, "insufficient-scope")
    desk = get_token(client, register(app, "Front desk", roles=("contact_centre",), scopes=SCOPES))
    _problem(_upload(client, desk, pothole), 403, "forbidden")
    assert db_session.scalar(select(AuditRecord).filter_by(action="document.add", outcome="failure")) is not None
    assert _kept(app) == (0, 0)
    # Reading needs documents:read.
    plain = get_token(client, register(app, "Plain", scopes=("cases:read",)))
    _problem(client.get(f"/api/v1/cases/{pothole}/documents", headers=bearer(plain)), 403, "insufficient-scope")


def test_a_replayed_upload_is_kept_once(app, client, token, pothole):
    etag = case_etag(client, token, pothole)
    first = _upload(client, token, pothole, etag=etag, key="up-1")
    again = _upload(client, token, pothole, etag=etag, key="up-1")  # another multipart boundary, the same file
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert _kept(app) == (1, 1)
    _problem(_upload(client, token, pothole, data=pdf_of(900), etag=etag, key="up-1"), 422, "idempotency-key-reused")


def test_staff_see_the_clients_notes_and_documents_in_the_cases_history(app, client, token, pothole):
    from ..staff import sign_in_staff

    assert _upload(client, token, pothole, name="after.pdf").status_code == 201
    for visibility, text in (("public", "Fixed on Monday."), ("internal", "Crew 4.")):
        response = client.post(f"/api/v1/cases/{pothole}/notes", json={"visibility": visibility, "text": text},
                               headers=write_headers(client, token, pothole, key=visibility))
        assert response.status_code == 403  # this client has no cases:write
    writer = get_token(client, register(app, "Writer", scopes=("cases:read", "cases:write")))
    for visibility, text in (("public", "Fixed on Monday."), ("internal", "Crew 4.")):
        response = client.post(f"/api/v1/cases/{pothole}/notes", json={"visibility": visibility, "text": text},
                               headers=write_headers(client, writer, pothole, key=visibility))
        assert response.status_code == 200
    staff_browser = app.test_client()
    assert sign_in_staff(staff_browser, factories.staff_member(app)).status_code == 302
    page = staff_browser.get(f"/staff/cases/{pothole}").get_data(as_text=True)
    assert "Document added: after.pdf" in page
    assert "Note to the resident" in page and "Fixed on Monday." in page
    assert "Internal note" in page and "Crew 4." in page
