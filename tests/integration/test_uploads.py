"""Document uploads on a file question: what is kept, what is refused, and who may fetch it.

The service is tests/fixtures/catalog/shed-permit.yaml: plans (required, up to 3 files), then
"do you have photos?", then photos (up to 2) when the answer is yes. Limits are made small here
(1 MB a file, 3 MB an application) so the size tests stay quick. Virus scanning runs against a
real clamd started for the test session with a test signature database of its own.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import secrets
import shutil
import socket
import struct
import subprocess
import threading
import time
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import select

from portal import create_app, documents
from portal.config import ConfigError
from portal.extensions import limiter
from portal.models import Case, Document, Draft

from .. import factories
from ..conftest import _clean, csrf_token, post_form
from ..helpers import GUEST_CONTACT

FIXTURE_CATALOG = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"
PLANS = "/report/shed-permit/q/plans"
HAS_PHOTOS = "/report/shed-permit/q/has_photos"
PHOTOS = "/report/shed-permit/q/photos"
MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- Files to upload ------------------------------------------------------------------------

def jpeg_with_gps() -> bytes:
    """A photo as a phone takes it: GPS position, camera model, orientation, XMP and a comment."""
    exif = Image.Exif()
    exif[0x0110] = "Test Camera 3000"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif.get_ifd(0x8825).update({1: "N", 2: (38.0, 53.0, 51.0), 3: "W", 4: (77.0, 2.0, 11.0)})
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(
        out, "JPEG", exif=exif, comment=b"home of Ana Diaz",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp-location</x:xmpmeta>')
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825), "the test photo has GPS"
    return data


def png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Author", "Ana Diaz")
    exif = Image.Exif()
    exif[0x0110] = "Test Camera 3000"
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (10, 120, 30, 200)).save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


def heic_with_gps() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (38.0, 53.0, 51.0)})
    out = io.BytesIO()
    Image.new("RGB", (32, 16), "blue").save(out, "HEIF", exif=exif.tobytes())
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header says width × height pixels, with a few bytes of pixels after it: decoding
    it would fail, so a refusal for its size proves the size was read before any decoding."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def pdf_of(size: int) -> bytes:
    return PDF + b"%" + b"x" * (size - len(PDF) - 2) + b"\n"


# --- Fixtures -------------------------------------------------------------------------------

def _settings(base: dict, tmp_path: Path, **extra) -> dict:
    return {**base, "CATALOG_DIR": str(FIXTURE_CATALOG), "UPLOAD_DIR": str(tmp_path / "uploads"),
            "UPLOAD_MAX_FILE_MB": 1, "UPLOAD_MAX_CASE_MB": 3,
            "CLAMAV_SOCKET": None, "CLAMAV_HOST": None, **extra}


@pytest.fixture
def make_app(_schema, tmp_path):
    made = []

    def make(**extra):
        app = create_app(_settings(_schema, tmp_path, **extra))
        _clean(app)
        limiter.reset()
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["db_engine"].dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """A real clamd on a unix socket and a 127.0.0.1 port, knowing one test signature only."""
    binary = shutil.which("clamd") or next((p for p in ("/usr/sbin/clamd", "/usr/local/sbin/clamd")
                                            if os.access(p, os.X_OK)), None)
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("clamd is not installed: make test runs scripts/ensure-clamav, which installs it")
        pytest.skip("clamd is not installed (scripts/ensure-clamav installs it)")
    folder = tmp_path_factory.mktemp("clamd")
    database = folder / "db"
    database.mkdir()
    marker = f"CIVIC-PORTAL-TEST-SIGNATURE-{secrets.token_hex(8)}"
    # An extended signature: name, any file type (0), anywhere (*), the bytes in hex.
    (database / "portal-test.ndb").write_text(f"Portal.Test.Signature:0:*:{marker.encode().hex()}\n")
    sock, port = folder / "clamd.sock", _free_port()
    config = [f"DatabaseDirectory {database}", f"LocalSocket {sock}", f"TCPSocket {port}",
              "TCPAddr 127.0.0.1", "Foreground yes", f"LogFile {folder / 'clamd.log'}",
              f"TemporaryDirectory {folder}", "StreamMaxLength 30M"]
    if os.geteuid() == 0:
        config.append("User root")  # clamd would otherwise switch to the clamav user
    (folder / "clamd.conf").write_text("\n".join(config) + "\n")
    with open(folder / "clamd.out", "wb") as out:
        process = subprocess.Popen([binary, "-c", str(folder / "clamd.conf")], stdout=out, stderr=subprocess.STDOUT)
    scanner = documents.Scanner(socket_path=str(sock), timeout=5)
    deadline = time.monotonic() + 90
    while not scanner.ping():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log = (folder / "clamd.out").read_text(errors="replace")[-2000:]
            pytest.fail(f"clamd did not start: {log}")
        time.sleep(0.2)
    yield SimpleNamespace(socket=str(sock), port=port, marker=marker.encode())
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- Helpers --------------------------------------------------------------------------------

def send(client, url: str, *files: tuple[str, bytes], action: str = "upload"):
    """Post the page's form as a browser does: no file chosen sends one empty part with no name."""
    parts = [(io.BytesIO(content), name) for name, content in files] or [(io.BytesIO(b""), "")]
    return client.post(url, data={"csrf_token": csrf_token(client, url), "action": action, "file": parts},
                       content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def documents_in(app) -> list[Document]:
    from portal import db

    with db.session_scope(app, immediate=False) as session:
        rows = list(session.scalars(select(Document).order_by(Document.id)))
        session.expunge_all()
    return rows


def page_of(response) -> str:
    return response.get_data(as_text=True)


def errors_on(page: str) -> list[str]:
    summary = re.search(r'class="portal-error-summary__list">(.*?)</ul>', page, re.DOTALL)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", summary.group(1), re.DOTALL)] \
        if summary else []


def finish_application(client, photos: bool = False):
    """From after the plans to the confirmation page."""
    response = post_form(client, PLANS, {"action": "continue"})
    assert response.status_code == 302, errors_on(page_of(response))
    response = post_form(client, HAS_PHOTOS, {"value": "yes" if photos else "no"})
    assert response.status_code == 302
    if photos:
        response = post_form(client, PHOTOS, {"action": "continue"})
        assert response.status_code == 302
    assert post_form(client, "/report/shed-permit/contact", GUEST_CONTACT).status_code == 302
    response = post_form(client, "/report/shed-permit/check", {})
    assert response.status_code == 302 and response.location.endswith("/confirmation"), page_of(response)[:2000]
    return client.get("/report/shed-permit/confirmation")


# --- The page -------------------------------------------------------------------------------

def test_the_page_explains_the_limits_and_has_an_ordinary_file_input(client):
    response = client.get(PLANS)
    page = page_of(response)
    assert response.status_code == 200
    assert page.count("<h1") == 1 and "<h1>Upload the plans of your shed</h1>" in page
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<label class="usa-label" for="file">[^<]+</label>', page)
    field = re.search(r"<input id=\"file\"[^>]*>", page).group(0)
    assert 'type="file"' in field and 'name="file"' in field and " multiple" in field
    assert 'accept=".pdf,.jpg,.jpeg,.png' in field and "image/heic" in field
    assert "You can add up to 3 files." in page
    assert "smaller than 1 MB" in page and "less than 3 MB together" in page
    assert "PDF" in page and "JPG" in page and "PNG" in page
    assert 'name="action" value="upload"' in page and 'name="action" value="continue"' in page
    assert "<script>" not in page and "style=" not in page
    assert documents_in(client.application) == []  # looking creates nothing


def test_a_photo_is_stored_without_its_gps_position_or_other_metadata(app, client):
    response = send(client, PLANS, ("IMG_0042.jpg", jpeg_with_gps()))
    assert response.status_code == 302 and response.location.endswith(PLANS)
    page = page_of(client.get(PLANS))
    assert "File added: IMG_0042.jpg" in page and "IMG_0042.jpg" in page
    [document] = documents_in(app)
    [path] = stored_files(app)
    assert path.name == document.storage_name and path.parent.parent == Path(app.config["UPLOAD_DIR"])
    data = path.read_bytes()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and document.content_type == "image/jpeg"
    assert dict(image.getexif()) == {} and not image.getexif().get_ifd(0x8825)
    assert not {"exif", "xmp", "comment"} & set(image.info)
    for secret in (b"Exif", b"Test Camera", b"secret-xmp", b"Ana Diaz"):
        assert secret not in data
    assert image.size == (48, 64), "turned upright before the orientation was dropped"
    assert document.size == len(data) and document.sha256 == hashlib.sha256(data).hexdigest()


def test_a_png_keeps_its_pixels_and_loses_its_text_and_exif(app, client):
    assert send(client, PLANS, ("drawing.png", png_with_text())).status_code == 302
    [document] = documents_in(app)
    data = stored_files(app)[0].read_bytes()
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (20, 10))
    assert image.getpixel((3, 3)) == (10, 120, 30, 200)
    assert image.info == {} and dict(image.getexif()) == {}
    assert b"Ana Diaz" not in data and document.content_type == "image/png"


