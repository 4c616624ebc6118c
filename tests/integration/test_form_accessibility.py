"""What a screen reader, a right-to-left reader and anyone reading an error on a question page
gets: the date example, hints and errors tied to their fields, aria-invalid, text kept in its own
direction, and a whole-sentence error next to a list's add button."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from ..conftest import post_form
from ..helpers import POTHOLE_ANSWERS, answer, report_pothole
from ..page_checks import Page

DATE_EXAMPLE = re.compile(r"\d{1,2} \d{1,2} \d{4}")


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, in order, and the text of elements by id."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attrs))
        if tag not in ("input", "br", "img", "meta", "link"):
            self._open.append((tag, attrs.get("id")))
            if attrs.get("id"):
                self.text.setdefault(attrs["id"], "")

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _tag, element_id in self._open:
            if element_id:
                self.text[element_id] += data

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def by_id(self, element_id: str) -> dict:
        found = [a for _t, a in self.tags if a.get("id") == element_id]
        assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
        return found[0]


def up_to_first_seen(client, locale: str) -> None:
    client.get(f"/?lang={locale}")
    for qcode, data in POTHOLE_ANSWERS[:3]:
        assert answer(client, "pothole", qcode, data).status_code == 302


@pytest.mark.parametrize("locale, fields", [
    ("en", ["month", "day", "year"]),
    ("es", ["day", "month", "year"]),
    ("ar", ["day", "month", "year"]),
])
def test_the_date_error_gives_the_example_of_the_hint_in_the_order_of_the_fields(client, locale, fields):
    up_to_first_seen(client, locale)
    page = answer(client, "pothole", "first_seen", {"day": "40", "month": "3", "year": "2025"})
    assert page.status_code == 400
    html = Elements(page.get_data(as_text=True))
    hint, error = html.text["day-date-hint"], html.text["day-date-error"]
    assert DATE_EXAMPLE.findall(hint) == DATE_EXAMPLE.findall(error), (hint, error)
    shown = [a["name"] for a in html.find("input") if a.get("name") in ("day", "month", "year")]
    assert shown == fields
    # The example is written in the order of the fields: 27 is the day, 3 the month.
    parts = {"day": "27", "month": "3", "year": "2025"}
    assert DATE_EXAMPLE.findall(hint) == [" ".join(parts[f] for f in fields)]


def controls(html: Elements, name: str) -> list[dict]:
    return [a for t, a in html.tags if t in ("input", "textarea", "select") and a.get("name") == name]


def test_the_address_hint_is_read_with_its_fieldset(client):
    page = client.get("/report/pothole/q/location")
    html = Elements(page.get_data(as_text=True))
    (fieldset,) = html.find("fieldset")
    described = fieldset["aria-describedby"].split()
    assert [html.text[d] for d in described] == ["Give the street address or the nearest cross streets."]


def test_every_field_with_an_error_is_aria_invalid_and_no_other(client):
    # A text field and the address fields around it.
    page = Elements(answer(client, "pothole", "location", {"street": "", "zip": "20500"}).get_data(as_text=True))
    assert [a.get("aria-invalid") for a in controls(page, "street")] == ["true"]
    assert [a.get("aria-invalid") for a in controls(page, "zip") + controls(page, "city")] == [None, None]
    answer(client, "pothole", "location", POTHOLE_ANSWERS[0][1])
    # Every radio button of a question answered wrongly.
    page = Elements(answer(client, "pothole", "position", {}).get_data(as_text=True))
    radios = controls(page, "value")
    assert len(radios) > 1 and all(a.get("aria-invalid") == "true" for a in radios)
    for qcode, data in POTHOLE_ANSWERS[1:3]:
        answer(client, "pothole", qcode, data)
    # The day, month and year of a date that is not a real one.
    page = Elements(answer(client, "pothole", "first_seen", {"day": "31", "month": "2", "year": "2025"})
                    .get_data(as_text=True))
    assert [a.get("aria-invalid") for part in ("day", "month", "year") for a in controls(page, part)] == ["true"] * 3
    answer(client, "pothole", "first_seen", POTHOLE_ANSWERS[3][1])
    # A text area with too much in it.
    page = Elements(answer(client, "pothole", "details", {"value": "x" * 1001}).get_data(as_text=True))
    (details,) = controls(page, "value")
    assert details["aria-invalid"] == "true" and "value-error" in details["aria-describedby"].split()


def test_a_checkbox_left_unticked_is_invalid_and_described_by_its_error(client, db_session):
    from .test_accounts import PASSWORD, sign_in, sign_up

    sign_up(client, db_session)
    sign_in(client)
    html = Elements(post_form(client, "/account/delete", {"password": PASSWORD}).get_data(as_text=True))
    (box,) = controls(html, "confirm")
    assert box["aria-invalid"] == "true" and box["aria-describedby"].split() == ["confirm-error"]
    assert html.text["confirm-error"].strip()


# --- A list of entries (a repeating group) -------------------------------------------------

@pytest.mark.parametrize("locale, sentence", [
    ("en", "Add at least one household member"),
    ("es", "Agregue al menos un integrante del hogar"),
])
def test_an_empty_list_says_what_to_add_next_to_the_add_button(client, locale, sentence):
    from .test_benefits import up_to_the_household

    group = up_to_the_household(client)
    client.get(f"/?lang={locale}")
    response = post_form(client, group, {})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    html, tree = Elements(body), Page(body)
    # One sentence, next to the button, which it describes; the error summary links to the button.
    assert html.text["add-item-error"].strip().endswith(sentence)
    error, button = (next(e for e in tree.elements if e.attrs.get("id") == i) for i in ("add-item-error", "add-item"))
    assert error.parent in button.ancestors() and "usa-form-group--error" in error.parent.classes()
    assert button.attrs["aria-describedby"] == "add-item-error"
    assert [e.text.strip() for e in tree.all("a") if e.attrs.get("href") == "#add-item"] == [sentence]


GROUP_SERVICE = """
code: pet-licence
kind: permit
topic: neighborhood
department: code-enforcement
service_level: {respond_days: 5, resolve_days: 20}
open311_type: batch
text:
  en: {name: Pet licence, description: License your pets., next_steps: We will write to you.}
  es: {name: Licencia de mascotas, description: Registre a sus mascotas., next_steps: Le escribiremos.}
  ar: {name: ترخيص الحيوانات الأليفة, description: رخّص حيواناتك الأليفة., next_steps: سنكتب إليك.}
