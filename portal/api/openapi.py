"""The API's OpenAPI 3.1 document, made from the code that serves it, at /api/v1/openapi.json.

Each view declares its own operation next to its code (``common.operation``); this module walks the
app's routes of the API blueprint and puts each operation under its route's path and method, with
the named schemas of ``schemas`` in the components. A route without an operation stops the
document being built, so the document cannot leave one out (a test checks the same).

Why apispec: it assembles an OpenAPI document (paths, components, security schemes) for any
version including 3.1, validates references as it goes, and asks nothing of the views — no
request-parsing framework, no model classes to mirror the domain's. Our bodies are small and
already written as JSON Schema (OpenAPI 3.1's own schema language), which is also what the tests
validate real responses against, so one dict per body serves the document and the tests alike. A
pydantic-based framework (flask-openapi3, spectree) would have us restate every body as a model
class and route requests through its validation layer, a second way of parsing input beside the
domain's; marshmallow schemas (apispec's usual companion) would be the same restatement again.
"""

from __future__ import annotations

import re

from apispec import APISpec
from flask import Flask, current_app

from ..accounts import api_clients
from . import bp
from .common import operation, reply
from .schemas import SCHEMAS, catalog_schemas, ref

VERSION = "1.0.0"
BASE = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")


class MissingOperation(RuntimeError):
    pass


def build(app: Flask) -> dict:
    spec = APISpec(title="Civic Portal case API", version=VERSION, openapi_version="3.1.0",
                   info={"description": "Back-office systems read and move the same cases staff work: "
                                        "OAuth 2 client credentials, problem details (RFC 9457) in the "
                                        "language of Accept-Language, ETag and If-Match on actions, "
                                        "Idempotency-Key on every POST."},
                   servers=[{"url": BASE}])
    catalog = app.extensions["catalog"]
    for name, schema in {**SCHEMAS, **catalog_schemas(catalog.services, [d.code for d in catalog.departments])}.items():
        spec.components.schema(name, schema)
    spec.components.security_scheme("oauth2", {
        "type": "oauth2", "description": "Client credentials; tokens live 15 minutes.",
        "flows": {"clientCredentials": {"tokenUrl": f"{BASE}/oauth/token", "scopes": dict(api_clients.SCOPES)}}})
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(f"{bp.name}."):
            continue
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "openapi", None)
        if declared is None:
            raise MissingOperation(f"{rule.endpoint} declares no operation (portal.api.common.operation)")
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule).removeprefix(BASE)
        for method in sorted(m.lower() for m in rule.methods or ()):
            if method in METHODS:
                paths.setdefault(path, {})[method] = declared
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def cached(app: Flask) -> dict:
    """The document, built once per app (the JSON here, and the developers' page)."""
    if "api_openapi" not in app.extensions:
        app.extensions["api_openapi"] = build(app)
    return app.extensions["api_openapi"]


@bp.get("/openapi.json")
@operation({"operationId": "getOpenApi", "summary": "This document", "tags": ["meta"],
            "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "406": {"description": "Not acceptable.",
                                  "content": {"application/problem+json": {"schema": ref("Problem")}}}}})
def document():
    response = reply(cached(current_app._get_current_object()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