def test_a_pdf_is_kept_byte_for_byte(app, client):
    assert send(client, PLANS, ("site plan.pdf", PDF)).status_code == 302
    [document] = documents_in(app)
    assert stored_files(app)[0].read_bytes() == PDF
    assert (document.original_name, document.content_type, document.size) == ("site plan.pdf", "application/pdf", len(PDF))


def test_an_iphone_photo_becomes_a_jpeg_without_metadata(app, client):
    assert documents.HEIF_SUPPORTED
    assert send(client, PLANS, ("IMG_1234.HEIC", heic_with_gps())).status_code == 302
    [document] = documents_in(app)
    image = Image.open(io.BytesIO(stored_files(app)[0].read_bytes()))
    assert image.format == "JPEG" and image.size == (32, 16)
    assert not image.getexif().get_ifd(0x8825) and "exif" not in image.info
    assert (document.original_name, document.content_type) == ("IMG_1234.jpg", "image/jpeg")


def test_a_path_in_the_file_name_is_never_followed(app, client, tmp_path):
    response = send(client, PLANS, ("../../etc/passwd.pdf", PDF), ("..\\..\\boot.ini.pdf", PDF))
    assert response.status_code == 302
    names = [d.original_name for d in documents_in(app)]
    assert names == ["passwd.pdf", "boot.ini.pdf"]
    root = Path(app.config["UPLOAD_DIR"])
    for document, path in zip(documents_in(app), stored_files(app), strict=True):
        assert re.fullmatch(r"[0-9a-f]{40}", document.storage_name)
        assert path.resolve().is_relative_to(root.resolve())
    assert not list(tmp_path.rglob("passwd*")) and not list(tmp_path.rglob("boot.ini*"))
    page = page_of(client.get(PLANS))
    assert ">passwd.pdf</bdi></a>" in page and "../" not in page