questions:
  - code: pets
    datatype: group
    min_items: %d
    text:
      en: {label: Your pets, item_label: Pet, add_label: Add a pet}
      es: {label: Sus mascotas, item_label: Mascota, add_label: Agregar una mascota}
      ar: {label: حيواناتك الأليفة, item_label: حيوان أليف, add_label: إضافة حيوان أليف}
    questions:
      - code: pet_name
        datatype: string
        required: true
        text:
          en: {label: Name}
          es: {label: Nombre}
          ar: {label: الاسم}
"""


@pytest.mark.parametrize("least, sentence", [(1, "Add at least 1 entry to the list"),
                                             (2, "Add at least 2 entries to the list")])
def test_a_list_whose_definition_has_no_sentence_gets_a_whole_general_one(_schema, tmp_path, least, sentence):
    import shutil

    from portal import create_app

    from ..conftest import _clean
    from .test_uploads import FIXTURE_CATALOG

    catalog = tmp_path / "catalog"
    catalog.mkdir()
    shutil.copy(FIXTURE_CATALOG / "_catalog.yaml", catalog)
    (catalog / "pet-licence.yaml").write_text(GROUP_SERVICE % least, encoding="utf-8")
    app = create_app({**_schema, "CATALOG_DIR": str(catalog)})
    _clean(app)
    try:
        client = app.test_client()
        response = post_form(client, "/report/pet-licence/q/pets", {})
        assert response.status_code == 400
        html = Elements(response.get_data(as_text=True))
        assert html.text["add-item-error"].strip() == f"Error: {sentence}"
    finally:
        app.extensions["db_engine"].dispose()


# --- Text the resident typed keeps its own direction ---------------------------------------

def test_fields_keep_what_is_typed_in_its_own_direction_on_a_right_to_left_page(client):
    client.get("/?lang=ar")
    html = Elements(client.get("/report/pothole/q/location").get_data(as_text=True))
    direction = {a["name"]: a.get("dir") for _t, a in html.tags if _t == "input" and a.get("type") != "hidden"}
    assert direction == {"street": "auto", "city": "auto", "zip": "ltr", "latitude": "ltr", "longitude": "ltr"}
    for qcode, data in POTHOLE_ANSWERS:
        answer(client, "pothole", qcode, data)
    (details,) = controls(Elements(client.get("/report/pothole/q/details").get_data(as_text=True)), "value")
    assert details["dir"] == "auto"
    html = Elements(client.get("/report/pothole/contact").get_data(as_text=True))
    assert [(a["type"], a["dir"]) for name in ("name", "email", "phone") for a in controls(html, name)] == [
        ("text", "auto"), ("email", "auto"), ("tel", "ltr")]


def test_check_answers_shows_each_answer_in_its_own_direction(client):
    client.get("/?lang=ar")
    page = report_pothole(client, {"phone": "202 555 0100"}).get_data(as_text=True)
    values = [e for e in Page(page).all("dd") if "portal-summary-list__value" in e.classes()]
    assert values and all(child.tag in ("bdi", "br") for dd in values for child in dd.children)
    isolated = {(b.text, b.attrs.get("dir")) for dd in values for b in dd.children if b.tag == "bdi"}
    assert ("12 Main Street", None) in isolated  # <bdi>: the direction of its own letters
    assert ("(202) 555-0100", "ltr") in isolated  # no letters: always left to right


def test_the_tracking_page_shows_what_the_resident_wrote_in_its_own_direction(app, client):
    from portal.cases import workflow

    from .test_followup import make_case, move

    reference, page = make_case(app, client)
    move(app, reference, workflow.IN_REVIEW, workflow.MORE_INFO, note="How deep is the hole?")
    client.get("/?lang=ar")
    post_form(client, f"{page}/answer", {"answer": "About 10 cm at 100 Main Street"}, token_from=page)
    tree = Page(client.get(page).get_data(as_text=True))
    (note,) = [e for e in tree.all("p") if "portal-timeline__resident" in e.classes()]
    assert note.attrs.get("dir") == "auto" and note.text == "About 10 cm at 100 Main Street"
    values = [e for e in tree.all("dd") if "portal-summary-list__value" in e.classes()]
    assert values and all(child.tag in ("bdi", "br") for dd in values for child in dd.children)


def test_the_list_of_entries_shows_names_and_answers_in_their_own_direction(client):
    from .test_benefits import member, up_to_the_household

    group = up_to_the_household(client)
    post_form(client, f"{group}/item/new", member("Rosa Pérez", relationship="self"))
    client.get("/?lang=ar")
    listed = client.get(group).get_data(as_text=True)
    tree = Page(listed)
    (title,) = [e for e in tree.all("h2") if "portal-case-list__title" in e.classes()]
    assert [(c.tag, c.text) for c in title.children] == [("bdi", "Rosa Pérez")]
    assert "Rosa Pérez" in [c.text for li in tree.all("li") for c in li.children if c.tag == "bdi"]
    item = client.get(f"{group}/item/{re.search(r'/item/([0-9a-f]{16})', listed)[1]}").get_data(as_text=True)
    (heading,) = Page(item).all("h1")
    assert [(c.tag, c.text) for c in heading.children] == [("bdi", "Rosa Pérez")]
    (title,) = Page(item).all("title")
    assert "Rosa Pérez" in title.text and not title.children  # no markup in a title
