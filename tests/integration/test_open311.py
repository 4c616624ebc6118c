"""Open311 GeoReport v2 at /open311/v2: every endpoint in XML and JSON, a standard client's story in
Spanish, the specification's errors, and responses checked against the shapes the specification
publishes (written here from the GeoReport v2 specification and its JSON schemas)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from PIL import Image
from sqlalchemy import func, select

from portal import create_app, db
from portal.models import AuditRecord, Case, Document, Notification

from .. import factories
from ..api import register
from ..conftest import _clean
from .test_uploads import PDF, clamd  # noqa: F401  (a real clamd with a test signature, started once)

BASE = "/open311/v2"
DATETIME = {"type": "string", "format": "date-time", "pattern": r"[+-]\d{2}:\d{2}$"}
NULLABLE = {"type": ["string", "null"]}
SERVICE = {"type": "object", "required": ["service_code", "service_name", "metadata", "type"],
           "properties": {"service_code": {"type": "string"}, "service_name": {"type": "string"},
                          "description": NULLABLE, "metadata": {"type": "boolean"},
                          "type": {"enum": ["realtime", "batch", "blackbox"]}, "keywords": NULLABLE,
                          "group": NULLABLE}}
VALUE = {"type": "object", "required": ["key", "name"],
         "properties": {"key": {"type": "string"}, "name": {"type": "string"}}}
ATTRIBUTE = {"type": "object", "required": ["variable", "code", "datatype", "required"],
             "properties": {"variable": {"type": "boolean"}, "code": {"type": "string"},
                            "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist",
                                                  "multivaluelist"]},
                            "required": {"type": "boolean"}, "datatype_description": NULLABLE,
                            "order": {"type": ["integer", "null"]}, "description": NULLABLE,
                            "values": {"type": "array", "items": VALUE}}}
DEFINITION = {"type": "object", "required": ["service_code", "attributes"],
              "properties": {"service_code": {"type": "string"}, "attributes": {"type": "array", "items": ATTRIBUTE}}}
REQUEST = {"type": "object", "required": ["service_request_id", "status", "service_code", "requested_datetime"],
           "properties": {"service_request_id": {"type": "string"}, "status": {"enum": ["open", "closed"]},
                          "status_notes": NULLABLE, "service_name": NULLABLE, "service_code": {"type": "string"},
                          "description": {"type": ["string", "null"], "maxLength": 4000},
                          "agency_responsible": NULLABLE, "service_notice": NULLABLE,
                          "requested_datetime": DATETIME, "updated_datetime": {"anyOf": [DATETIME, {"type": "null"}]},
                          "expected_datetime": {"anyOf": [DATETIME, {"type": "null"}]}, "address": NULLABLE,
                          "address_id": NULLABLE, "zipcode": NULLABLE, "lat": {"type": ["number", "null"]},
                          "long": {"type": ["number", "null"]}, "media_url": NULLABLE}}
CREATED = {"type": "array", "minItems": 1, "items": {
    "type": "object", "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
    "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"},
                   "service_notice": NULLABLE, "account_id": NULLABLE}}}
ERRORS = {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["code", "description"],
                                                     "properties": {"code": {"type": "integer"},
                                                                    "description": {"type": "string"}}}}
CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


def _valid(instance, schema) -> None:
    jsonschema.validate(instance, schema, format_checker=CHECKER)


def _xml(response) -> ET.Element:
    assert response.mimetype == "text/xml", response.get_data(as_text=True)
    return ET.fromstring(response.get_data())


def _errors(response, status: int, fmt: str = "json") -> list[str]:
    assert response.status_code == status, response.get_data(as_text=True)
    if fmt == "xml":
        root = _xml(response)
        assert root.tag == "errors"
        return [e.findtext("description") for e in root.findall("error")]
    body = response.get_json()
    _valid(body, ERRORS)
    assert body[0]["code"] == status
    return [e["description"] for e in body]


def _photo() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(out, "JPEG")
    out.seek(0)
    return out


@pytest.fixture
def key(app) -> str:
    registered = register(app, "FixMyStreet", roles=("contact_centre",), departments=("public-works",),
                          scopes=("cases:create",))
    return f"{registered.client_id}:{registered.secret}"


POTHOLE = {"service_code": "pothole", "lat": "38.8977", "long": "-77.0365",
           "address_string": "1200 Pennsylvania Ave NW", "attribute[position]": "traffic_lane",
           "attribute[size]": "large", "description": "Lleno de agua", "email": "ana.ruiz@example.com",
           "first_name": "Ana", "last_name": "Ruiz", "device_id": "phone-1", "account_id": "fms-7"}


def _count(app, model) -> int:
    with db.session_scope(app, immediate=False) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_standard_client_story_in_spanish(app, client, key):
    listed = client.get(f"{BASE}/services.json?locale=es")
    assert listed.status_code == 200 and listed.headers["Content-Language"] == "es"
    services = listed.get_json()
    for service in services:
        _valid(service, SERVICE)
    pothole = next(s for s in services if s["service_code"] == "pothole")
    assert pothole["service_name"] == "Bache" and pothole["metadata"] is True
    assert {s["service_code"] for s in services}.isdisjoint({"tree-removal", "rental-assistance"})

    definition = client.get(f"{BASE}/services/pothole.json", headers={"Accept-Language": "es"}).get_json()
    _valid(definition, DEFINITION)
    by_code = {a["code"]: a for a in definition["attributes"]}
    assert "location" not in by_code  # answered by lat/long and address_string
    assert by_code["size"]["required"] is True and by_code["size"]["datatype"] == "singlevaluelist"
    assert by_code["size"]["description"].startswith("¿Qué tan grande es el bache?")
    assert {"key": "large", "name": "Más grande que una llanta de auto"} in by_code["size"]["values"]
    assert by_code["first_seen"]["datatype"] == "datetime" and by_code["first_seen"]["required"] is False
    assert [a["order"] for a in definition["attributes"]] == list(range(1, len(definition["attributes"]) + 1))

    posted = client.post(f"{BASE}/requests.json?locale=es", data={**POTHOLE, "api_key": key,
                                                                   "media": (_photo(), "bache.jpg")},
                         content_type="multipart/form-data")
    assert posted.status_code == 201, posted.get_data(as_text=True)
    created = posted.get_json()
    _valid(created, CREATED)
    token = created[0]["token"]
    assert "Un equipo de obras" in created[0]["service_notice"]
    assert "Set-Cookie" not in posted.headers

    turned = client.get(f"{BASE}/tokens/{token}.json").get_json()
    reference = turned[0]["service_request_id"]
    assert reference == created[0]["service_request_id"]

    read = client.get(f"{BASE}/requests/{reference}.json?locale=es").get_json()
    _valid(read[0], REQUEST)
    assert read[0]["status"] == "open" and read[0]["service_name"] == "Bache"
    assert read[0]["address"] == "1200 Pennsylvania Ave NW" and read[0]["lat"] == pytest.approx(38.8977)
    assert read[0]["description"] is None  # the resident's words are not published

    with db.session_scope(app, immediate=False) as s:
        case = s.scalar(select(Case).filter_by(reference=reference))
        assert case.channel == "open311" and case.locale == "es" and case.contact_name == "Ana Ruiz"
        assert case.answers["details"] == "Lleno de agua" and case.priority == 3
        receipt = s.scalar(select(Notification).filter_by(key=f"case:{case.id}:received"))
        assert receipt is not None and receipt.channel == "email" and receipt.locale == "es"
        photo = s.scalar(select(Document).filter_by(case_id=case.id))
        assert photo is not None and photo.question_code == "media" and photo.content_type == "image/jpeg"
        audit = s.scalar(select(AuditRecord).filter_by(action="case.submit", target_id=reference))
        assert audit.source == "open311" and audit.details["channel"] == "open311"


def test_every_endpoint_answers_in_xml(app, client, key):
    discovery = _xml(client.get(f"{BASE}/discovery.xml"))
    assert discovery.tag == "discovery"
    assert {f.text for f in discovery.iter("format")} == {"text/xml", "application/json"}
    services = _xml(client.get(f"{BASE}/services.xml?locale=ar"))
    names = {s.findtext("service_code"): s.findtext("service_name") for s in services.findall("service")}
    assert names["pothole"] == "حفرة في الطريق"
    definition = _xml(client.get(f"{BASE}/services/pothole.xml"))
    size = next(a for a in definition.iter("attribute") if a.findtext("code") == "size")
    assert size.findtext("required") == "true" and len(size.find("values").findall("value")) == 3
    posted = _xml(client.post(f"{BASE}/requests.xml", data={**POTHOLE, "api_key": key}))
    request = posted.find("request")
    reference, token = request.findtext("service_request_id"), request.findtext("token")
    assert _xml(client.get(f"{BASE}/tokens/{token}.xml")).find("request").findtext("service_request_id") == reference
    one = _xml(client.get(f"{BASE}/requests/{reference}.xml")).find("request")
    assert one.findtext("status") == "open" and one.findtext("requested_datetime")[-6] in "+-"
    listed = _xml(client.get(f"{BASE}/requests.xml?service_code=pothole"))
    assert [r.findtext("service_request_id") for r in listed.findall("request")] == [reference]
    updates = _xml(client.get(f"{BASE}/servicerequestupdates.xml?start_date="
                              + (datetime.now(UTC) - timedelta(days=1)).isoformat().replace("+", "%2B")))
    assert updates.tag == "service_request_updates"
    assert _errors(client.get(f"{BASE}/services/volcano.xml"), 404, "xml")


def test_requests_are_searched_by_id_code_status_and_window_with_pages_and_history(app, client):
    first = factories.case(app, "pothole").case.reference
    second = factories.case(app, "pothole", "in_review", "resolved").case.reference
    factories.case(app, "tree-removal")  # a permit: never published
    everything = client.get(f"{BASE}/requests.json").get_json()
    assert {r["service_request_id"] for r in everything} == {first, second}
    for item in everything:
        _valid(item, REQUEST)
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?status=closed").get_json()] == [second]
    both = client.get(f"{BASE}/requests.json?service_request_id={first},{second}&page_size=1").get_json()
    page_two = client.get(f"{BASE}/requests.json?service_request_id={first},{second}&page_size=1&page=2").get_json()
    assert len(both) == 1 and len(page_two) == 1 and both[0] != page_two[0]
    # service_request_id overrides every other argument, as the specification says.
    overriding = {"service_request_id": f"{first},{second}", "status": "closed", "service_code": "streetlight-out",
                  "start_date": "2020-01-01T00:00:00Z", "end_date": "2020-01-02T00:00:00Z"}
    assert {r["service_request_id"] for r in client.get(f"{BASE}/requests.json", query_string=overriding)
            .get_json()} == {first, second}
    extended = client.get(f"{BASE}/requests/{second}.json?extensions=true").get_json()[0]
    assert [n["status"] for n in extended["notes"]][-1] == "closed"
    now = datetime.now(UTC)
    window = {"start_date": (now - timedelta(days=2)).isoformat(), "end_date": (now + timedelta(days=1)).isoformat()}
    assert len(client.get(f"{BASE}/requests.json", query_string=window).get_json()) == 2
    eastern = now.astimezone(timezone(timedelta(hours=-5)))
    just_after = {"start_date": (eastern + timedelta(minutes=5)).isoformat()}  # later, though its digits are smaller
    assert client.get(f"{BASE}/requests.json", query_string=just_after).get_json() == []
    just_before = {"start_date": (eastern - timedelta(minutes=5)).isoformat()}
    assert len(client.get(f"{BASE}/requests.json", query_string=just_before).get_json()) == 2
    old = {"start_date": (now - timedelta(days=400)).isoformat(), "end_date": (now - timedelta(days=350)).isoformat()}
    assert client.get(f"{BASE}/requests.json", query_string=old).get_json() == []


@pytest.mark.parametrize(("query", "status"), [
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, 400),  # 120 days
    ({"start_date": "yesterday"}, 400),
    ({"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}, 400),
    ({"status": "pending"}, 400),
    ({"service_code": "volcano"}, 404),
    ({"page_size": "0"}, 400),
    ({"jurisdiction_id": "elsewhere.example"}, 404),
])
def test_bad_searches_get_the_specifications_errors(client, query, status):
    _errors(client.get(f"{BASE}/requests.json", query_string=query), status)


def test_bad_posts_are_refused_in_the_callers_language_and_nothing_is_kept(app, client, key):
    def post(data, fmt="json", **headers):
        return client.post(f"{BASE}/requests.{fmt}", data={"api_key": key, **data}, headers=headers)

    spanish = {"Accept-Language": "es"}
    _errors(post({**POTHOLE, "service_code": "volcano"}), 404)
    unknown = _errors(post({**POTHOLE, "attribute[colour]": "red"}, **spanish), 400)
    assert any(e.startswith("colour:") for e in unknown)
    outside = _errors(post({**POTHOLE, "attribute[size]": "enormous"}, **spanish), 400)
    assert outside == ["size: Elija una de las respuestas que se muestran"] or "size:" in outside[0]
    missing = _errors(post({k: v for k, v in POTHOLE.items() if k != "attribute[position]"}, **spanish), 400)
    assert missing == ["position: Elija en qué parte de la calle está el bache"]
    _errors(post({k: v for k, v in POTHOLE.items() if k not in ("lat", "long", "address_string")}), 400)
    _errors(post({**POTHOLE, "api_key": "nobody:wrong"}), 403)
    _errors(client.post(f"{BASE}/requests.json", data=POTHOLE), 403, "json")
    _errors(post({**POTHOLE, "api_key": key + "x"}, "xml"), 403, "xml")
    _errors(post({**POTHOLE, "email": "not an email"}), 400)
    assert _count(app, Case) == 0 and _count(app, Notification) == 0


def test_a_client_outside_the_services_department_cannot_post(app, client):
    other = register(app, "Forestry app", roles=("contact_centre",), departments=("urban-forestry",),
                     scopes=("cases:create",))
    response = client.post(f"{BASE}/requests.json", data={**POTHOLE, "api_key": f"{other.client_id}:{other.secret}"})
    _errors(response, 403)
    assert _count(app, Case) == 0


def test_oversized_and_wrong_media_are_refused_and_nothing_is_kept(app, client, key):
    big = io.BytesIO(b"\xff\xd8\xff" + b"0" * (11 * 1024 * 1024))
    too_big = client.post(f"{BASE}/requests.json", data={**POTHOLE, "api_key": key, "media": (big, "huge.jpg")},
                          content_type="multipart/form-data")
    _errors(too_big, 413)
    text = client.post(f"{BASE}/requests.json", data={**POTHOLE, "api_key": key,
                                                       "media": (io.BytesIO(b"hello"), "note.jpg")},
                       content_type="multipart/form-data")
    _errors(text, 415)
    assert _count(app, Case) == 0 and _count(app, Document) == 0


def _client_of(app, department: str, name: str = "Other app") -> str:
    registered = register(app, name, roles=("contact_centre",), departments=(department,), scopes=("cases:create",))
    return f"{registered.client_id}:{registered.secret}"


def test_a_noise_report_of_danger_ends_at_the_exit_page(app, client):
    key = _client_of(app, app.extensions["catalog"].services["noise"].department)
    danger = client.get(f"{BASE}/services/noise.json").get_json()["attributes"][0]
    assert danger["code"] == "danger" and {v["key"] for v in danger["values"]} == {"yes", "no"}
    response = client.post(f"{BASE}/requests.json", data={
        "service_code": "noise", "api_key": key, "address_string": "1 Main St", "attribute[danger]": "yes"})
    assert _errors(response, 400) == ["call_911: These answers lead to a page that ends the request: Call 911 now"]
    assert _count(app, Case) == 0


def test_list_attributes_take_several_values_and_extensions_show_them(app, client):
    key = _client_of(app, "code-enforcement")
    form = {"service_code": "graffiti", "api_key": key, "address_string": "5 Elm St",
            "attribute[surface][]": ["building", "fence"], "attribute[property]": "public",
            "attribute[offensive]": "no", "description": "Painted overnight"}
    posted = client.post(f"{BASE}/requests.json", data=form)
    assert posted.status_code == 201, posted.get_data(as_text=True)
    reference = posted.get_json()[0]["service_request_id"]
    with db.session_scope(app, immediate=False) as s:
        assert s.scalar(select(Case).filter_by(reference=reference)).answers["surface"] == ["building", "fence"]
    extended = client.get(f"{BASE}/requests/{reference}.json?extensions=true").get_json()[0]
    assert {"code": "surface", "value": ["building", "fence"]} in extended["attributes"]
    assert all(a["code"] != "details" for a in extended["attributes"])  # free text stays private
    assert [n["status"] for n in extended["notes"]] == ["open"]
    plain = client.get(f"{BASE}/requests/{reference}.json").get_json()[0]
    assert "attributes" not in plain and "notes" not in plain
    wrong = client.post(f"{BASE}/requests.json", data={**form, "attribute[surface][]": ["building", "moon"]})
    assert _errors(wrong, 400)[0].startswith("surface:")


def test_fixmystreet_updates_go_both_ways(app, client, key):
    reference = factories.case(app, "pothole", "in_review").case.reference
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    feed = client.get(f"{BASE}/servicerequestupdates.json", query_string={"start_date": since}).get_json()
    mine = [u for u in feed if u["service_request_id"] == reference]
    assert [u["status"] for u in mine] == ["OPEN"] and mine[0]["updated_datetime"][-6] in "+-"
    posted = client.post(f"{BASE}/servicerequestupdates.json", data={
        "api_key": key, "service_request_id": reference, "status": "CLOSED", "first_name": "Ana",
        "description": "Ya lo arreglaron", "updated_datetime": since})
    assert posted.status_code == 201, posted.get_data(as_text=True)
    update_id = posted.get_json()[0]["update_id"]
    with db.session_scope(app, immediate=False) as s:
        case = s.scalar(select(Case).filter_by(reference=reference))
        note = next(e for e in case.events if str(e.id) == update_id)
        assert "Ana" in note.internal_note and "Ya lo arreglaron" in note.internal_note and note.public_note is None
        assert case.status == "in_review"  # staff decide
    again = client.get(f"{BASE}/servicerequestupdates.json", query_string={"start_date": since}).get_json()
    assert again == feed  # a note for staff is not a public update
    _errors(client.post(f"{BASE}/servicerequestupdates.json", data={"api_key": key, "service_request_id": "NOPE",
                                                                     "description": "x"}), 404)
    _errors(client.post(f"{BASE}/servicerequestupdates.json", data={"api_key": key, "service_request_id": reference}),
            400)
    _errors(client.post(f"{BASE}/servicerequestupdates.xml", data={"service_request_id": reference,
                                                                    "description": "x"}), 403, "xml")
    _errors(client.get(f"{BASE}/servicerequestupdates.json"), 400)


def test_no_cookies_and_unknown_addresses_are_open311_errors(client):
    response = client.get(f"{BASE}/services.json")
    assert "Set-Cookie" not in response.headers
    _errors(client.get(f"{BASE}/nothing.json"), 404)
    _errors(client.delete(f"{BASE}/services.json"), 405)


def test_posting_counts_against_the_clients_rate_limit(app, client, key):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert client.post(f"{BASE}/requests.json", data={**POTHOLE, "api_key": key}).status_code == 201
    _errors(client.post(f"{BASE}/requests.json", data={**POTHOLE, "api_key": key}), 429)
    assert _count(app, Case) == 2


def test_media_with_a_virus_is_refused_by_the_scanner_and_nothing_is_kept(_schema, clamd, tmp_path):
    app = create_app({**_schema, "CLAMAV_SOCKET": clamd.socket, "UPLOAD_DIR": str(tmp_path / "uploads")})
    _clean(app)
    try:
        registered = register(app, "FixMyStreet", roles=("contact_centre",), departments=("public-works",),
                              scopes=("cases:create",))
        http = app.test_client()
        infected = io.BytesIO(PDF + b"%" + clamd.marker + b"\n")
        response = http.post(f"{BASE}/requests.json", content_type="multipart/form-data", data={
            **POTHOLE, "api_key": f"{registered.client_id}:{registered.secret}", "media": (infected, "bache.pdf")})
        assert "virus" in _errors(response, 422)[0]
        assert _count(app, Case) == 0 and _count(app, Document) == 0
        assert not [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]
    finally:
        app.extensions["db_engine"].dispose()