def test_several_files_at_once(app, client):
    response = send(client, PLANS, ("front.jpg", jpeg_with_gps()), ("plan.pdf", PDF))
    assert response.status_code == 302
    assert "Files added: front.jpg, plan.pdf" in page_of(client.get(PLANS))
    assert len(stored_files(app)) == 2


# --- Refusals -------------------------------------------------------------------------------

def test_the_type_comes_from_the_content_not_the_name(app, client):
    response = send(client, PLANS, ("photo.jpg", b"just some text pretending to be a photo\n"))
    assert response.status_code == 415
    page = page_of(response)
    assert errors_on(page) == ["photo.jpg must be a PDF, a JPG or PNG image, or a HEIC photo from an iPhone"]
    assert "<title>Error: " in page and 'id="file-error"' in page
    assert documents_in(app) == [] and stored_files(app) == []


def test_a_broken_image_is_refused(app, client):
    response = send(client, PLANS, ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100))
    assert response.status_code == 422
    assert errors_on(page_of(response)) == ["broken.jpg could not be opened. It may be damaged. Choose another file"]
    assert stored_files(app) == []


def test_an_empty_file_is_refused(app, client):
    response = send(client, PLANS, ("empty.pdf", b""))
    assert response.status_code == 400
    assert errors_on(page_of(response)) == ["empty.pdf is empty. Choose a file that has something in it"]
    assert documents_in(app) == []


