"""The staff preview of services: every service, in every language, as residents see it, saving
nothing; and the service designer's check of a changed definition, previewed while residents keep
the published one."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.models import Base

from .. import factories
from ..conftest import CSRF_RE, post_form
from ..staff import sign_in_staff
from .crawl import answer_service
from .crawl import app_without_rate_limits as fast_app  # noqa: F401  (a fixture: a preview of every service is many pages)
from .test_accounts import sign_in

BANNER = "Preview: nothing you enter is saved or sent"
PUBLISHED = "/staff/preview/published"


def row_counts(db_session) -> dict[str, int]:
    db_session.rollback()
    return {table.name: db_session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables}


def signed_in(app, roles=("caseworker",), email="cw@riverton.example"):
    member = factories.staff_member(app, email, roles=roles)
    client = app.test_client()
    assert sign_in_staff(client, member).status_code == 302
    return client


def banner_on(html: str) -> bool:
    """The preview's banner: a labelled region (its words in English until the translations come)."""
    return bool(re.search(r'class="[^"]*portal-preview-banner[^"]*" role="region" aria-label="[^"]+"', html))


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_every_service_is_previewed_to_the_end_without_a_row_written(fast_app, db_session, locale):  # noqa: F811  (the fixture imported above)
    app = fast_app
    client = signed_in(app)
    client.get(f"/staff/preview/?lang={locale}")
    before = row_counts(db_session)
    for code in app.extensions["catalog"].services:
        answer_service(client, code, base=PUBLISHED)
        check = client.get(f"{PUBLISHED}/{code}/check")
        assert check.status_code == 200 and banner_on(check.get_data(as_text=True))
        sent = post_form(client, f"{PUBLISHED}/{code}/check", {})
        assert sent.status_code == 302 and sent.location.endswith(f"{PUBLISHED}/{code}/sent")
        page = client.get(sent.location)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f'lang="{locale}"' in html and banner_on(html)
    after = row_counts(db_session)
    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    assert changed == {}


def test_a_branch_and_an_exit_page_are_reached_in_the_preview(app, db_session):
    client = signed_in(app)
    before = row_counts(db_session)
    base = f"{PUBLISHED}/streetlight-out"
    start = client.get(base).get_data(as_text=True)
    assert banner_on(start) and f'href="{base}/q/problem"' in start
    to_exit = post_form(client, f"{base}/q/problem", {"value": "wires"})
    assert to_exit.location.endswith(f"{base}/q/call_911")
    exit_page = client.get(to_exit.location).get_data(as_text=True)
    assert "Stay away from the wires and call 911" in exit_page and banner_on(exit_page)
    assert 'href="/staff/preview/"' in exit_page  # "a different problem" stays in the preview
    assert client.get(f"{base}/check").location.endswith(f"{base}/q/call_911")  # nothing to send from an exit
    branch = post_form(client, f"{base}/q/problem", {"value": "out"})
    assert branch.location.endswith(f"{base}/q/location")
    answer = {"street": "1 Main St", "city": "Riverton", "zip": "20500"}
    assert post_form(client, f"{base}/q/location", answer).location.endswith(f"{base}/q/pole_number")
    assert post_form(client, f"{base}/q/pole_number", {"value": ""}).location.endswith(f"{base}/q/how_many")
    assert row_counts(db_session) == before


