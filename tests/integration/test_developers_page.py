"""The case API's documentation page, /developers: made from the API's own OpenAPI document, with
every operation, its parameters, body fields, responses and scopes, the worked examples, in the
portal's layout in each language; and the examples in the document meet their own schemas."""

from __future__ import annotations

import html
import re

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def _page(client, locale: str = "en") -> str:
    response = client.get("/developers", headers={"Accept-Language": locale})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("locale", ["en", "es", "ar"])
def test_every_operation_of_the_document_is_on_the_page(client, document, locale):
    page = _page(client, locale)
    base = document["servers"][0]["url"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            heading = re.search(rf'<h3 id="{operation["operationId"]}">(.*?)</h3>', page, re.S)
            assert heading, f"{method} {path}: no section"
            assert f"{method.upper()} {base}{path}" in heading.group(1)
            section = page[heading.end():].split('<section class="portal-api-operation"', 1)[0]
            assert operation["summary"] in section
            for parameter in operation.get("parameters", ()):
                assert f">{parameter['name']}</code>" in section, (path, parameter["name"])
            for scope in {s for r in operation.get("security", ()) for v in r.values() for s in v}:
                assert f">{scope}</code>" in section
            for status in operation["responses"]:
                assert re.search(rf'<th scope="row"[^>]*>{status}</th>', section), (path, status)
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                schema = media["schema"]
                if "$ref" in schema:
                    schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
                for name in schema.get("properties", {}):
                    assert f">{name}</code>" in section, (path, name)
            assert f'href="#{operation["operationId"]}"' in page  # in the contents


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_every_object_of_the_document_is_on_the_page_with_its_fields(client, document, locale):
    page = _page(client, locale)
    for name, schema in document["components"]["schemas"].items():
        if "properties" not in schema:
            continue
        heading = re.search(rf'<h3 id="schema-{name}">', page)
        assert heading, name
        section = page[heading.end():].split('<section class="portal-api-operation"', 1)[0]
        for field in schema["properties"]:
            assert f">{field}</code>" in section, (name, field)
    assert 'href="#schema-Case"' in page  # a response's body links to its object


def test_the_page_has_the_worked_examples(app, client):
    page = _page(client)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/") + "/api/v1"
    assert "grant_type=client_credentials" in page and f"{base}/oauth/token" in page
    assert f'"{base}/cases?overdue=true' in page
    assert "If-Match: " in page and "Idempotency-Key: " in page and "/actions/resolve" in page
    assert '"access_token": ' in page and '"next_cursor": ' in page and '"public_note": ' in page
    assert '"type": "urn:civic-portal:problem:' in page
    assert "api-client-create" in page


def test_the_page_is_translated_and_in_the_layout(client):
    english, spanish, arabic = (_page(client, loc) for loc in ("en", "es", "ar"))
    assert "<h1>The case API for developers</h1>" in english
    assert '<html lang="es"' in spanish and "The case API for developers</h1>" not in spanish
    assert '<html lang="ar" dir="rtl"' in arabic and "The case API for developers</h1>" not in arabic
    # The document's own texts stay English, marked as such on the translated page.
    assert '<span lang="en" dir="ltr">One case, with its history' in spanish
    for page in (english, spanish, arabic):
        assert 'href="/developers"' in page.split("<footer", 1)[1]  # linked from every page's footer


def test_every_example_in_the_document_meets_its_schema(document):
    registry = Registry().with_resource("urn:api", Resource.from_contents(document, default_specification=DRAFT202012))
    found = 0
    for name, schema in document["components"]["schemas"].items():
        for example in schema.get("examples", ()):
            jsonschema.Draft202012Validator({"$ref": f"urn:api#/components/schemas/{name}"}, registry=registry,
                                            format_checker=jsonschema.FormatChecker()).validate(example)
            found += 1
    assert found >= 8