@pytest.mark.parametrize(("width", "height"), [(7071, 7071), (8064, 6048), (5001, 5000), (40000, 40000)])
def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(app, client, width, height):
    response = send(client, PLANS, ("huge.png", png_claiming(width, height)))
    assert response.status_code == 413
    assert [html.unescape(error) for error in errors_on(page_of(response))] == [
        "huge.png is too big an image: we take images of up to 25 megapixels. Save a smaller copy, "
        "or take the photo at your phone's usual size, and try again"]
    assert documents_in(app) == [] and stored_files(app) == []
    # A picture just too broken to decode, but of a size we take, is refused for that instead.
    assert send(client, PLANS, ("broken.png", png_claiming(5712, 4284))).status_code == 422


def test_a_24_megapixel_phone_photo_is_kept(app, client):
    photo = io.BytesIO()
    Image.new("RGB", (5712, 4284), "olive").save(photo, "JPEG", quality=80)
    assert send(client, PLANS, ("IMG_2024.jpg", photo.getvalue())).status_code == 302
    image = Image.open(io.BytesIO(stored_files(app)[0].read_bytes()))
    assert (image.format, image.size) == ("JPEG", (5712, 4284))


def test_only_a_few_images_are_decoded_at_once(monkeypatch):
    from portal.documents import content

    small = png_with_text()
    monkeypatch.setattr(content, "DECODE_WAIT", 0.2)
    held = [content.DECODING.acquire(timeout=1) for _ in range(content.DECODE_AT_ONCE)]
    assert all(held)
    try:
        with pytest.raises(documents.DocumentRefused) as refused:
            content.prepare(small)
        assert refused.value.reason == "busy"
        # A slot given back is taken by the next one waiting.
        monkeypatch.setattr(content, "DECODE_WAIT", 10)
        done = []
        waiting = threading.Thread(target=lambda: done.append(content.prepare(small).content_type))
        waiting.start()
        time.sleep(0.2)
        assert done == [] and waiting.is_alive()
        content.DECODING.release()
        held.pop()
        waiting.join(10)
        assert done == ["image/png"]
    finally:
        for _ in held:
            content.DECODING.release()
    assert content.prepare(small).content_type == "image/png"


def test_upload_posts_are_limited_per_client_address(make_app):
    app = make_app(UPLOAD_RATE_LIMIT="3 per hour")
    client = app.test_client()
    for n in range(3):
        assert send(client, PLANS, (f"sheet{n}.pdf", PDF)).status_code == 302
    assert send(client, PLANS, ("one more.pdf", PDF)).status_code == 429
    # Other posts are not uploads and are not counted; another address may still upload.
    assert post_form(client, PLANS, {"action": "continue"}).status_code == 302
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert send(elsewhere, PLANS, ("mine.pdf", PDF)).status_code == 302


def test_upload_with_no_file_chosen(client):
    response = send(client, PLANS)
    assert response.status_code == 400
    assert errors_on(page_of(response)) == ["Choose a file to upload"]


def test_a_file_over_the_limit_gets_413_and_nothing_is_saved(app, client):
    assert send(client, PLANS, ("small.pdf", PDF)).status_code == 302
    response = send(client, PLANS, ("big.pdf", pdf_of(MB + 1)))
    assert response.status_code == 413
    page = page_of(response)
    assert errors_on(page) == ["big.pdf must be smaller than 1 MB"]
    assert ">small.pdf</bdi></a>" in page, "what was added before is still there"
    assert [d.original_name for d in documents_in(app)] == ["small.pdf"] and len(stored_files(app)) == 1


def test_a_body_over_the_request_limit_gets_the_translated_413_page(app, client):
    client.get(PLANS + "?lang=es")  # the language is remembered
    response = send(client, PLANS, *[(f"part{n}.pdf", pdf_of(MB - 100)) for n in range(5)])
    assert response.status_code == 413
    assert "Lo que envió es demasiado grande" in page_of(response)
    assert documents_in(app) == [] and stored_files(app) == []


