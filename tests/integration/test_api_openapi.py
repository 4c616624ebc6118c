"""The API's OpenAPI 3.1 document: valid, naming every route of the API, and true to what the API
really answers (responses checked against the document's own schemas). And the services, each
with its answers as a JSON Schema that the demo answers of every service meet."""

from __future__ import annotations

import re
from datetime import date

import jsonschema
import pytest
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from portal.demo.answers import sample

from .. import factories
from ..api import bearer, get_token, register


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_of_the_api_is_in_the_document(app, document):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
        assert path in document["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], f"{method} {path}"


def _checker(document, schema):
    registry = Registry().with_resource("urn:api", Resource.from_contents(document, default_specification=DRAFT202012))
    return jsonschema.Draft202012Validator({"$ref": "urn:api#" + schema["$ref"].removeprefix("#")}
                                           if "$ref" in schema else schema, registry=registry,
                                           format_checker=jsonschema.FormatChecker())


def check(document, path: str, method: str, response) -> None:
    """``response`` is one the document describes for this operation, and its body meets the schema."""
    operation = document["paths"][path][method]
    described = operation["responses"].get(str(response.status_code))
    assert described is not None, f"{method.upper()} {path}: {response.status_code} is not in the document"
    media = described["content"].get(response.mimetype)
    assert media is not None, f"{method.upper()} {path} {response.status_code}: {response.mimetype} not described"
    _checker(document, media["schema"]).validate(response.get_json())


def test_real_responses_meet_the_document(app, client, document):
    registered = register(app)
    token = get_token(client, registered)
    late = factories.case(app, "pothole", "in_review").case.reference
    factories.case(app, "tree-removal")
    calls = [
        ("/services", "get", "/api/v1/services", {}),
        ("/services/{code}", "get", "/api/v1/services/pothole", {}),
        ("/services/{code}", "get", "/api/v1/services/unicorns", {}),
        ("/cases", "get", "/api/v1/cases", {}),
        ("/cases", "get", "/api/v1/cases?status=lost", {}),
        ("/cases/{reference}", "get", f"/api/v1/cases/{late}", {}),
        ("/cases/{reference}", "get", "/api/v1/cases/ZZZ-ZZZ-ZZZ", {}),
        ("/cases", "get", "/api/v1/cases", {"Authorization": "Bearer nope"}),
    ]
    for path, method, url, headers in calls:
        response = client.open(url, method=method.upper(), headers={**bearer(token), **headers})
        check(document, path, method, response)
    etag = client.get(f"/api/v1/cases/{late}", headers=bearer(token)).headers["ETag"]
    for headers in ({"If-Match": '"x.0"'}, {}, {"If-Match": etag}):
        response = client.post(f"/api/v1/cases/{late}/actions/resolve", json={"public_note": "Done."},
                               headers={**bearer(token), "Idempotency-Key": "k", **headers})
        check(document, "/cases/{reference}/actions/{action}", "post", response)
    token_response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials",
                                                               "client_id": registered.client_id,
                                                               "client_secret": registered.secret})
    check(document, "/oauth/token", "post", token_response)


def test_each_service_has_its_answers_as_a_json_schema_the_demo_answers_meet(app, client):
    token = get_token(client, register(app))
    listed = client.get("/api/v1/services", headers=bearer(token, **{"Accept-Language": "es"})).get_json()["items"]
    assert len(listed) == len(app.extensions["catalog"].services)
    for item in listed:
        service = client.get(f"/api/v1/services/{item['code']}", headers=bearer(token)).get_json()
        schema = service["answers_schema"]
        jsonschema.Draft202012Validator.check_schema(schema)
        try:
            answers = sample(item["code"], date.today())
        except KeyError:
            continue
        answers = {k: (["x.pdf"] if isinstance(v, list) and v and isinstance(v[0], str) and v[0].endswith(
            (".pdf", ".jpg", ".png")) else v) for k, v in answers.items()}
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(answers)]
        assert not errors, (item["code"], errors)
