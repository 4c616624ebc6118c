"""Response templates: kept by department administrators for their own departments, in every
shipped language, with known placeholders only, and offered on an action page filled in the
resident's language."""

from __future__ import annotations

import re

import pytest

from portal import db
from portal.actors import STAFF, Actor
from portal.cases import templates, tracking
from portal.cases.policy import Refused
from portal.cases.templates import Fields, TemplateError

from .. import factories
from ..staff import sign_in_staff

ADMIN = Actor(STAFF, "9", roles=frozenset({"department_admin"}), departments=frozenset({"public-works"}))
TEXTS = {"en": "Which lane is the pothole in? ({reference})", "es": "¿En qué carril está el bache? ({reference})",
         "ar": "في أي حارة الحفرة؟ ({reference})"}


def _save(app, s, **changes):
    fields = Fields(**{"department": "public-works", "service_code": "pothole", "action": "request_information",
                       "name": "Which lane", "texts": TEXTS, **changes})
    services = {code: d.department for code, d in app.extensions["catalog"].services.items()}
    return templates.save(s, ADMIN, fields, locales=app.config["SHIPPED_LOCALES"], services=services)


@pytest.mark.parametrize("texts, code, detail", [
    ({**TEXTS, "es": ""}, "missing_locale", "es"),
    ({**TEXTS, "en": "Hello {name}"}, "unknown_placeholder", "{name}"),
    ({**TEXTS, "ar": "Hello {reference"}, "unbalanced", ""),
    ({**TEXTS, "en": "Hello }"}, "unbalanced", ""),
])
def test_a_bad_template_is_refused_naming_what(app, texts, code, detail):
    with db.session_scope(app) as s, pytest.raises(TemplateError) as refused:
        _save(app, s, texts=texts)
    assert (refused.value.code, refused.value.detail) == (code, detail)


def test_only_their_own_departments(app):
    with db.session_scope(app) as s, pytest.raises(Refused):
        _save(app, s, department="sanitation", service_code=None)


def test_the_service_own_templates_come_first(app):
    made = factories.case(app, "pothole", "in_review")
    with db.session_scope(app) as s:
        _save(app, s, service_code=None, name="Any service")
        _save(app, s)
        _save(app, s, department="public-works", service_code=None, action="resolve", name="Done")
        case = tracking.get(s, made.case.reference)
        assert [t.name for t in templates.for_case(s, case, "request_information")] == ["Which lane", "Any service"]


def test_a_template_is_filled_in_the_residents_language(app):
    made = factories.case(app, "pothole", "in_review", locale="es")
    with db.session_scope(app) as s:
        _save(app, s)
    member = factories.staff_member(app)
    client = app.test_client()
    sign_in_staff(client, member)
    url = f"/staff/cases/{made.case.reference}/act/request_information"
    page = client.get(url).get_data(as_text=True)
    assert "Which lane" in page
    template_id = re.search(r'name="template" value="(\d+)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', page).group(1)
    filled = client.post(url, data={"csrf_token": token, "revision": revision, "template": template_id,
                                    "use_template": "1"}).get_data(as_text=True)
    assert f"¿En qué carril está el bache? ({made.case.reference})" in filled


def test_administrators_manage_templates_on_their_pages(app):
    admin = factories.staff_member(app, "admin@riverton.example", roles=("department_admin",))
    client = app.test_client()
    sign_in_staff(client, admin)
    page = client.get("/staff/templates/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "name": "Which lane", "department": "public-works", "service_code": "pothole",
            "action": "request_information", **{f"text_{k}": v for k, v in TEXTS.items()}}
    bad = client.post("/staff/templates/new", data={**form, "text_en": "Hi {name}"})
    assert bad.status_code == 400 and "{name} is not a placeholder you can use" in bad.get_data(as_text=True)
    unbalanced = client.post("/staff/templates/new", data={**form, "text_es": "Hola {reference"})
    assert unbalanced.status_code == 400 and "A brace is not closed" in unbalanced.get_data(as_text=True)
    no_department = client.post("/staff/templates/new", data={**form, "department": ""})
    assert no_department.status_code == 400 and "Choose a department" in no_department.get_data(as_text=True)
    missing = client.post("/staff/templates/new", data={**form, "text_ar": ""})
    assert missing.status_code == 400 and "Enter the text in" in missing.get_data(as_text=True)
    assert client.post("/staff/templates/new", data=form).status_code == 302
    listed = client.get("/staff/templates/").get_data(as_text=True)
    template_id = re.search(r'/staff/templates/(\d+)"', listed).group(1)
    changed = client.post(f"/staff/templates/{template_id}", data={**form, "name": "Lane"})
    assert changed.status_code == 302 and "Lane" in client.get("/staff/templates/").get_data(as_text=True)
    other = factories.staff_member(app, "other@riverton.example", roles=("department_admin",),
                                   departments=("sanitation",))
    stranger = app.test_client()
    sign_in_staff(stranger, other)
    assert stranger.get(f"/staff/templates/{template_id}").status_code == 404
    token = re.search(r'name="csrf_token" value="([^"]+)"', stranger.get("/staff/templates/").get_data(as_text=True)).group(1)
    assert stranger.post(f"/staff/templates/{template_id}/delete", data={"csrf_token": token}).status_code == 404
    own = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/templates/").get_data(as_text=True)).group(1)
    assert client.post(f"/staff/templates/{template_id}/delete", data={"csrf_token": own}).status_code == 302
    assert "There are no response templates yet." in client.get("/staff/templates/").get_data(as_text=True)