def test_other_forms_keep_the_small_body_limit(client):
    from ..conftest import csrf_token as token_of

    token = token_of(client, "/report/pothole/q/location")
    response = client.post("/report/pothole/q/location", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(b"x" * (2 * MB)), "x.pdf")})
    assert response.status_code == 413


def test_too_many_files_keeps_the_ones_that_fit(app, client):
    response = send(client, PLANS, *[(f"sheet{n}.pdf", PDF) for n in range(1, 5)])
    assert response.status_code == 400
    page = page_of(response)
    assert errors_on(page) == ["sheet4.pdf was not added: you can add up to 3 files here. Remove one to add another"]
    assert [d.original_name for d in documents_in(app)] == ["sheet1.pdf", "sheet2.pdf", "sheet3.pdf"]
    page = page_of(client.get(PLANS))
    assert "You have added as many files as this question takes" in page and 'type="file"' not in page
    assert len(stored_files(app)) == 3


def test_the_total_for_an_application_is_limited(app, client):
    big = pdf_of(MB - 200)
    assert send(client, PLANS, ("a.pdf", big), ("b.pdf", big), ("c.pdf", big)).status_code == 302
    post_form(client, PLANS, {"action": "continue"})
    post_form(client, HAS_PHOTOS, {"value": "yes"})
    response = send(client, PHOTOS, ("d.pdf", big))
    assert response.status_code == 413
    assert errors_on(page_of(response))[0].startswith("d.pdf was not added: all your files together must be smaller than 3 MB")
    assert len(documents_in(app)) == 3 and len(stored_files(app)) == 3


def test_continue_needs_a_file_when_the_question_is_required(app, client):
    response = post_form(client, PLANS, {"action": "continue"})
    assert response.status_code == 400
    assert errors_on(page_of(response)) == ["Upload the plans of your shed"]
    # Chosen and Continue pressed at once: the file is added and the resident moves on.
    response = send(client, PLANS, ("plan.pdf", PDF), action="continue")
    assert response.status_code == 302 and response.location.endswith(HAS_PHOTOS)


def test_an_optional_file_question_can_be_left_empty(client):
    assert send(client, PLANS, ("plan.pdf", PDF)).status_code == 302
    post_form(client, PLANS, {"action": "continue"})
    post_form(client, HAS_PHOTOS, {"value": "yes"})
    response = post_form(client, PHOTOS, {"action": "continue"})
    assert response.status_code == 302 and response.location.endswith("/contact")


# --- Removing ---------------------------------------------------------------------------------

def test_remove_before_submitting_deletes_the_file(app, client):
    send(client, PLANS, ("keep.pdf", PDF), ("drop.pdf", PDF))
    post_form(client, PLANS, {"action": "continue"})
    drop = next(d for d in documents_in(app) if d.original_name == "drop.pdf")
    drop_path = next(p for p in stored_files(app) if p.name == drop.storage_name)
    response = post_form(client, PLANS, {"action": "remove", "document": drop.public_id})
    assert response.status_code == 302 and response.location.endswith(PLANS)
    assert not drop_path.exists() and len(stored_files(app)) == 1
    assert [d.original_name for d in documents_in(app)] == ["keep.pdf"]
    page = page_of(client.get(PLANS))
    assert "drop.pdf" not in page and ">keep.pdf</bdi></a>" in page
    check = page_of(client.get("/report/shed-permit/check"))  # the answer follows the removal
    assert "drop.pdf" not in check
    # Removing again (another tab) changes nothing.
    assert post_form(client, PLANS, {"action": "remove", "document": drop.public_id}).status_code == 302


def test_another_browser_cannot_remove_a_file(app, client):
    send(client, PLANS, ("mine.pdf", PDF))
    [document] = documents_in(app)
    other = app.test_client()
    send(other, PLANS, ("theirs.pdf", PDF))
    post_form(other, PLANS, {"action": "remove", "document": document.public_id})
    assert "mine.pdf" in [d.original_name for d in documents_in(app)]


# --- Submitting and downloading --------------------------------------------------------------