def test_the_language_switch_works_within_the_preview(app):
    client = signed_in(app)
    page = client.get(f"{PUBLISHED}/pothole/q/location?lang=es").get_data(as_text=True)
    assert '<html lang="es"' in page and "¿Dónde está el bache?" in page and banner_on(page)
    assert 'href="/staff/preview/published/pothole/q/location?lang=ar"' in page
    page = client.get(f"{PUBLISHED}/pothole/q/location?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in page and "أين توجد الحفرة؟" in page


def test_file_questions_keep_no_file(app, db_session):
    client = signed_in(app, roles=("contact_centre",))
    code = "tree-removal"
    definition = app.extensions["catalog"].service(code)
    file_question = next(q for q in definition.questions if q.datatype == "file")
    answers = {}
    with app.test_request_context():
        from portal.forms import runner
        while not runner.reachable(definition, answers, file_question.code):
            first = definition.unanswered(answers)[0]
            answers[first.code] = {"yesno": "no", "singlevaluelist": first.values("en")[0][0] if first.datatype == "singlevaluelist" else ""}.get(first.datatype, "x")
    with client.session_transaction() as held:
        held["preview"] = {"for": f"published/{code}", "answers": answers, "contact": None}
    url = f"{PUBLISHED}/{code}/q/{file_question.code}"
    page = client.get(url).get_data(as_text=True)
    assert "Files are not kept in preview" in page and 'type="file"' in page
    before = row_counts(db_session)
    token = CSRF_RE.search(page).group(1)
    response = client.post(url, data={"csrf_token": token, "action": "upload",
                                      "file": (__import__("io").BytesIO(b"%PDF-1.4\n"), "plan.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert row_counts(db_session) == before
    check = client.get(f"{PUBLISHED}/{code}/check")
    assert check.status_code in (200, 302)


def test_residents_and_guests_are_sent_to_the_staff_sign_in(app):
    resident = factories.account(app, "ana@example.com")
    guest, signed = app.test_client(), app.test_client()
    assert sign_in(signed, resident.email).status_code == 302
    for client in (guest, signed):
        for url in ("/staff/preview/", f"{PUBLISHED}/pothole", f"{PUBLISHED}/pothole/q/location", "/staff/preview/check"):
            response = client.get(url)
            assert response.status_code == 302 and "/staff/sign-in" in response.location, url


def test_staff_without_the_preview_role_get_404(app):
    client = signed_in(app, roles=("auditor",))
    assert client.get("/staff/preview/").status_code == 404
    assert client.get(f"{PUBLISHED}/pothole").status_code == 404
    assert "/staff/preview/" not in client.get("/staff/").get_data(as_text=True)
    previewer = signed_in(app, email="cc@riverton.example", roles=("contact_centre",))
    home = previewer.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/preview/"' in home and "Preview services" in home


# --- the service designer's check of a changed definition -------------------------------------------

POTHOLE = (Path(__file__).resolve().parents[2] / "portal" / "catalog" / "services" / "pothole.yaml").read_bytes()
CHANGED = POTHOLE.replace(b"label: Where is the pothole?", b"label: Where exactly is the pothole?")


def upload(client, content: bytes, name: str = "pothole.yaml"):
    token = CSRF_RE.search(client.get("/staff/preview/check").get_data(as_text=True)).group(1)
    return client.post("/staff/preview/check", data={"csrf_token": token, "definition": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def designer(app, email="sd@riverton.example"):
    return signed_in(app, roles=("service_designer",), email=email)


def test_only_a_service_designer_may_check_a_definition(app):
    for roles in (("caseworker",), ("supervisor",), ("department_admin",), ("contact_centre",)):
        client = signed_in(app, roles=roles, email=f"{roles[0]}@riverton.example")
        assert client.get("/staff/preview/check").status_code == 404, roles
        assert "Check a changed service definition" not in client.get("/staff/preview/").get_data(as_text=True)
        token = CSRF_RE.search(client.get("/staff/preview/").get_data(as_text=True)).group(1)
        response = client.post("/staff/preview/check", data={"csrf_token": token, "definition": (io.BytesIO(CHANGED), "pothole.yaml")},
                               content_type="multipart/form-data")
        assert response.status_code == 404, roles
    assert designer(app).get("/staff/preview/check").status_code == 200


def test_the_changed_version_is_previewed_while_residents_see_the_published_one(app, db_session):
    client = designer(app)
    before = row_counts(db_session)
    response = upload(client, CHANGED)
    assert response.status_code == 302
    start = response.location
    assert re.search(r"/staff/preview/[A-Za-z0-9_-]{22}/pothole$", start)
    page = client.get(f"{start}/q/location").get_data(as_text=True)
    assert "Where exactly is the pothole?" in page and banner_on(page)
    assert "Residents still see the published one" in page
    resident = app.test_client()
    published = resident.get("/report/pothole/q/location").get_data(as_text=True)
    assert "Where is the pothole?" in published and "Where exactly" not in published
    assert "Where is the pothole?" in client.get(f"{PUBLISHED}/pothole/q/location").get_data(as_text=True)
    assert row_counts(db_session) == before
    # Another designer cannot open it; a caseworker cannot either.
    assert designer(app, "other@riverton.example").get(start).status_code == 404
    assert signed_in(app, email="cw2@riverton.example").get(start).status_code == 404


def test_a_new_service_can_be_previewed_marked_new(app):
    client = designer(app)
    new = CHANGED.replace(b"code: pothole\n", b"code: sinkhole\n", 1)
    response = upload(client, new, "sinkhole.yaml")
    assert response.status_code == 302 and response.location.endswith("/sinkhole")
    page = client.get(response.location).get_data(as_text=True)
    assert "New service" in page and banner_on(page)
    assert app.test_client().get("/report/sinkhole").status_code == 404


@pytest.mark.parametrize(("content", "name", "field", "message"), [
    (POTHOLE + b"colour: red\n", "pothole.yaml", "(top level)", "'colour' was unexpected"),
    (POTHOLE.replace(b"department: public-works", b"department: space-agency"), "pothole.yaml", "department",
     "'space-agency' is not a department"),
    (POTHOLE.replace(b"topic: streets-sidewalks", b"topic: moon"), "pothole.yaml", "topic", "'moon' is not a topic"),
    (POTHOLE.replace(b"        label: \xd8\xa3\xd9\x8a\xd9\x86", b"        labels: \xd8\xa3\xd9\x8a\xd9\x86", 1), "pothole.yaml",
     "questions[0].text.ar", "'label' is a required property"),
    (POTHOLE, "streetlight-out.yaml", "code", "does not match the file name"),
    (b"code: [unclosed", "pothole.yaml", None, "not valid YAML"),
    (b"- just\n- a list\n", "pothole.yaml", "(top level)", "is not of type 'object'"),
    (b"\xff\xfe\x00garbage", "pothole.yaml", None, "not UTF-8"),
    (b"a: &a [1, 1, 1]\nb: [*a, *a, *a]\n", "pothole.yaml", None, "anchors and aliases"),
    (b"[" * 5000, "pothole.yaml", None, "not valid YAML"),
])
def test_a_definition_that_does_not_validate_is_shown_by_file_and_field(app, content, name, field, message):
    client = designer(app)
    response = upload(client, content, name)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The file does not pass the checks" in html and "There is a problem" in html
    assert name in html and message.replace("'", "&#39;") in html
    if field:
        assert f"<bdi>{field}</bdi>" in html


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"", "pothole.yaml", "The file is empty"),
    (b"code: pothole\n" + b"#" * (300 * 1024), "pothole.yaml", "KB or smaller"),
])
def test_an_empty_or_too_large_file_is_refused(app, content, name, message):
    response = upload(designer(app), content, name)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_no_file_chosen_is_a_clear_400(app):
    client = designer(app)
    response = post_form(client, "/staff/preview/check", {})
    assert response.status_code == 400
    assert "Choose a service definition file, or give its name" in response.get_data(as_text=True)


def test_a_definition_is_pointed_at_within_the_configured_folder_only(_schema, tmp_path):
    from portal import create_app

    from ..conftest import _clean

    folder = tmp_path / "changes"
    folder.mkdir()
    (folder / "pothole.yaml").write_bytes(CHANGED)
    (tmp_path / "outside.yaml").write_bytes(CHANGED)
    app = create_app({**_schema, "CATALOG_CHECK_DIR": str(folder)})
    _clean(app)
    client = designer(app)
    assert str(folder) in client.get("/staff/preview/check").get_data(as_text=True)
    found = post_form(client, "/staff/preview/check", {"path": "pothole.yaml"})
    assert found.status_code == 302
    assert "Where exactly is the pothole?" in client.get(f"{found.location}/q/location").get_data(as_text=True)
    for path in ("../outside.yaml", str(tmp_path / "outside.yaml"), "missing.yaml", "pothole.yml", "../" * 20 + "etc/passwd"):
        response = post_form(client, "/staff/preview/check", {"path": path})
        assert response.status_code == 400, path
        assert "There is no service definition file (.yaml) with that name" in response.get_data(as_text=True)
    app.extensions["db_engine"].dispose()


def test_answers_too_long_to_keep_in_the_session_are_a_clear_400(app):
    client = designer(app)
    longer = POTHOLE.replace(b"    max_length: 1000", b"    max_length: 8000")
    base = upload(client, longer).location
    answers = {"location": {"street": "1 Main St", "city": "", "zip": "", "latitude": "", "longitude": ""},
               "position": "alley", "size": "small", "first_seen": ""}
    with client.session_transaction() as held:
        held["preview"] = {"for": base.split("/staff/preview/")[1], "answers": answers, "contact": None}
    url = f"{base}/q/details"
    assert client.get(url).status_code == 200
    words = " ".join(f"{n:x}{n * 7919 % 104729:x}" for n in range(900))[:7000]  # little repetition to squeeze
    response = post_form(client, url, {"value": words})
    assert response.status_code == 400
    assert "These answers are too long for a preview" in response.get_data(as_text=True)
    assert post_form(client, url, {"value": words[:1000]}).status_code == 302


def test_addresses_that_name_nothing_are_404_and_bad_posts_400(app):
    client = signed_in(app)
    for url in (f"{PUBLISHED}/no-such-service", f"{PUBLISHED}/pothole/q/no_such_question",
                "/staff/preview/AAAAAAAAAAAAAAAAAAAAAA/pothole", "/staff/preview/..%2F..%2Fetc/pothole",
                f"{PUBLISHED}/pothole/q/location/item/x", f"{PUBLISHED}/%00/q/location"):
        assert client.get(url).status_code in (400, 404), url
    assert client.post(f"{PUBLISHED}/pothole/restart").status_code == 400  # no CSRF token
    assert client.post(f"{PUBLISHED}/pothole/q/location", data={"street": "x"}).status_code == 400
    assert post_form(client, f"{PUBLISHED}/streetlight-out/q/problem", {"value": "not-a-choice"}).status_code == 400
    assert post_form(client, f"{PUBLISHED}/streetlight-out/q/problem", {"value": "wires"}).status_code == 302
    token = CSRF_RE.search(client.get(f"{PUBLISHED}/streetlight-out/q/call_911").get_data(as_text=True)).group(1)
    assert client.post(f"{PUBLISHED}/streetlight-out/q/call_911", data={"csrf_token": token}).status_code == 405


def test_signing_out_forgets_the_preview_answers(app):
    client = signed_in(app)
    assert post_form(client, f"{PUBLISHED}/streetlight-out/q/problem", {"value": "out"}).status_code == 302
    with client.session_transaction() as held:
        assert held["preview"]["answers"] == {"problem": "out"}
    post_form(client, "/staff/sign-out", {}, token_from="/staff/")
    with client.session_transaction() as held:
        assert "preview" not in held