def test_submitted_documents_belong_to_the_case_and_outlive_the_draft(app, client):
    from portal import db

    send(client, PLANS, ("plan.pdf", PDF), ("front.jpg", jpeg_with_gps()))
    finish_application(client)
    with db.session_scope(app) as session:
        case = session.scalar(select(Case))
        attached = list(session.scalars(select(Document).filter_by(case_id=case.id)))
        assert sorted(d.original_name for d in attached) == ["front.jpg", "plan.pdf"]
        assert all(d.draft_id is None for d in attached)
        assert [item["name"] for item in case.answers["plans"]] == ["plan.pdf", "front.jpg"]
        assert set(case.answers["plans"][0]) == {"id", "name", "size", "type"}
        session.delete(session.get(Draft, case.draft_id))  # an expired draft being cleared away
    assert len(documents_in(app)) == 2 and len(stored_files(app)) == 2


def test_documents_of_a_question_no_longer_asked_are_not_sent(app, client):
    send(client, PLANS, ("plan.pdf", PDF))
    post_form(client, PLANS, {"action": "continue"})
    post_form(client, HAS_PHOTOS, {"value": "yes"})
    send(client, PHOTOS, ("yard.jpg", jpeg_with_gps()))
    post_form(client, PHOTOS, {"action": "continue"})
    post_form(client, HAS_PHOTOS + "?change=1", {"value": "no"})  # changed their mind
    assert post_form(client, "/report/shed-permit/contact", GUEST_CONTACT).status_code == 302
    assert post_form(client, "/report/shed-permit/check", {}).status_code == 302
    assert [d.original_name for d in documents_in(app)] == ["plan.pdf"]
    assert len(stored_files(app)) == 1


def test_the_owner_downloads_and_nobody_else_can(app, client):
    send(client, PLANS, ("plan.pdf", PDF))
    [document] = documents_in(app)
    url = f"/documents/{document.public_id}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;") and "plan.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert f'href="{url}"' in page_of(client.get(PLANS))

    stranger = app.test_client()
    stranger.get(PLANS)  # a browser with a session of its own
    assert stranger.get(url).status_code == 404
    assert stranger.get("/documents/not-a-real-id").status_code == 404

    finish_application(client)
    assert client.get(url).status_code == 200, "the browser that sent it still can"
    assert stranger.get(url).status_code == 404


def test_a_browser_that_tracked_the_case_may_download(app, client):
    send(client, PLANS, ("plan.pdf", PDF))
    [document] = documents_in(app)
    confirmation = finish_application(client)
    reference = re.search(r'class="portal-reference__number">([A-Z0-9-]+)<', page_of(confirmation)).group(1)
    tracker = app.test_client()
    assert tracker.get(f"/documents/{document.public_id}").status_code == 404
    response = post_form(tracker, "/track", {"reference": reference, "contact": GUEST_CONTACT["email"]})
    assert response.status_code == 302
    assert tracker.get(f"/documents/{document.public_id}").status_code == 200


def test_a_signed_in_residents_document_needs_their_account(app, client):
    from portal import db

    send(client, PLANS, ("plan.pdf", PDF))
    [document] = documents_in(app)
    with db.session_scope(app) as session:  # as if the draft had been started while signed in
        owner = factories.account(app, "owner@example.com", session=session)
        session.get(Draft, document.draft_id).account_id = owner.id
    assert client.get(f"/documents/{document.public_id}").status_code == 404


# --- Virus scanning -----------------------------------------------------------------------------

def test_an_infected_file_is_refused_and_a_clean_one_passes(make_app, clamd):
    app = make_app(CLAMAV_SOCKET=clamd.socket)
    client = app.test_client()
    infected = PDF + b"%" + clamd.marker + b"\n"
    response = send(client, PLANS, ("invoice.pdf", infected))
    assert response.status_code == 422
    assert errors_on(page_of(response)) == ["invoice.pdf contains a virus. Choose another file"]
    assert documents_in(app) == [] and stored_files(app) == []
    assert send(client, PLANS, ("plan.pdf", PDF), ("front.jpg", jpeg_with_gps())).status_code == 302
    assert len(documents_in(app)) == 2


def test_clamd_over_tcp(clamd):
    scanner = documents.Scanner(host="127.0.0.1", port=clamd.port, timeout=5)
    assert scanner.scan(PDF).clean
    result = scanner.scan(b"anything " + clamd.marker + b" at all")
    assert not result.clean and result.signature.startswith("Portal.Test.Signature")
    assert scanner.scan(pdf_of(3 * MB)).clean  # several chunks


@pytest.mark.parametrize("where", ["socket", "tcp"])
def test_a_scanner_that_cannot_be_reached_refuses_the_upload(make_app, tmp_path, where):
    settings = ({"CLAMAV_SOCKET": str(tmp_path / "no-clamd.sock")} if where == "socket"
                else {"CLAMAV_HOST": "127.0.0.1", "CLAMAV_PORT": _free_port(), "CLAMAV_TIMEOUT": 2})
    app = make_app(**settings)
    client = app.test_client()
    response = send(client, PLANS, ("plan.pdf", PDF))
    assert response.status_code == 422
    assert errors_on(page_of(response)) == ["We could not check your file plan.pdf, try again later"]
    assert documents_in(app) == [] and stored_files(app) == []


def test_no_scanner_configured_is_a_warning_at_start_up(make_app, caplog):
    with caplog.at_level("WARNING", logger="portal.uploads"):
        make_app()
    assert any("not scanned for viruses" in r.getMessage() for r in caplog.records)


# --- Configuration ----------------------------------------------------------------------------

def test_the_upload_folder_must_be_outside_the_web_root(_schema, tmp_path):
    from portal import resource

    with pytest.raises(ConfigError, match="outside the web root"):
        create_app(_settings(_schema, tmp_path, UPLOAD_DIR=str(resource("static") / "uploads")))


# --- The domain layer -------------------------------------------------------------------------

@pytest.mark.parametrize(("sent", "extension", "shown"), [
    ("../../etc/passwd.pdf", ".pdf", "passwd.pdf"),
    ("C:\\Users\\ana\\plan.PDF", ".pdf", "plan.PDF"),
    ("IMG_0042.HEIC", ".jpg", "IMG_0042.jpg"),
    ("photo.jpg", ".png", "photo.png"),  # a PNG sent under a JPEG name
    ("صورة الشجرة.jpeg", ".jpg", "صورة الشجرة.jpeg"),
    ("invoice\u202efdp.exe", ".pdf", "invoicefdp.pdf"),  # a right-to-left override dropped
    ("Plan 1.5", ".pdf", "Plan 1.5.pdf"),
    ("..", ".pdf", "file.pdf"),
    ("", ".png", "file.png"),
])
def test_names_are_cleaned_for_showing(sent, extension, shown):
    assert documents.clean_name(sent, extension) == shown


def test_a_file_written_in_a_transaction_that_rolls_back_is_deleted(app):
    from portal import db

    with pytest.raises(RuntimeError), db.session_scope(app) as session:
        draft, _token = factories.draft(app, "shed-permit", answers={}, session=session)
        documents.add(session, draft, "plans", "plan.pdf", io.BytesIO(PDF))
        assert len(stored_files(app)) == 1
        raise RuntimeError("the request failed after the upload")
    assert stored_files(app) == []
    with db.session_scope(app) as session:
        draft, _token = factories.draft(app, "shed-permit", answers={}, session=session)
        document = documents.add(session, draft, "plans", "plan.pdf", io.BytesIO(PDF))
        assert documents.read(document) == PDF
    with pytest.raises(RuntimeError), db.session_scope(app) as session:
        documents.remove(session, session.get(Document, document.id))
        raise RuntimeError("the removal was not committed")
    assert len(stored_files(app)) == 1, "the file stays while its row does"


def test_deleting_an_account_deletes_the_files_of_its_drafts(app, client, db_session):
    from .test_accounts import PASSWORD, sign_in, sign_up

    sign_up(client, db_session)
    sign_in(client)
    assert send(client, PLANS, ("plan.pdf", pdf_of(2000))).status_code == 302
    assert len(stored_files(app)) == 1
    deleted = post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert deleted.status_code == 302
    assert stored_files(app) == [] and documents_in(app) == []
